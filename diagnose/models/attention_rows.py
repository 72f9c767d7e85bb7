"""A trained model's attention rows on a few test series, kept small enough to compare across seeds.

:func:`attention_rows` records every attention layer's weights on the first ``n_series`` test series
(the same series for every seed of a split) and keeps, per series, at most ``n_rows`` real query rows
(evenly spaced, chosen from the series' length alone, so every seed keeps the same ones) cut to the
real keys; heads are averaged. The seed-stability figure
(:func:`signal_diagnostics.evaluation.weight_stability.seed_stability`) compares them.
"""

from __future__ import annotations

import numpy as np

from signal_diagnostics.evaluation.weight_stability import STABILITY_ROWS, STABILITY_SERIES
from signal_diagnostics.models.backend import select_backend

select_backend()

from signal_diagnostics.models.attention_probe import ProbeError, find_attention  # noqa: E402
from signal_diagnostics.models.attention_run import record_weights  # noqa: E402

DECIMALS = 5


def row_positions(length: int, n_queries: int, n_rows: int = STABILITY_ROWS) -> np.ndarray:
    """The query rows kept for a series of ``length`` real steps: all real ones, or ``n_rows`` evenly spaced."""
    real = min(int(length), n_queries)
    if real <= n_rows:
        return np.arange(real)
    return np.unique(np.round(np.linspace(0, real - 1, n_rows)).astype(int))


def attention_rows(
    trained, X: np.ndarray, lengths: np.ndarray, n_series: int = STABILITY_SERIES, n_rows: int = STABILITY_ROWS
) -> dict[str, list]:
    """``{layer: [per series, a list of rows over its real keys]}`` for every readable attention layer.

    Layers whose weights cannot be read, or whose keys are not the timesteps, are left out.
    """
    X = np.asarray(X, np.float32)[:n_series]
    lengths = np.asarray(lengths).astype(int)[:n_series]
    Xs = trained.standardise(X)
    out: dict[str, list] = {}
    for probe in find_attention(trained.model):
        if not probe.can_record:
            continue
        try:
            w = record_weights(trained.model, probe, Xs)
        except ProbeError:
            continue
        if w.shape[-1] != X.shape[1]:
            continue
        if w.ndim == 4:  # multi-head: heads are not aligned across seeds, their mean is
            w = w.mean(axis=1)
        series = []
        for rows, L in zip(w, lengths):
            keep = rows[row_positions(L, rows.shape[0], n_rows)] if rows.shape[0] > 1 else rows[:1]
            series.append(np.round(keep[:, :L], DECIMALS).tolist())
        out[probe.name] = series
    return out


__all__ = ["attention_rows", "row_positions"]
