"""The signal section's figures: the label-shuffle null, the learning curve, the timestep map and the class pairs.

The time-axis figures (:func:`timestep_map_figure` here, :func:`reports.deep_figures.attribution_figure`) share one
width and one axes box, so shown at the same width their timesteps line up.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .formatting import is_number, pval, words
from .plotting import WIDE, floats, new_figure, rectangular, safe_text, styled, time_axes, time_height


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
