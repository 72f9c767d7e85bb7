"""What the CLI prints: tables and progress bars (rich)."""
from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from diagnose.dataset import Dataset

console = Console()

ProgressFn = Callable[[int, int, str], None]


@contextlib.contextmanager
def progress_bar() -> Iterator[ProgressFn]:
    """A callback ``progress(done, total, label)`` drawing one bar per label on stderr."""
    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                    transient=False, disable=not sys.stderr.isatty())
    tasks: dict[str, int] = {}

    def update(done: int, total: int, label: str = "working") -> None:
        if label not in tasks:
            tasks[label] = bars.add_task(label, total=total)
        bars.update(tasks[label], completed=done, total=total)

    with bars:
        yield update


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


def print_signal(doc: dict) -> None:
    print_health(doc)
    sig = doc.get("signal") or {}
    if sig.get("baselines"):
        table = Table("baseline", "balanced acc (MAR)", "95% interval", "accuracy", "macro precision (MAP)", "macro F1",
                      title="classical baselines (cross-validated)")
        for b in sig["baselines"]:
            iv = (b.get("intervals") or {}).get("balanced_accuracy") or {}
            table.add_row(b["name"], _fmt(b["balanced_accuracy"]), f"[{_fmt(iv.get('low'))}, {_fmt(iv.get('high'))}]",
                          _fmt(b["accuracy"]), _fmt(b["macro_precision"]), _fmt(b["macro_f1"]))
        console.print(table)
    st = sig.get("shuffle_test")
    if st:
        console.print(f"label-shuffle test ({st['model']}, {st['metric']}): observed {_fmt(st['observed'])}, "
                      f"null {_fmt(st['null_mean'])} ± {_fmt(st['null_std'])}, p = {st['p_value']:.4g} "
                      f"({st['n_permutations']} permutations)")
    lc = sig.get("learning_curve")
    if lc:
        console.print(f"learning curve: more data helps? {lc['more_data_helps']}")
    tm = sig.get("timestep_map")
    if tm:
        console.print(f"where in time: {tm.get('summary', '')}")
    for name, verdict in (doc.get("verdicts") or {}).items():
        console.print(f"[bold]{name}[/]: {verdict.get('summary', '')}")
    for section, message in (doc.get("errors") or {}).items():
        console.print(f"[magenta]{section} failed[/]: {message}")


def print_compare(doc: dict) -> None:
    deep = doc.get("deep") or {}
    table = Table("model", "balanced acc (MAR)", "accuracy", "macro precision (MAP)", "device", "train s", title="models")
    for m in deep.get("models", []):
        table.add_row(m["name"], _fmt(m["balanced_accuracy"]), _fmt(m["accuracy"]), _fmt(m["macro_precision"]),
                      str(m.get("device", "-")), _fmt(m.get("train_seconds"), 1))
    console.print(table)
    for c in deep.get("comparisons", []):
        console.print(c["verdict"])
    for a in deep.get("attention", []):
        console.print(f"attention {a['model']}/{a['layer']}: {a['verdict']}")
    for f in deep.get("lint") or []:
        console.print(f"lint {f['model']} ({f['status']}): {f['message']}", markup=False)
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
