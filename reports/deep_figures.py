"""The deep section's figures: timestep attributions, the model comparisons and the attention weights."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .formatting import is_number, words
from .plotting import WIDE, floats, new_figure, number_text, safe_text, styled, time_axes, time_height


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
