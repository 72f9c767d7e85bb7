"""The report's figures, drawn with matplotlib's object API (no pyplot state, Agg canvas).

Each function takes the part of the Diagnosis document it shows and returns a
:class:`matplotlib.figure.Figure`, or ``None`` when there is nothing to plot. :func:`figures`
draws them all; :func:`png_bytes` saves one as a PNG whose bytes depend only on the figure.

The time-axis figures (:func:`timestep_map_figure`, :func:`attribution_figure`) share one width and
one axes box, so shown at the same width their timesteps line up.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .formatting import is_number, pval, words
from .plotting import (
    WIDE,
    floats,
    new_figure,
    number_text,
    png_bytes,
    rectangular,
    safe_text,
    slug,
    styled,
    time_axes,
    time_height,
)


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


@styled
def shuffle_figure(shuffle: dict | None) -> Figure | None:
    """Histogram of the label-shuffle null scores, the observed score and the p-value."""
    shuffle = shuffle or {}
    null = floats(shuffle.get("null_scores"))
    null = null[np.isfinite(null)] if null.ndim == 1 else np.array([])
    observed = shuffle.get("observed")
    if null.size == 0:
        return None
    fig = new_figure(7.0, 3.2)
    ax = fig.add_subplot()
    ax.hist(
        null,
        bins=min(40, max(10, null.size // 10)),
        color="#999999",
        edgecolor="white",
        label=f"shuffled labels (n = {null.size})",
    )
    if is_number(observed):
        ax.axvline(observed, color="#C44E52", lw=2, label=f"observed {observed:.3f}")
    ax.set_xlabel(words(shuffle.get("metric", "balanced_accuracy")))
    ax.set_ylabel("permutations")
    ax.set_title(f"Label-shuffle test ({safe_text(shuffle.get('model', ''), 30)}): p = {pval(shuffle.get('p_value'))}")
    ax.legend(loc="upper center", frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


@styled
def learning_curve_figure(curve: dict | None, chance: float | None = None) -> Figure | None:
    """Scores per training size (points per repeat, mean line), the fitted curve with its band to 10x."""
    curve = curve or {}
    sizes = floats(curve.get("train_sizes"))
    if sizes.ndim != 1 or sizes.size == 0:
        return None
    fig = new_figure(7.0, 3.4)
    ax = fig.add_subplot()
    scores = curve.get("scores") or []
    for x, row in zip(sizes, scores):
        ys = floats(row if isinstance(row, list) else [row])
        ax.scatter(np.full(ys.shape, x), ys, s=10, color="#4C72B0", alpha=0.45, lw=0)
    mean = floats(curve.get("mean"))
    if mean.shape == sizes.shape:
        ax.plot(sizes, mean, "o-", color="#4C72B0", ms=4, label="measured (mean over repeats)")
    fit = curve.get("fit") or {}
    fx, fm = floats(fit.get("sizes")), floats(fit.get("mean"))
    if fx.ndim == 1 and fm.shape == fx.shape and fx.size:
        lo, hi = floats(fit.get("low")), floats(fit.get("high"))
        if lo.shape == fx.shape and hi.shape == fx.shape:
            ax.fill_between(fx, lo, hi, color="#DD8452", alpha=0.25, lw=0, label="extrapolation band")
        ax.plot(fx, fm, "--", color="#DD8452", label=f"fitted {safe_text(curve.get('family') or 'curve')}")
    extra_y: list[float] = []
    for key, e in (curve.get("extrapolation") or {}).items():
        if isinstance(e, dict) and is_number(e.get("size")) and is_number(e.get("mean")):
            err = None
            if is_number(e.get("low")) and is_number(e.get("high")):
                err = [[e["mean"] - e["low"]], [e["high"] - e["mean"]]]
                extra_y += [e["low"], e["high"]]
            extra_y.append(e["mean"])
            ax.errorbar([e["size"]], [e["mean"]], yerr=err, fmt="s", color="#DD8452", ms=5, capsize=3)
            ax.annotate(
                f"{safe_text(key)}: {e['mean']:.3f}",
                (e["size"], e["mean"]),
                textcoords="offset points",
                xytext=(-6, -14),
                ha="right",
                fontsize=8,
            )
    values = np.concatenate(
        [
            v.ravel()
            for v in (
                floats(scores) if rectangular(scores) else np.array([]),
                mean,
                floats(fit.get("low")),
                floats(fit.get("high")),
            )
            if v.size and v.dtype.kind == "f"
        ]
        + [np.array(extra_y, float)]
    )
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    if is_number(chance) and chance >= low - 0.25 * max(high - low, 0.02):
        ax.axhline(chance, color="#999999", ls=":", label=f"chance {chance:.3f}")
        low = min(low, chance)
    elif is_number(chance):  # chance far below the curve: name it rather than squash the curve into a line
        ax.plot([], [], " ", label=f"chance {chance:.3f} (below the axis)")
    pad = max(0.08 * (high - low), 0.005)
    ax.set_ylim(low - pad, min(high + pad, 1.0 + pad) if high <= 1.0 else high + pad)
    if sizes.min() > 0:
        ax.set_xscale("log")
        ticks = [
            t
            for t in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
            if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]
        ]
        if len(ticks) >= 2:
            ax.set_xticks(ticks, [f"{t:,}" for t in ticks])
            ax.minorticks_off()
    ax.set_xlabel("training series")
    ax.set_ylabel(words(curve.get("metric", "balanced_accuracy")))
    model = f" ({safe_text(curve['model'], 30)})" if curve.get("model") else ""
    ax.set_title(f"Learning curve{model}: more data helps? {safe_text(curve.get('more_data_helps', '–'))}")
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


@styled
def timestep_map_figure(tmap: dict | None, channel_names: list | None = None) -> Figure | None:
    """Heatmap of -log10 q per timestep (x) and channel (y), significant windows outlined."""
    tmap = tmap or {}
    q = floats(tmap.get("q_value"))
    if q.ndim != 2 or q.size == 0:
        return None
    T, C = q.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        score = -np.log10(np.clip(q, 1e-300, 1.0))
    fig = new_figure(WIDE, time_height(C))
    ax, cax = time_axes(fig, C)
    finite = score[np.isfinite(score)]
    vmax = max(float(finite.max()) if finite.size else 1.0, -math.log10(0.05) + 0.5)
    im = ax.imshow(
        np.ma.masked_invalid(score.T),
        aspect="auto",
        cmap="viridis",
        vmin=0,
        vmax=vmax,
        extent=(-0.5, T - 0.5, C - 0.5, -0.5),
        interpolation="nearest",
    )
    for w in tmap.get("significant_windows") or []:
        if not isinstance(w, dict) or not all(is_number(w.get(k)) for k in ("channel", "start", "stop")):
            continue
        ax.add_patch(
            Rectangle(
                (w["start"] - 0.5, w["channel"] - 0.5),
                w["stop"] - w["start"],
                1.0,
                fill=False,
                edgecolor="#FF3B30",
                lw=1.5,
            )
        )
    clusters = [
        c
        for c in tmap.get("clusters") or []
        if isinstance(c, dict) and c.get("significant") and all(is_number(c.get(k)) for k in ("start", "stop"))
    ]
    for c in clusters:  # cluster-test windows: white dashed, one box per channel they span
        for ch in c.get("channels") or [c.get("channel")]:
            if is_number(ch):
                ax.add_patch(
                    Rectangle(
                        (c["start"] - 0.5, ch - 0.45),
                        c["stop"] - c["start"],
                        0.9,
                        fill=False,
                        edgecolor="white",
                        lw=1.2,
                        ls="--",
                    )
                )
    names = list(channel_names or [])
    ax.set_yticks(range(C), [safe_text(n, 10) for n in names] if len(names) == C else [f"ch {c}" for c in range(C)])
    ax.set_xlim(-0.5, T - 0.5)
    ax.set_xlabel("timestep")
    alpha = tmap.get("alpha", 0.05)
    ax.set_title(
        f"Where the classes differ: -log10 q ({safe_text(tmap.get('test', 'test'))}); "
        f"red boxes: q < {alpha if is_number(alpha) else 0.05:g}"
        + ("; dashed: cluster-test windows" if clusters else "")
    )
    fig.colorbar(im, cax=cax, label="-log10 q")
    return fig


@styled
def class_pairs_figure(pairs: dict | None) -> Figure | None:
    """Pairwise two-class balanced accuracy, pairs not told apart (``indistinguishable``) marked "≈"."""
    pairs = pairs or {}
    M = floats(pairs.get("matrix"))
    if M.ndim != 2 or M.size == 0 or M.shape[0] != M.shape[1] or M.shape[0] < 2:
        return None
    K = M.shape[0]
    names = list(pairs.get("classes") or [])
    labels = [safe_text(c, 12) for c in names] if len(names) == K else [str(k) for k in range(K)]
    same = pairs.get("indistinguishable") or []
    side = min(6.0, 2.4 + 0.3 * K)
    fig = new_figure(side + 0.9, side + 0.3, layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(np.ma.masked_invalid(M), vmin=0.5, vmax=1.0, cmap="magma")
    for i in range(K):
        for j in range(K):
            flagged = i < len(same) and isinstance(same[i], list) and j < len(same[i]) and bool(same[i][j])
            if i != j and (K <= 15 or flagged) and np.isfinite(M[i, j]):
                text = ("≈ " if flagged else "") + (f"{M[i, j]:.2f}"[1:] if M[i, j] < 1 else "1")
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8 if K <= 10 else 6,
                    color="black" if M[i, j] > 0.8 else "white",
                    fontweight="bold" if flagged else "normal",
                )
    ax.set_xticks(range(K), labels, rotation=45, ha="right")
    ax.set_yticks(range(K), labels)
    alpha = pairs.get("alpha", 0.05)
    ax.set_title(
        f"Two-class balanced accuracy per pair\n≈: not told apart (BH q > {alpha if is_number(alpha) else 0.05:g})"
    )
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="balanced accuracy (chance 0.5)")
    return fig


@styled
def attribution_figure(attribution: list | None, n_timesteps: int | None = None) -> Figure | None:
    """Timestep importance per model and method (rows), each row scaled to its maximum."""
    rows, labels = [], []
    for a in attribution or []:
        if not isinstance(a, dict):
            continue
        v = floats(a.get("timestep_importance"))
        if v.ndim == 1 and v.size and np.isfinite(v).any():
            rows.append(v)
            labels.append(f"{safe_text(a.get('model', '?'), 22)}\n{safe_text(a.get('method', '?'), 22)}")
    if not rows:
        return None
    T = max(int(n_timesteps) if is_number(n_timesteps) else 0, max(r.size for r in rows))
    grid = np.full((len(rows), T), np.nan)
    for i, r in enumerate(rows):
        peak = np.nanmax(np.abs(r))
        grid[i, : r.size] = np.abs(r) / peak if peak > 0 else 0.0
    fig = new_figure(WIDE, time_height(len(rows)))
    ax, cax = time_axes(fig, len(rows))
    im = ax.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        cmap="magma",
        vmin=0,
        vmax=1,
        extent=(-0.5, T - 0.5, len(rows) - 0.5, -0.5),
        interpolation="nearest",
    )
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.set_xlim(-0.5, T - 0.5)
    ax.set_xlabel("timestep")
    ax.set_title("Attribution: mean |importance| per timestep, each row scaled to its maximum")
    fig.colorbar(im, cax=cax, label="relative importance")
    return fig


@styled
def comparison_figure(comparisons: list | None) -> Figure | None:
    """Forest plot: mean difference with its interval per comparison, the ROPE shaded."""
    rows = [c for c in comparisons or [] if isinstance(c, dict) and is_number(c.get("mean_difference"))]
    if not rows:
        return None
    fig = new_figure(7.0, 0.9 + 0.4 * len(rows))
    ax = fig.add_subplot()
    rope = next((c["rope"] for c in rows if is_number(c.get("rope"))), None)
    if rope:
        ax.axvspan(-rope, rope, color="#55A868", alpha=0.18, lw=0)
    ax.axvline(0, color="#666666", lw=0.8)
    for i, c in enumerate(rows):
        lo, hi, m = c.get("ci_low"), c.get("ci_high"), c["mean_difference"]
        if is_number(lo) and is_number(hi):
            ax.plot([lo, hi], [i, i], color="#4C72B0", lw=2)
        ax.plot([m], [i], "o", color="#4C72B0")
    ax.set_yticks(range(len(rows)), [f"{safe_text(c.get('a'), 24)} − {safe_text(c.get('b'), 24)}" for c in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(f"difference in {words(rows[0].get('metric', 'balanced_accuracy'))} (a − b), 95% interval")
    rope_text = f"; green band: ROPE ±{rope:g}" if rope else ""
    ax.set_title(f"Model comparisons: right of zero, a is better{rope_text}")
    fig.tight_layout()
    return fig


@styled
def attention_figure(diagnostic: dict | None) -> Figure | None:
    """One series' attention matrix (query step x key step) from ``weights_example``."""
    diagnostic = diagnostic or {}
    w = floats(diagnostic.get("weights_example"))
    if w.ndim != 2 or w.size == 0:
        return None
    fig = new_figure(5.2 if w.shape[0] > 1 else WIDE, 4.6 if w.shape[0] > 1 else 1.6)
    ax = fig.add_subplot()
    # The scale starts at 0 and reaches at least 3x the mean weight (the uniform weight when rows sum to
    # 1), so near-uniform attention looks flat instead of having tiny differences stretched over the map.
    finite = w[np.isfinite(w)]
    if finite.size == 0:
        return None
    mean = float(finite.mean())
    vmax = max(float(finite.max()), 3 * mean, 1e-12)
    im = ax.imshow(np.ma.masked_invalid(w), aspect="auto", cmap="viridis", interpolation="nearest", vmin=0, vmax=vmax)
    ax.set_xlabel("attended timestep")
    ax.set_ylabel("query timestep" if w.shape[0] > 1 else "")
    if w.shape[0] == 1:
        ax.set_yticks([])
    ax.set_title(
        f"{safe_text(diagnostic.get('model', ''), 28)} / {safe_text(diagnostic.get('layer', ''), 20)}: "
        f"entropy {number_text(diagnostic.get('normalized_entropy'))}"
    )
    bar = fig.colorbar(im, ax=ax, label=f"weight (white line: mean {mean:.3f})")
    bar.ax.axhline(mean, color="white", lw=1.5)
    fig.tight_layout()
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
