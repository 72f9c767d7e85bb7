"""Do attention weights focus on the same steps from one training seed to the next?

Wiegreffe & Pinter 2019 ("Attention is not not Explanation", section 4) measure how much attention
weights vary across random seeds at equal accuracy: weights that land somewhere else every seed are
not a stable explanation. :func:`seed_stability` takes, for each split, every seed's weight rows on the
same test series (real query rows over real keys), and returns the mean Jensen-Shannon divergence
between seeds beside two references: the divergence of a seed's rows from uniform rows, and from the
other seed's rows shuffled across series and positions (which keeps where the weights go on average,
the marginal focus, but loses which row belongs to which series and position).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from signal_diagnostics.pipeline.verdicts.thresholds import FLAT, SAME_FOCUS_SHARE
from signal_diagnostics.results import Result

STABILITY_SERIES = 16  # test series per split whose attention rows are compared (the first of its test part)
STABILITY_ROWS = 8  # query rows kept per series of a self-attention layer, evenly spaced (pooling has one)

METHOD = (
    "Jensen-Shannon divergence (base 2: 0 = identical rows, 1 = disjoint) between two seeds' attention rows "
    "on the same test series, each row cut to the series' real keys and renormalised (real query rows only; "
    f"heads averaged; the first {STABILITY_SERIES} test series of each split, at most {STABILITY_ROWS} evenly "
    "spaced query rows each), averaged over rows, series, seed pairs and splits; beside it the divergence of a "
    "seed's rows from uniform rows over the same keys, and from the other seed's rows shuffled across "
    "series and query positions (a random permutation of the rows, seeded; a pair of rows of different "
    "lengths is compared over their common keys), which keeps the marginal focus and loses the alignment"
)


def jsd(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon divergence in bits between the rows of ``p`` and ``q`` (last axis), in [0, 1].

    Rows are renormalised to sum to 1 first.

    Examples
    --------
    >>> float(jsd(np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    1.0
    >>> float(jsd(np.array([0.5, 0.5]), np.array([0.5, 0.5])))
    0.0
    """
    p = np.asarray(p, float)
    q = np.asarray(q, float)
    p = p / np.maximum(p.sum(axis=-1, keepdims=True), 1e-300)
    q = q / np.maximum(q.sum(axis=-1, keepdims=True), 1e-300)
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, a * np.log2(a / np.where(m > 0, m, 1.0)), 0.0).sum(axis=-1)

    return np.clip(0.5 * kl(p) + 0.5 * kl(q), 0.0, 1.0)


@dataclass(frozen=True, repr=False)
class SeedStability(Result):
    """How alike one attention layer's weights are across training seeds, on the same test series."""

    model: str
    layer: str
    seeds: int
    splits: int
    rows: int  # rows compared per seed pair, over every split
    between_seeds: float  # mean JSD between two seeds' rows of the same series and position
    vs_uniform: float  # mean JSD between a seed's rows and uniform rows over the same real keys
    vs_shuffled: float  # mean JSD between a seed's rows and the other seed's rows shuffled across series/positions
    reading: str  # "same focus" | "different focus" | "flat"
    method: str = METHOD

    repr_fields = ("model", "layer", "seeds", "between_seeds", "vs_uniform", "vs_shuffled", "reading")


def _pair(a: list[np.ndarray], b: list[np.ndarray], rng: np.random.Generator) -> tuple[list, list, list]:
    """Divergences of aligned rows, of ``a`` from uniform, and of ``a`` from ``b``'s rows shuffled."""
    rows_a = [r for series in a for r in np.atleast_2d(series)]
    rows_b = [r for series in b for r in np.atleast_2d(series)]
    aligned = [float(jsd(x, y)) for x, y in zip(rows_a, rows_b)]
    uniform = [float(jsd(x, np.ones_like(x))) for x in rows_a]
    order = rng.permutation(len(rows_b))
    shuffled = []
    for x, j in zip(rows_a, order):
        y = rows_b[j]
        k = min(len(x), len(y))
        shuffled.append(float(jsd(x[:k], y[:k])))
    return aligned, uniform, shuffled


def seed_stability(model: str, layer: str, splits: list[list[list[np.ndarray]]], seed: int = 0) -> SeedStability:
    """The seed stability of one layer's weights.

    Parameters
    ----------
    model, layer : names, for the record.
    splits : per split, per seed, per test series (the same series for every seed, in the same order) a
        ``(rows, L)`` array of weight rows over the series' ``L`` real keys (or ``(L,)`` for pooling).
    seed : seeds the shuffle of the rows.

    Returns
    -------
    SeedStability; ``reading`` is ``"flat"`` when the shuffled rows differ by less than :data:`FLAT`,
    ``"same focus"`` when the seeds differ by at most :data:`SAME_FOCUS_SHARE` of the shuffled rows'
    divergence, else ``"different focus"``.

    Raises
    ------
    ValueError
        Fewer than two seeds in a split, or seeds with different series.
    """
    rng = np.random.default_rng(seed)
    aligned, uniform, shuffled = [], [], []
    n_seeds = 0
    for per_seed in splits:
        n_seeds = max(n_seeds, len(per_seed))
        if len(per_seed) < 2:
            raise ValueError(f"seed stability needs at least two seeds per split; got {len(per_seed)}")
        if len({len(s) for s in per_seed}) != 1:
            raise ValueError("every seed must give rows for the same test series")
        for i in range(len(per_seed)):
            for j in range(i + 1, len(per_seed)):
                a, u, s = _pair(per_seed[i], per_seed[j], rng)
                aligned += a
                uniform += u
                shuffled += s
    between = float(np.mean(aligned)) if aligned else math.nan
    vs_shuffled = float(np.mean(shuffled)) if shuffled else math.nan
    if not vs_shuffled >= FLAT:
        reading = "flat"
    elif between <= SAME_FOCUS_SHARE * vs_shuffled:
        reading = "same focus"
    else:
        reading = "different focus"
    return SeedStability(
        model=model,
        layer=layer,
        seeds=n_seeds,
        splits=len(splits),
        rows=len(aligned),
        between_seeds=between,
        vs_uniform=float(np.mean(uniform)) if uniform else math.nan,
        vs_shuffled=vs_shuffled,
        reading=reading,
    )


__all__ = [
    "FLAT",
    "METHOD",
    "SAME_FOCUS_SHARE",
    "STABILITY_ROWS",
    "STABILITY_SERIES",
    "SeedStability",
    "jsd",
    "seed_stability",
]
