"""One executor for every independent unit of work: in-process, local processes or Dask.

A unit is a top-level function and its arguments plus a JSON key that names it. Seeds come from the
unit's arguments, never from the order of execution, so every executor gives the same numbers. With a
:class:`~diagnose.cache.Cache`, finished units are stored and skipped on the next run. Unit results
are JSON values (they pass through the JSON round trip whether or not they were cached), so a fresh
run and a resumed one are identical.
"""
from __future__ import annotations

import json
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from diagnose.cache import Cache, _canonical


@dataclass(frozen=True)
class Unit:
    """One independent piece of work: ``fn(*args)`` named by ``key`` (JSON-able)."""

    key: Any
    fn: Callable[..., Any]
    args: tuple = field(default_factory=tuple)
    needs_gpu: bool = False


def _normalise(value: Any) -> Any:
    return json.loads(_canonical(value))


def _gpu_ids() -> list[str]:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [g for g in visible.split(",") if g.strip() not in ("", "-1")]
    try:
        import subprocess

        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(out.splitlines()) if line.startswith("GPU")]


def _pin_gpu(queue) -> None:  # process-pool initializer: one GPU per worker process
    os.environ["CUDA_VISIBLE_DEVICES"] = queue.get()


class Executor:
    """Run units and return their results in unit order.

    Parameters
    ----------
    kind : "inprocess", "processes" (a local process pool; the default with ``n_workers`` = cores)
        or "dask".
    n_workers : worker processes for "processes" (default: all cores; one per GPU for GPU units).
    scheduler : for "dask": "local" starts a LocalCluster, "tcp://HOST:PORT" joins a running one.
    cache : a Cache; finished units are read from and written to it.
    """

    def __init__(self, kind: str = "inprocess", *, n_workers: int | None = None, scheduler: str | None = None,
                 cache: Cache | None = None) -> None:
        if kind not in ("inprocess", "processes", "dask"):
            raise ValueError(f"executor kind must be inprocess, processes or dask; got {kind!r}")
        self.kind = kind
        self.n_workers = n_workers or os.cpu_count() or 1
        self.scheduler = scheduler or "local"
        self.cache = cache
        self.computed = 0
        self._client = None
        self._cluster = None

    def map(self, units: Sequence[Unit], *, label: str = "working",
            progress: Callable[[int, int, str], None] | None = None) -> list[Any]:
        results: list[Any] = [None] * len(units)
        todo = []
        for i, unit in enumerate(units):
            hit, value = self.cache.get(unit.key) if self.cache else (False, None)
            if hit:
                results[i] = value
            else:
                todo.append(i)
        done = len(units) - len(todo)
        note = progress or (lambda *a: None)
        note(done, len(units), label)
        for i, value in self._run([units[i] for i in todo], todo):
            results[i] = self.cache.put(units[i].key, value) if self.cache else _normalise(value)
            self.computed += 1
            done += 1
            note(done, len(units), label)
        return results

    def _run(self, units: list[Unit], index: list[int]):
        if not units:
            return
        if self.kind == "inprocess" or len(units) == 1 and self.kind == "processes":
            for i, u in zip(index, units):
                yield i, u.fn(*u.args)
        elif self.kind == "processes":
            yield from self._run_processes(units, index)
        else:
            yield from self._run_dask(units, index)

    def _run_processes(self, units, index):
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # never fork a process that may hold TensorFlow or CUDA state
        gpus = _gpu_ids() if any(u.needs_gpu for u in units) else []
        kwargs = {}
        workers = min(self.n_workers, len(units))
        if gpus:
            queue = ctx.Queue()
            for g in gpus:
                queue.put(g)
            workers = len(gpus)
            kwargs = {"initializer": _pin_gpu, "initargs": (queue,)}
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, **kwargs) as pool:
            pending = {pool.submit(u.fn, *u.args): i for i, u in zip(index, units)}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    yield pending.pop(fut), fut.result()

    def _dask_client(self):
        if self._client is None:
            from dask.distributed import Client, LocalCluster

            if self.scheduler == "local":
                resources = {"GPU": 1} if _gpu_ids() else None
                self._cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1, processes=True,
                                             resources=resources, dashboard_address=None)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler)
        return self._client

    def _run_dask(self, units, index):
        from dask.distributed import as_completed

        client = self._dask_client()
        futures = {}
        for i, u in zip(index, units):
            resources = {"GPU": 1} if u.needs_gpu and _gpu_ids() else None
            fut = client.submit(u.fn, *u.args, pure=False, resources=resources, key=f"unit-{i}-{os.urandom(4).hex()}")
            futures[fut] = i
        for fut in as_completed(futures):
            yield futures[fut], fut.result()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
