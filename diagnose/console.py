"""What the CLI prints: tables, progress (rich bars on a terminal, plain lines elsewhere) and warnings."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.progress import (  # noqa: F401  (re-exported: the CLI's progress lives there)
    HEARTBEAT_ENV,
    HEARTBEAT_S,
    PROGRESS_EVERY_S,
    ProgressLines,
    heartbeat_seconds,
    progress_bar,
)

console = Console()


# ---------------------------------------------------------------------------------------------- warnings
# Keras 3 (keras/src/layers/layer.py) warns when a layer that does not support masking gets a masked
# input: e.g. Flatten after a masked BiLSTM, so the layers after it see the padded steps as data.
MASK_WARNING = re.compile(r"Layer '([^']*)' \(of type (\w+)\) was passed an input with a mask.*destroy the mask", re.S)
# TensorFlow/absl start-up and tracing noise, hidden unless --debug.
NOISE_PATTERNS = (
    r"triggered tf\.function retracing",
    r"tf\.function retracing",
    r"^Unable to register cu\w+ factory",
    r"oneDNN custom operations",
    r"TF-TRT Warning",
    r"cuda_(dnn|blas|fft|diagnostics|driver)",
    r"All log messages before absl::InitializeLog\(\) is called",
    r"computation placer already registered",
)
_NOISE = re.compile("|".join(NOISE_PATTERNS))


def mask_message(match: re.Match) -> str:
    """The one line shown for Keras's mask warning (a :data:`MASK_WARNING` match)."""
    return (
        f"diagnose: WARNING: a Keras {match.group(2)} layer (here '{match.group(1)}') does not support masking "
        "and destroys the mask: the layers after it see the zero-padded steps as data (shown once)"
    )


class _NoiseFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _NOISE.search(record.getMessage())


class WarningDisplay:
    """How warnings reach the console: one line each, the Keras mask warning once and prominently.

    ``DataWarning`` and ``OptionWarning`` print as ``diagnose: warning: ...``; the Keras "does not support masking and will
    destroy the mask" warning prints once per process whatever the layer's numbered name
    (``flatten``, ``flatten_1``, ...); TensorFlow's retracing warnings are dropped. Other warnings
    keep Python's display.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self.mask_layers: set[str] = set()
        self._previous = None

    def show(self, message, category, filename, lineno, file=None, line=None) -> None:
        from signal_diagnostics.errors import DataWarning, OptionWarning

        text = str(message)
        stream = self.stream or sys.stderr
        match = MASK_WARNING.search(text)
        if match:
            kind = match.group(2)
            if kind not in self.mask_layers:
                self.mask_layers.add(kind)
                print(mask_message(match), file=stream, flush=True)
            return
        if _NOISE.search(text):
            return
        if issubclass(category, (DataWarning, OptionWarning)):
            print(f"diagnose: warning: {text}", file=stream, flush=True)
            return
        if self._previous is not None:
            self._previous(message, category, filename, lineno, file, line)
        else:
            stream.write(warnings.formatwarning(message, category, filename, lineno, line))

    def install(self) -> WarningDisplay:
        if self._previous is None:
            self._previous = warnings.showwarning
            warnings.showwarning = self.show
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            warnings.showwarning = self._previous
            self._previous = None


def quiet(debug: bool = False) -> WarningDisplay | None:
    """Hide TensorFlow/absl start-up noise and retracing warnings unless ``debug``; show warnings in one line.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` (inherited by worker processes), filters the ``tensorflow`` and
    ``absl`` loggers, and installs a :class:`WarningDisplay` (returned; ``None`` with ``debug``).
    Call it before TensorFlow is imported.
    """
    if debug:
        return None
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in ("tensorflow", "absl", "jax._src.xla_bridge"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoiseFilter) for f in logger.filters):
            logger.addFilter(_NoiseFilter())
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("always", message=r".*does not support masking")  # each one reaches the display
    return WarningDisplay().install()


# C++ log lines of TensorFlow/XLA/absl written straight to file descriptor 2, e.g.
# "I0000 00:00:1796119572.494957    9532 port.cc:153] oneDNN custom operations are on ...".
ABSL_LINE = re.compile(
    r"^(?:[IW]\d{4} \d+:\d+:\d+(?:\.\d+)?\s+\d+ \S+:\d+\]"
    r"|E\d{4} .*(?:cuInit|cuda|CUDA|cuDNN|cuFFT|cuBLAS|TensorRT)"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: .*rebuild TensorFlow)"
    r"|tf\.function retracing"
)


class _StderrFilter:
    """Route file descriptor 2 through a pipe and drop TensorFlow's C++ noise (:data:`ABSL_LINE`).

    Python's ``sys.stderr`` keeps writing to the real stderr (a terminal stays a terminal); what
    C++ code and worker processes (which inherit descriptor 2) write passes a reader thread that
    forwards every other line unchanged.
    """

    def __init__(self) -> None:
        import threading

        self.real = os.dup(2)
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        self.sys_stderr = sys.stderr
        sys.stderr = open(
            os.dup(self.real),
            "w",
            buffering=1,
            encoding=getattr(self.sys_stderr, "encoding", None) or "utf-8",
            errors="backslashreplace",
        )
        self.mask_layers: set[str] = set()
        self.thread = threading.Thread(target=self._pump, args=(read,), daemon=True, name="stderr-filter")
        self.thread.start()

    def _pump(self, read: int) -> None:
        skip_source = False  # the "  warnings.warn(...)" line Python prints under a warning
        with open(read, "rb") as pipe:
            for line in pipe:
                text = line.decode("utf-8", "replace")
                if skip_source and text.startswith("  "):
                    skip_source = False
                    continue
                skip_source = False
                mask = MASK_WARNING.search(text)
                if mask:  # from a worker process: shown once, like WarningDisplay does in this one
                    skip_source = True
                    if mask.group(2) not in self.mask_layers:
                        self.mask_layers.add(mask.group(2))
                        os.write(self.real, mask_message(mask).encode() + b"\n")
                elif not ABSL_LINE.search(text):
                    os.write(self.real, line)

    def close(self) -> None:
        sys.stderr.flush()
        os.dup2(self.real, 2)  # closes this process's end of the pipe: the reader sees EOF
        self.thread.join(timeout=5)
        sys.stderr.close()
        sys.stderr = self.sys_stderr
        os.close(self.real)


@contextlib.contextmanager
def filtered_stderr(enabled: bool = True) -> Iterator[None]:
    """Drop TensorFlow's C++ start-up lines from descriptor 2 for the duration (:class:`_StderrFilter`).

    Only where ``sys.stderr`` is the process's own stderr: under a test's capture or in a notebook,
    nothing changes.
    """
    try:
        own = enabled and sys.stderr is sys.__stderr__ and sys.stderr.fileno() == 2
    except (AttributeError, ValueError, OSError):
        own = False
    if not own:
        yield
        return
    filt = _StderrFilter()
    try:
        yield
    finally:
        filt.close()


@contextlib.contextmanager
def quiet_run(debug: bool = False) -> Iterator[WarningDisplay | None]:
    """:func:`quiet` for one run; the warning filters and display are restored afterwards."""
    with warnings.catch_warnings():
        display = quiet(debug)
        try:
            yield display
        finally:
            if display is not None:
                display.uninstall()


def _fmt(x, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def print_inspect(ds: Dataset) -> None:
    s = ds.summary()
    lengths = s["lengths"]
    table = Table(title=f"{s['name']}  ({s['source']})", show_header=False)
    table.add_row("series", str(s["n_series"]))
    table.add_row("timesteps", f"{s['n_timesteps']} (padded length)")
    table.add_row("channels", str(s["n_channels"]))
    table.add_row("classes", str(s["n_classes"]))
    table.add_row("lengths", f"{lengths['min']} to {lengths['max']} (mean {lengths['mean']:.1f})")
    table.add_row("padding", f"{s['padding_share']:.1%} of timesteps")
    table.add_row("groups", "none" if s["n_groups"] is None else str(s["n_groups"]))
    if "original_split" in s:
        table.add_row("original split", f"{s['original_split']['train']} train / {s['original_split']['test']} test")
    console.print(table)
    counts = Table("class", "series", "share", title="class counts")
    for c, k in s["class_counts"].items():
        counts.add_row(c, str(k), f"{k / s['n_series']:.1%}")
    console.print(counts)
    for note in ds.meta.get("notes", []):
        console.print(f"note: {note}")


def print_health(doc: dict) -> None:
    health = doc.get("health") or []
    if not health:
        return
    table = Table("check", "status", "message", title="data health")
    colours = {"pass": "green", "warn": "yellow", "fail": "red", "error": "magenta"}
    for r in health:
        table.add_row(r["check"], f"[{colours[r['status']]}]{r['status']}[/]", r["message"])
    console.print(table)


def _shuffles(st: dict) -> str:
    n, drawn = st.get("n_permutations"), st.get("permutations_drawn")
    if isinstance(drawn, int) and isinstance(n, int) and 0 < drawn < n:
        return f"stopped after {drawn} of {n} permutations: p clearly large"
    return f"{n} permutations"


def print_signal(doc: dict) -> None:
    print_health(doc)
    sig = doc.get("signal") or {}
    if sig.get("baselines"):
        table = Table(
            "baseline",
            "balanced acc (MAR)",
            "95% interval",
            "accuracy",
            "macro precision (MAP)",
            "macro F1",
            title="classical baselines (cross-validated)",
        )
        for b in sig["baselines"]:
            iv = (b.get("intervals") or {}).get("balanced_accuracy") or {}
            table.add_row(
                b["name"],
                _fmt(b["balanced_accuracy"]),
                f"[{_fmt(iv.get('low'))}, {_fmt(iv.get('high'))}]",
                _fmt(b["accuracy"]),
                _fmt(b["macro_precision"]),
                _fmt(b["macro_f1"]),
            )
        console.print(table)
    st = sig.get("shuffle_test")
    if st:
        console.print(
            f"label-shuffle test ({st['model']}, {st['metric']}): observed {_fmt(st['observed'])}, "
            f"null {_fmt(st['null_mean'])} ± {_fmt(st['null_std'])}, p = {st['p_value']:.4g} "
            f"({_shuffles(st)})"
        )
    lc = sig.get("learning_curve")
    if lc:
        console.print(f"learning curve: more data helps? {lc['more_data_helps']}")
    tm = sig.get("timestep_map")
    if tm:
        console.print(f"where in time: {tm.get('summary', '')}")
    print_verdicts(doc)
    for section, message in (doc.get("errors") or {}).items():
        console.print(f"[magenta]{section} failed[/]: {message}")


def print_verdicts(doc: dict) -> None:
    """Each answer of ``doc["verdicts"]``: the question, its headline and its sentence."""
    for v in (doc.get("verdicts") or {}).values():
        console.print(
            f"[bold]{escape(v.get('question') or v.get('id', ''))} {escape(v.get('headline', ''))}[/] "
            f"{escape(v.get('sentence', ''))}"
        )


def comparison_line(c: dict) -> str:
    """``"a vs b: +2.0 points [-1.1, +5.1]; cannot tell (adjusted p = 0.21)"``: the decided outcome, the one
    the answers use (:mod:`signal_diagnostics.pipeline.verdicts.outcomes`); a record without one, its verdict."""
    from signal_diagnostics.evaluation.comparison import points
    from signal_diagnostics.pipeline.verdicts.outcomes import outcome_words

    if not c.get("decision") or c.get("ci_low") is None:
        return str(c.get("verdict", ""))
    interval = f"{points(c['mean_difference'])} points [{points(c['ci_low'])}, {points(c['ci_high'])}]"
    return f"{c['a']} vs {c['b']}: {interval}; {outcome_words(c['decision'], c['a'], c['b'])}"


def print_compare(doc: dict) -> None:
    deep = doc.get("deep") or {}
    table = Table(
        "model", "balanced acc (MAR)", "accuracy", "macro precision (MAP)", "device", "train s", title="models"
    )
    for m in deep.get("models", []):
        table.add_row(
            m["name"],
            _fmt(m["balanced_accuracy"]),
            _fmt(m["accuracy"]),
            _fmt(m["macro_precision"]),
            str(m.get("device", "-")),
            _fmt(m.get("train_seconds"), 1),
        )
    console.print(table)
    for c in deep.get("comparisons", []):
        console.print(comparison_line(c), markup=False)
    for a in deep.get("attention", []):
        console.print(f"attention {a['model']}/{a['layer']}: {a['verdict']}")
    for f in deep.get("lint") or []:
        console.print(f"lint {f['model']} ({f['status']}): {f['message']}", markup=False)
    print_verdicts(doc)
    for section, message in (doc.get("errors") or {}).items():
        console.print(f"[magenta]{section} failed[/]: {message}")


def print_explain(doc: dict) -> None:
    table = Table("model", "method", "top timesteps", "faithfulness (AOPC)", title="attributions")
    for a in doc.get("attribution") or []:
        imp = a.get("timestep_importance") or []
        top = sorted(range(len(imp)), key=lambda t: -(imp[t] or 0))[:5]
        aopc = (a.get("faithfulness") or {}).get("aopc")
        table.add_row(a["model"], a["method"], ", ".join(map(str, top)) or str(a.get("message", "")), _fmt(aopc))
    console.print(table)
    for section, message in (doc.get("errors") or {}).items():
        console.print(f"[magenta]{section} failed[/]: {message}")
