"""A running unit's inner progress: shown in this process, or sent from a pool worker to the parent.

The in-process executor shows a unit's inner progress (:func:`inner_progress`) directly; a unit in a
local worker process sends it through a queue (:func:`run_reporting`), which the parent empties
(:func:`drain`) while it waits for results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from signal_diagnostics.pipeline.resources import init_worker, run_limited
from signal_diagnostics.results import Progress

_SEND_EVERY_S = 0.2  # a worker sends at most one progress line per this many seconds per unit (and its last)

# The progress of the unit running now in this process (in-process executor): (callback, unit label).
_INNER: list[tuple[Progress, str]] = []


def inner_progress(what: str) -> Progress | None:
    """``progress(done, total)`` for the inside of the unit running now, shown as ``"<unit label>: <what>"``; a
    check names a later part of its work as ``progress(done, total, part)``.

    None outside a unit run by this process or a local worker (a Dask worker: the parent's heartbeat still
    says which unit runs, :class:`signal_diagnostics.console.ProgressLines`).
    """
    if not _INNER:
        return None
    note, label = _INNER[-1]
    return lambda done, total, part=what: note(done, total, f"{label}: {part}")


@contextmanager
def reporting_to(note: Progress, label: str) -> Iterator[None]:
    """While the block runs, :func:`inner_progress` reports to ``note`` under the unit's ``label``."""
    _INNER.append((note, label))
    try:
        yield
    finally:
        _INNER.pop()


# In a pool worker: the queue its units' inner progress goes to (the parent prints it, :func:`drain`).
_WORKER_QUEUE: list = []


# What nearly every unit imports first (scikit-learn: 1-2 s): loaded as the worker starts, after its thread share is
# set, so that a unit's measured time (pipeline.units.timed) is its own work; the first unit of a fresh worker
# measured 2 s for a 0.05 s chance baseline (benchmarks/results/scale_8k.json).
WORKER_IMPORTS = ("sklearn.model_selection", "sklearn.metrics")


def init_pool_worker(threads: int, gpu_queue, progress_queue) -> None:
    """A pool worker's initializer: its thread share, its GPU (:func:`init_worker`), the progress queue, and
    :data:`WORKER_IMPORTS`."""
    import importlib

    init_worker(threads, gpu_queue)
    _WORKER_QUEUE[:] = [progress_queue]
    for name in WORKER_IMPORTS:
        importlib.import_module(name)


STARTED = -1  # a worker's message "a unit of this label began", in place of a count


def run_reporting(label: str, threads: int, fn: Callable, *args) -> Any:
    """``run_limited(threads, fn, *args)`` in a pool worker, its inner progress sent to the parent's queue."""
    if not _WORKER_QUEUE:
        return run_limited(threads, fn, *args)
    import time

    queue, last = _WORKER_QUEUE[0], [0.0]

    def put(message: tuple[int, int, str]) -> None:
        try:  # written before the unit returns, so the parent reads it before the result
            queue.put(message)
        except Exception:  # a closed queue loses a progress line, never the unit
            pass

    def send(done: int, total: int, lab: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < _SEND_EVERY_S:
            return  # the parent prints a few lines a minute; the pipe must never fill
        last[0] = now
        put((int(done), int(total), lab))

    put((STARTED, 0, label))  # the parent's heartbeat names the running unit, the others as queued
    with reporting_to(send, label):
        return run_limited(threads, fn, *args)


def announce_start(note: Progress, label: str) -> None:
    """Tell ``note`` that a unit of ``label`` began, when it listens (:meth:`ProgressLines.started`)."""
    started = getattr(note, "started", None)
    if started is not None:
        started(label)


def drain(queue, note: Progress) -> None:
    """Show the progress lines worker processes have sent so far, and which units they began."""
    try:
        while queue is not None and not queue.empty():
            done, total, label = queue.get()
            if done == STARTED:
                announce_start(note, label)
            else:
                note(done, total, label)
    except (OSError, ValueError, EOFError):  # a closed queue: no more progress, the run goes on
        return


__all__ = ["STARTED", "announce_start", "drain", "init_pool_worker", "inner_progress", "reporting_to", "run_reporting"]
