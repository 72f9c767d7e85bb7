"""Occlusion: hide a sliding window of timesteps and see how far the explained probability falls.

Model-agnostic (Zeiler & Fergus 2014, applied along time): each window of ``window`` steps, moved by
``stride``, is replaced by the background; the drop of the explained-class probability is spread
evenly over the window's real steps, and a step's importance is the mean over the windows that
cover it. Channels are occluded one at a time (over all real steps) for the channel summary.
"""

from __future__ import annotations

import time

import numpy as np

from signal_diagnostics.attribution.adapters import ProbaFn
from signal_diagnostics.baselines.series import step_mask
from signal_diagnostics.errors import DataError


def occlusion(
    proba: ProbaFn,
    X: np.ndarray,
    classes: np.ndarray,
    lengths: np.ndarray,
    baseline: np.ndarray,
    *,
    window: int = 3,
    stride: int = 1,
    channels: bool = True,
) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """Sliding-window occlusion importance.

    Parameters
    ----------
    proba : batched probability function.
    X : ``(n, T, C)``; classes : class code per series; lengths : real lengths.
    baseline : ``(n, T, C)`` replacement series (background on real steps, 0 on padded).
    window, stride : window width and step, in timesteps.
    channels : also occlude each channel for the channel summary.

    Returns
    -------
    values ``(n, T, C)`` (a step's value spread over channels), per-channel mean drop ``(C,)`` or
    None, info.
    """
    n, T, C = X.shape
    if window < 1 or stride < 1:
        raise DataError(f"occlusion needs window >= 1 and stride >= 1; got window={window}, stride={stride}")
    start = time.perf_counter()
    rows = np.arange(n)
    base = proba(X)[rows, classes]
    real = step_mask(lengths, T)
    sums = np.zeros((n, T))
    cover = np.zeros((n, T))
    starts = list(range(0, max(T - window, 0) + 1, stride))
    if starts[-1] + window < T:
        starts.append(T - window)  # the last steps are covered too
    evals = n
    for s in starts:
        inside = np.zeros(T, dtype=bool)
        inside[s : s + window] = True
        hidden = real & inside[None, :]  # (n, T)
        active = hidden.any(axis=1)
        if not active.any():
            continue
        Xo = np.where(hidden[:, :, None], baseline, X)[active]
        drop = base[active] - proba(Xo)[np.arange(active.sum()), classes[active]]
        evals += int(active.sum())
        width = hidden[active].sum(axis=1)
        sums[active] += hidden[active] * (drop / width)[:, None]
        cover[active] += hidden[active]
    steps = np.where(cover > 0, sums / np.maximum(cover, 1), 0.0)
    per_channel = None
    if channels and C > 1:
        drops = np.zeros((n, C))
        for c in range(C):
            Xo = X.copy()
            Xo[:, :, c] = np.where(real, baseline[:, :, c], X[:, :, c])
            drops[:, c] = base - proba(Xo)[rows, classes]
            evals += n
        per_channel = np.abs(drops).mean(axis=0)
    values = np.repeat(steps[:, :, None] / C, C, axis=2)
    info = {
        "window": window,
        "stride": stride,
        "windows": len(starts),
        "model_evaluations": evals,
        "seconds": time.perf_counter() - start,
    }
    return values, per_channel, info
