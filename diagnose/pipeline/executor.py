"""One executor for every independent unit of work: in-process, local processes or Dask.

A unit is a top-level function and its arguments plus a JSON key that names it. Seeds come from the
unit's arguments, never from the order of execution, so every executor gives the same numbers. With a
:class:`~signal_diagnostics.pipeline.cache.Cache`, finished units are stored and skipped on the next run. Unit results
are JSON values (they pass through the JSON round trip whether or not they were cached), so a fresh
run and a resumed one are identical.

Examples
--------
>>> ex = Executor("inprocess")
>>> ex.map([Unit(key={"task": "square", "x": x}, fn=pow, args=(x, 2)) for x in (1, 2, 3)])
[1, 4, 9]
"""

from __future__ import annotations

import os
import re
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.cache import Cache, as_json, unit_key
from signal_diagnostics.pipeline.resources import available_cores, gpu_ids, quiet_openmp, run_limited
from signal_diagnostics.pipeline.unit_progress import (
    announce_start,
    drain,
    init_pool_worker,
    reporting_to,
    run_reporting,
)
from signal_diagnostics.results import Progress

KINDS = ("inprocess", "processes", "dask")
DASK_EXTRA = "install signal-diagnostics[dask]"  # the optional extra that brings dask.distributed
_SCHEDULER = re.compile(r"^(local|tcp://[^\s:/]+:\d{1,5})$")
_POLL_S = 0.5  # how often the parent shows the progress worker processes send while it waits
_SCATTER_BYTES = 1_000_000  # arrays above this size are sent to a Dask cluster once, not with every unit


@dataclass(frozen=True)
class Unit:
    """One independent piece of work: ``fn(*args)`` named by ``key`` (JSON-able).

    ``label`` groups units on the progress display (default: the label given to ``Executor.map``).
    """

    key: Any
    fn: Callable[..., Any]
    args: tuple = field(default_factory=tuple)
    needs_gpu: bool = False
    label: str | None = None


@dataclass(frozen=True)
class UnitError:
    """A unit that raised (with ``errors="return"``): never cached, so the next run tries it again."""

    message: str
    traceback: str

    @classmethod
    def from_exception(cls, err: BaseException) -> UnitError:
        return cls(f"{type(err).__name__}: {err}", "".join(traceback.format_exception(err)))


def check_scheduler(scheduler: str) -> str:
    """``scheduler`` if it is ``"local"`` or ``"tcp://HOST:PORT"``, else a DataError saying so."""
    if not isinstance(scheduler, str) or not _SCHEDULER.match(scheduler):
        raise DataError(f"--scheduler must be 'local' or tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786); got {scheduler!r}")
    return scheduler


def require_dask() -> None:
    """Raise a DataError naming the extra to install when ``dask.distributed`` is missing."""
    import importlib.util

    if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
        raise DataError(f"running on a Dask cluster needs dask.distributed, which is not installed: {DASK_EXTRA}")


def _attempt(fn: Callable, args: tuple, threads: int) -> tuple[bool, Any]:
    try:
        return True, run_limited(threads, fn, *args)
    except Exception as err:  # reported per unit; KeyboardInterrupt still stops the run
        return False, err


class Executor:
    """Run units and return their results in unit order.

    Parameters
    ----------
    kind : "inprocess", "processes" (a local process pool) or "dask".
    n_workers : worker processes for "processes" and for a Dask LocalCluster (default: all cores);
        GPU units run one per GPU.
    scheduler : for "dask": "local" starts a LocalCluster, "tcp://HOST:PORT" joins a running one.
    cache : a Cache; finished units are read from and written to it.

    Attributes
    ----------
    computed : units run (not read from the cache) so far.
    failed : units that raised so far.

    The process pool and the Dask client are started on first use and kept until :meth:`close`
    (use the executor as a context manager).
    """

    def __init__(
        self,
        kind: str = "inprocess",
        *,
        n_workers: int | None = None,
        scheduler: str | None = None,
        cache: Cache | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"executor kind must be inprocess, processes or dask; got {kind!r}")
        self.kind = kind
        self.n_workers = n_workers or available_cores()
        self.scheduler = check_scheduler(scheduler or "local") if kind == "dask" else None
        if kind == "dask":
            require_dask()
        self.cache = cache
        self.computed = 0
        self.failed = 0
        self._client = None
        self._cluster = None
        self._pool = None
        self._pool_key = None
        self._progress_queue = None
        self._threads = 1
        self._cache_warned = False
        quiet_openmp()  # before scikit-learn's OpenMP runtime loads here or in a worker

    def start(self) -> Executor:
        """Connect to (or start) the Dask cluster now, so a wrong address fails before any work."""
        if self.kind == "dask":
            self._dask_client()
        return self

    def map(
        self, units: Sequence[Unit], *, label: str = "working", progress: Progress | None = None, errors: str = "raise"
    ) -> list[Any]:
        """Results of ``units`` in their order, reading finished ones from the cache.

        Parameters
        ----------
        units : the work.
        label : progress label of units without their own.
        progress : ``progress(done, total, label)`` per label: once at the start (cached units count
            as done) and after each unit.
        errors : ``"raise"`` re-raises the first failure; ``"return"`` puts a :class:`UnitError` in
            that unit's place and runs the rest.
        """
        if errors not in ("raise", "return"):
            raise ValueError(f"errors must be 'raise' or 'return'; got {errors!r}")
        results: list[Any] = [None] * len(units)
        labels = [u.label or label for u in units]
        totals = Counter(labels)
        done: Counter = Counter()
        todo = []
        keys = [unit_key(u.key, u.fn, u.args) if self.cache else None for u in units]
        for i, key in enumerate(keys):
            hit, value = self.cache.get(key) if self.cache else (False, None)
            if hit:
                results[i] = value
                done[labels[i]] += 1
            else:
                todo.append(i)
        note = progress or (lambda *a: None)
        for lab in totals:
            note(done[lab], totals[lab], lab)
        running = self._run([units[i] for i in todo], todo, note, labels)
        try:
            for i, ok, value in running:
                if ok:
                    results[i] = self._store(keys[i], value)
                    self.computed += 1
                elif errors == "raise":
                    raise value
                else:
                    results[i] = UnitError.from_exception(value)
                    self.failed += 1
                done[labels[i]] += 1
                note(done[labels[i]], totals[labels[i]], labels[i])
        finally:
            running.close()  # cancels units still queued when a failure or Ctrl-C stops the run
        return results

    def _store(self, key: Any, value: Any) -> Any:
        """Write a finished unit to the cache; a cache that cannot be written warns, the run goes on."""
        if self.cache is None:
            return as_json(value)
        try:
            return self.cache.put(key, value)
        except OSError as err:
            if not self._cache_warned:
                warnings.warn(
                    f"cannot write the unit cache in {self.cache.root} ({err}); going on without it",
                    RuntimeWarning,
                    stacklevel=3,
                )
                self._cache_warned = True
            return as_json(value)

    def _run(
        self, units: list[Unit], index: list[int], note: Progress, labels: list[str]
    ) -> Iterator[tuple[int, bool, Any]]:
        if not units:
            return
        if self.kind == "inprocess":
            threads = available_cores()
            for i, u in zip(index, units):
                announce_start(note, labels[i])
                with reporting_to(note, labels[i]):
                    outcome = _attempt(u.fn, u.args, threads)
                yield (i, *outcome)
        elif self.kind == "processes":
            yield from self._run_processes(units, index, note, labels)
        else:
            yield from self._run_dask(units, index)

    def _process_pool(self, gpus: list[str]) -> ProcessPoolExecutor:
        import multiprocessing as mp

        key = ("gpu", tuple(gpus)) if gpus else ("cpu", self.n_workers)
        if self._pool is not None and self._pool_key != key:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._pool is None:
            ctx = mp.get_context("spawn")  # never fork a process that may hold TensorFlow or CUDA state
            queue = None
            workers = self.n_workers
            if gpus:
                queue = ctx.Queue()
                for g in gpus:
                    queue.put(g)
                workers = len(gpus)
            threads = max(1, available_cores() // workers)
            self._threads = threads
            self._progress_queue = ctx.SimpleQueue()  # put() writes at once (no feeder thread to lag)
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=ctx,
                initializer=init_pool_worker,
                initargs=(threads, queue, self._progress_queue),
            )
            self._pool_key = key
        return self._pool

    def _run_processes(self, units, index, note: Progress, labels: list[str]):
        gpus = gpu_ids() if any(u.needs_gpu for u in units) else []
        pool = self._process_pool(gpus)
        pending = {pool.submit(run_reporting, labels[i], self._threads, u.fn, *u.args): i for i, u in zip(index, units)}
        try:
            while pending:
                finished, _ = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
                drain(self._progress_queue, note)
                for fut in finished:
                    i = pending.pop(fut)
                    err = fut.exception()
                    if err is not None and not isinstance(err, Exception):
                        raise err  # Ctrl-C reached a worker: stop the run, do not record it as a failure
                    yield (i, True, fut.result()) if err is None else (i, False, err)
            drain(self._progress_queue, note)
        finally:
            for fut in pending:  # a failure stopped the run, or the caller stopped reading
                fut.cancel()

    def _dask_client(self):
        if self._client is None:
            from dask.distributed import Client, LocalCluster

            if self.scheduler == "local":
                resources = {"GPU": 1} if gpu_ids() else None
                self._cluster = LocalCluster(
                    n_workers=self.n_workers,
                    threads_per_worker=1,
                    processes=True,
                    resources=resources,
                    dashboard_address=None,
                )
                self._client = Client(self._cluster)
            else:
                try:
                    self._client = Client(self.scheduler, timeout="10s")
                except (OSError, TimeoutError) as err:
                    raise DataError(
                        f"cannot reach the Dask scheduler at {self.scheduler} ({err}): start one "
                        "with `dask scheduler` and `dask worker`, or use --scheduler local"
                    ) from None
        return self._client

    def _cluster_has_gpus(self, client) -> bool:
        workers = client.scheduler_info().get("workers", {})
        return any((w.get("resources") or {}).get("GPU") for w in workers.values())

    def _run_dask(self, units, index):
        from dask.distributed import as_completed

        client = self._dask_client()
        gpu_resource = any(u.needs_gpu for u in units) and self._cluster_has_gpus(client)
        scattered: dict[int, Any] = {}  # large arrays go to the workers once, not once per unit

        def ship(arg):
            if getattr(arg, "nbytes", 0) > _SCATTER_BYTES and hasattr(arg, "dtype"):
                if id(arg) not in scattered:
                    scattered[id(arg)] = client.scatter(arg, broadcast=False)
                return scattered[id(arg)]
            return arg

        futures = {}
        for i, u in zip(index, units):
            resources = {"GPU": 1} if u.needs_gpu and gpu_resource else None
            fut = client.submit(
                u.fn, *[ship(a) for a in u.args], pure=False, resources=resources, key=f"unit-{i}-{os.urandom(4).hex()}"
            )
            futures[fut] = i
        try:
            for fut in as_completed(futures):
                i = futures.pop(fut)
                if fut.status == "error":
                    yield i, False, fut.exception()
                else:
                    yield i, True, fut.result()
        finally:
            if futures:
                client.cancel(list(futures))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["Executor", "Unit", "UnitError", "check_scheduler", "require_dask", "KINDS", "DASK_EXTRA"]
