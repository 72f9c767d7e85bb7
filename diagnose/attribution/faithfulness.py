"""Do the attributions point at what the model uses, and at what was planted?

Deletion curve (Samek et al. 2017, AOPC): replace the ``k`` most important real timesteps of each
series by the background and measure how far the true-class probability falls, for ``k = 1..k_max``;
a faithful attribution makes it fall faster than a random order of the same steps.
"""

from __future__ import annotations

import numpy as np

from signal_diagnostics.attribution.adapters import background_steps, check_inputs, proba_function, series_background
from signal_diagnostics.attribution.record import Attribution
from signal_diagnostics.baselines.series import step_mask
from signal_diagnostics.errors import DataError

RANDOM_ORDERS = 3  # random deletion orders averaged into the reference curve


def _orders(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``(n, T)`` step indices, most important real step first, padded steps last."""
    T = scores.shape[1]
    keyed = np.where(step_mask(lengths, T), scores, -np.inf)
    return np.argsort(-keyed, axis=1, kind="stable")


def _deletion_curve(proba, X, y, baseline, orders, lengths, k_max) -> np.ndarray:
    n, T, _ = X.shape
    rows = np.arange(n)
    p0 = proba(X)[rows, y]
    rank = np.empty_like(orders)
    rank[rows[:, None], orders] = np.arange(T)[None, :]  # position of each step in the order
    real = step_mask(lengths, T)
    batch = []
    for k in range(1, k_max + 1):
        hidden = (rank < k) & real
        batch.append(np.where(hidden[:, :, None], baseline, X))
    p = proba(np.concatenate(batch))[np.tile(rows, k_max), np.tile(y, k_max)].reshape(k_max, n)
    return (p0[None, :] - p).mean(axis=1)


def faithfulness(
    model,
    X: np.ndarray,
    y: np.ndarray,
    attribution: Attribution,
    *,
    lengths: np.ndarray | None = None,
    background: np.ndarray | None = None,
    k_max: int | None = None,
    seed: int = 0,
    random_orders: int = RANDOM_ORDERS,
    batch_size: int = 256,
) -> dict:
    """Deletion curves and AOPC for an attribution and for random orders.

    Parameters
    ----------
    model : what was explained (see :func:`~signal_diagnostics.attribution.attribute`).
    X : ``(n, T, C)`` the explained series; y : their true class codes.
    attribution : its ``timestep`` scores rank the steps (largest first).
    lengths : real lengths (default: the attribution's).
    background : as for :func:`~signal_diagnostics.attribution.attribute`.
    k_max : largest number of deleted steps (default: the longest series, capped at ``T``).
    seed : seed of the random orders.
    random_orders : random orders averaged into ``random_curve``.

    Returns
    -------
    dict ``{"aopc", "random_aopc", "curve", "random_curve", "k_max"}``: ``curve[k-1]`` is the mean
    drop of the true-class probability after deleting the top ``k`` steps; AOPC is its mean over
    ``k = 1..k_max``. A series shorter than ``k`` has all its real steps deleted.
    """
    X, lengths = check_inputs(X, attribution.lengths if lengths is None else lengths)
    y = np.asarray(y).astype(np.int64)
    if attribution.timestep.shape != X.shape[:2] or y.shape != (len(X),):
        raise DataError(
            f"attribution ({attribution.timestep.shape}) and y ({y.shape}) must match X {X.shape[:2]}: "
            "pass the same series that were explained"
        )
    T = X.shape[1]
    k_max = int(min(k_max or lengths.max(), T))
    if k_max < 1:
        raise DataError(f"k_max must be at least 1; got {k_max}")
    proba = proba_function(model, batch_size)
    baseline = series_background(background_steps(background, X, lengths), X, lengths)
    curve = _deletion_curve(proba, X, y, baseline, _orders(attribution.timestep, lengths), lengths, k_max)
    rng = np.random.default_rng(seed)
    random_curves = [
        _deletion_curve(proba, X, y, baseline, _orders(rng.random(X.shape[:2]), lengths), lengths, k_max)
        for _ in range(random_orders)
    ]
    random_curve = np.mean(random_curves, axis=0)
    return {
        "aopc": float(curve.mean()),
        "random_aopc": float(random_curve.mean()),
        "curve": curve.tolist(),
        "random_curve": random_curve.tolist(),
        "k_max": k_max,
    }


def window_precision(attribution: Attribution, start: int, stop: int, k: int | None = None) -> float:
    """Mean share of each series' ``k`` most important real steps (by ``|importance|``) that lie in
    ``[start, stop)``, e.g. a planted window (``synthetic.bump``: ``meta["planted"]``).

    ``k`` defaults to the window length. A random ranking scores ``(stop - start) / L`` in expectation.
    """
    T = attribution.timestep.shape[1]
    if not 0 <= start < stop <= T:
        raise DataError(f"window must satisfy 0 <= start < stop <= {T}; got [{start}, {stop})")
    k = int(k or stop - start)
    if k < 1:
        raise DataError(f"k must be at least 1; got {k}")
    orders = _orders(np.abs(attribution.timestep), attribution.lengths)
    inside = (orders >= start) & (orders < stop)
    top = np.minimum(k, attribution.lengths)
    hits = np.array([inside[i, : top[i]].sum() for i in range(len(orders))])
    return float(np.mean(hits / top))
