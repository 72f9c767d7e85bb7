"""Progress on the console: rich bars on a terminal, plain timestamped lines elsewhere, never quiet for long."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from signal_diagnostics.results import Progress

# Plain progress lines (stderr not a terminal: piped, a log file, a notebook): at most one line per
# task every this many seconds, besides its first and its last line.
PROGRESS_EVERY_S = 5.0
# The longest silence of the plain lines (issue 21: a run that printed nothing for 16 minutes looked
# hung): a heartbeat says which task is still running when nothing else was printed for this long.
HEARTBEAT_S = 30.0
# Tests (and users who want a denser log) shorten the heartbeat through this variable, read only here.
HEARTBEAT_ENV = "SIGNAL_DIAGNOSTICS_HEARTBEAT_S"


def heartbeat_seconds() -> float:
    """:data:`HEARTBEAT_S`, or the positive number of seconds in ``$SIGNAL_DIAGNOSTICS_HEARTBEAT_S``."""
    try:
        value = float(os.environ.get(HEARTBEAT_ENV, HEARTBEAT_S))
    except ValueError:
        return HEARTBEAT_S
    return value if value > 0 else HEARTBEAT_S


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


class ProgressLines:
    """``progress(done, total, label)`` as plain lines with the elapsed time, throttled per label.

    Each label prints its first call, its completion (``done == total``) and, in between, at most one
    line every ``every`` seconds with an estimate of the time left (from the rate since the label's first
    call), e.g. ``[   12.4 s] baselines: 3/5 (about 8 s left)``. With ``heartbeat`` (seconds), a thread
    prints ``still working on <label>`` (its last known count and time left) whenever nothing was printed
    for that long, so a long unit that reports nothing from inside (a worker process) never goes quiet;
    :meth:`close` stops it. An executor that says when a unit begins (:meth:`started`) lets the heartbeat name the
    units running and the rest as queued, instead of every open task.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> lines = ProgressLines(out, every=60, clock=iter([0.0, 1.0, 2.0, 3.0, 4.0]).__next__)
    >>> for done in range(4):
    ...     lines(done, 3, "baselines")
    >>> print(out.getvalue(), end="")
    [    1.0 s] baselines: 0/3
    [    4.0 s] baselines: 3/3 done
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        every: float = PROGRESS_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        heartbeat: float | None = None,
    ) -> None:
        import threading

        self.stream, self.every, self.clock = stream, every, clock
        self.start = clock()
        self.last: dict[str, float] = {}
        self.finished: set[str] = set()
        self.state: dict[str, tuple[int, int]] = {}  # label -> last (done, total)
        self.began: dict[str, tuple[float, int]] = {}  # label -> (time, done) of its first call
        self.current: str | None = None
        self.running: dict[str, tuple[int, float]] = {}  # label -> (its units running now, when the last began)
        self.printed = self.start
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = None
        if heartbeat:
            self.heartbeat = float(heartbeat)
            self.thread = threading.Thread(target=self._beat, daemon=True, name="progress-heartbeat")
            self.thread.start()

    def _left(self, label: str, done: int, total: int, now: float) -> str:
        t0, d0 = self.began.get(label, (now, done))
        if done <= d0 or now <= t0 or total <= done:
            return ""
        return f" (about {_duration((total - done) * (now - t0) / (done - d0))} left)"

    def _print(self, text: str, now: float) -> None:
        self.printed = now
        print(f"[{now - self.start:7.1f} s] {text}", file=self.stream or sys.stderr, flush=True)

    def __call__(self, done: int, total: int, label: str = "working") -> None:
        with self.lock:
            now = self.clock()
            end = total > 0 and done >= total
            first = label not in self.last
            self.began.setdefault(label, (now, done))
            before = self.state.get(label, (done, total))[0]
            if label in self.running and done > before:  # units of it finished
                count, since = self.running[label]
                self.running[label] = (max(0, count - (done - before)), since)
            self.state[label] = (done, total)
            if not end and not (first and done == 0):  # a task announced at 0 may not have started
                self.current = label
            if end and label in self.finished:
                return
            if not (first or end or now - self.last[label] >= self.every):
                return
            self.last[label] = now
            if end:
                self.finished.add(label)
            else:
                self.finished.discard(label)
            left = "" if first else self._left(label, done, total, now)
            self._print(f"{label}: {done}/{total}{' done' if end else left}", now)

    def _beat(self) -> None:
        tick = min(1.0, self.heartbeat / 4)
        while not self.stopped.wait(tick):
            with self.lock:
                now = self.clock()
                if now - self.printed < self.heartbeat - tick:  # the next look would come past the heartbeat
                    continue
                open_ = [lab for lab in self.state if lab not in self.finished]
                label = self.current if self.current in open_ else None
                if label is None:  # no task reported from inside: those said to have started, else every open one
                    self._print(self._running_line(open_, now), now)
                    continue
                done, total = self.state[label]
                since = now - (self.running[label][1] if label in self.running else self.began[label][0])
                left = self._left(label, done, total, now)
                self._print(f"still working on {label}: {done}/{total}, {_duration(since)} in it{left}", now)

    def started(self, label: str) -> None:
        """A unit of ``label`` began (an executor says so): the heartbeat names it as running, the others as queued."""
        with self.lock:
            self.running[label] = (self.running.get(label, (0, 0.0))[0] + 1, self.clock())

    def _running_line(self, open_: list[str], now: float) -> str:
        running = [lab for lab in open_ if self.running.get(lab, (0, 0.0))[0] > 0]
        if not running:
            return f"still working on {', '.join(open_) or 'the run'} ({_duration(now - self.start)})"
        named = ", ".join(f"{lab} ({_duration(now - self.running[lab][1])} in it)" for lab in running)
        queued = [lab for lab in open_ if lab not in running]
        return f"still working on {named}" + (f"; queued: {', '.join(queued)}" if queued else "")

    def close(self) -> None:
        """Stop the heartbeat thread."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=5)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress]:
    """A callback ``progress(done, total, label)``: one rich bar per label on a terminal's stderr,
    throttled plain lines (:class:`ProgressLines`) when stderr is piped or in a notebook, nothing when
    ``enabled`` is false."""
    if not enabled:
        yield lambda *a: None
        return
    if not _is_terminal(sys.stderr):
        lines = ProgressLines(heartbeat=heartbeat_seconds())
        try:
            yield lines
        finally:
            lines.close()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.progress import Progress as Bars

    bars = Bars(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    tasks: dict[str, int] = {}

    def update(done: int, total: int, label: str = "working") -> None:
        if label not in tasks:
            tasks[label] = bars.add_task(label, total=total)
        bars.update(tasks[label], completed=done, total=total)

    with bars:
        yield update


__all__ = ["ProgressLines", "progress_bar", "heartbeat_seconds", "HEARTBEAT_S", "HEARTBEAT_ENV", "PROGRESS_EVERY_S"]
