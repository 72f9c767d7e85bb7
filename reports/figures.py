"""The report's figures, drawn with matplotlib's object API (no pyplot state, Agg canvas).

Each function takes the part of the Diagnosis document it shows and returns a
:class:`matplotlib.figure.Figure`, or ``None`` when there is nothing to plot. :func:`figures`
draws them all; :func:`png_bytes` saves one as a PNG whose bytes depend only on the figure.

The figures of the data (class balance) and of every model (confusion) are drawn here; those of the signal
section in :mod:`reports.signal_figures`, those of the deep section in :mod:`reports.deep_figures` (every
figure function is importable from here too). The time-axis figures (:func:`timestep_map_figure`,
:func:`attribution_figure`) share one width and one axes box, so shown at the same width their timesteps line up.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .deep_figures import attention_figure, attribution_figure, comparison_figure
from .formatting import is_number
from .plotting import floats, new_figure, number_text, png_bytes, safe_text, slug, styled
from .signal_figures import class_pairs_figure, learning_curve_figure, shuffle_figure, timestep_map_figure


@styled
def class_balance_figure(dataset: dict | None) -> Figure | None:
    """Bar chart of series per class, with counts and shares."""
    counts = (dataset or {}).get("class_counts") or {}
    items = [(k, v) for k, v in counts.items() if is_number(v)]
    if not items:
        return None
    labels = [safe_text(k) for k, _ in items]
    values = np.array([v for _, v in items], dtype=float)
    total = values.sum() or 1.0
    fig = new_figure(7.0, 0.45 + 0.28 * len(items) + 0.6)
    ax = fig.add_subplot()
    y = np.arange(len(items))
    ax.barh(y, values, color="#4C72B0")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    for yi, v in zip(y, values):
        ax.text(v, yi, f" {int(v)} ({100 * v / total:.0f}%)", va="center", fontsize=8)
    ax.set_xlim(0, values.max() * 1.25 if values.max() > 0 else 1)
    ax.set_xlabel("series")
    ratio = values.max() / values.min() if values.min() > 0 else math.inf
    ax.set_title(f"Class balance: {len(items)} classes, largest / smallest = {ratio:.1f}")
    fig.tight_layout()
    return fig


@styled
def confusion_figure(scores: dict | None, classes: list | None = None) -> Figure | None:
    """Row-normalised confusion matrix of one model, titled with accuracy, MAR and MAP."""
    scores = scores or {}
    conf = floats(scores.get("confusion"))
    if conf.ndim != 2 or conf.size == 0 or conf.shape[0] != conf.shape[1]:
        return None
    K = conf.shape[0]
    names = list(classes or [])
    labels = [safe_text(c, 12) for c in names] if len(names) == K else [str(k) for k in range(K)]
    rows = np.nansum(conf, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        norm = np.where(rows > 0, conf / rows, np.nan)
    side = min(6.0, 2.4 + 0.3 * K)
    fig = new_figure(side + 0.9, side + 0.3, layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(norm, vmin=0, vmax=1, cmap="Blues")
    if K <= 15:  # shares written in the cells; empty cells (share < 0.005) left blank to cut clutter
        for i in range(K):
            for j in range(K):
                if np.isfinite(norm[i, j]) and norm[i, j] >= 0.005:
                    ax.text(
                        j,
                        i,
                        f"{norm[i, j]:.2f}"[1:] if norm[i, j] < 1 else "1",
                        ha="center",
                        va="center",
                        fontsize=8 if K <= 10 else 7,
                        color="white" if norm[i, j] > 0.6 else "black",
                    )
    ax.set_xticks(range(K), labels, rotation=45, ha="right")
    ax.set_yticks(range(K), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    title = (
        f"{safe_text(scores.get('name', 'model'), 30)}\naccuracy {number_text(scores.get('accuracy'))}, "
        f"MAR {number_text(scores.get('balanced_accuracy'))}, MAP {number_text(scores.get('macro_precision'))}"
    )
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of true class")
    return fig


def _chance(doc: dict) -> float | None:
    ds = doc.get("dataset") or {}
    k = ds.get("n_classes") or len(ds.get("classes") or [])
    return 1.0 / k if is_number(k) and k >= 2 else None


def figures(doc: dict) -> tuple[dict[str, Figure], dict[str, str]]:
    """Every figure the document supports, by file name stem, and the errors of those that failed.

    Returns
    -------
    (figures, errors): ``{name: Figure}`` in report order; ``{name: message}`` for figures whose
    drawing raised (the report shows the message instead of the figure).
    """
    ds = doc.get("dataset") or {}
    classes = ds.get("classes") or []
    sig = doc.get("signal") or {}
    deep = doc.get("deep") or {}
    baselines = [b for b in sig.get("baselines") or [] if isinstance(b, dict)]
    best = next((b for b in baselines if b.get("name") == sig.get("best_baseline")), None)
    jobs: list[tuple[str, Any]] = [
        ("class_balance", lambda: class_balance_figure(ds)),
        ("shuffle_test", lambda: shuffle_figure(sig.get("shuffle_test"))),
        ("learning_curve", lambda: learning_curve_figure(sig.get("learning_curve"), _chance(doc))),
        ("timestep_map", lambda: timestep_map_figure(sig.get("timestep_map"))),
        ("class_pairs", lambda: class_pairs_figure(sig.get("class_pairs"))),
        ("comparisons", lambda: comparison_figure(deep.get("comparisons"))),
        ("attribution", lambda: attribution_figure(doc.get("attribution"), ds.get("n_timesteps"))),
    ]
    if best is not None:
        jobs.insert(1, (f"confusion_{slug(best.get('name'))}", lambda: confusion_figure(best, classes)))
    for m in deep.get("models") or []:
        if isinstance(m, dict):
            jobs.append((f"confusion_{slug(m.get('name'))}", lambda m=m: confusion_figure(m, classes)))
    for a in deep.get("attention") or []:
        if isinstance(a, dict):
            jobs.append((f"attention_{slug(a.get('model'))}_{slug(a.get('layer'))}", lambda a=a: attention_figure(a)))
    out: dict[str, Figure] = {}
    errors: dict[str, str] = {}
    for name, draw in jobs:
        key, n = name, 2
        while key in out or key in errors:
            key, n = f"{name}_{n}", n + 1
        try:
            fig = draw()
        except Exception as err:  # a figure that cannot be drawn must not stop the report
            errors[key] = f"{type(err).__name__}: {err}"
            continue
        if fig is not None:
            out[key] = fig
    return out, errors


__all__ = [
    "figures",
    "png_bytes",
    "class_balance_figure",
    "confusion_figure",
    "shuffle_figure",
    "learning_curve_figure",
    "timestep_map_figure",
    "class_pairs_figure",
    "attribution_figure",
    "comparison_figure",
    "attention_figure",
    "slug",
]
