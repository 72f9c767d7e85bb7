"""The orientation of X: ``(n, T, C)`` as the house works, ``(n, C, T)`` as aeon and PyTorch store it.

A transposed X loads without error and gives wrong answers (a shuffle test on transposed data scored
higher than on the right orientation). :func:`looks_transposed` spots it from the data's structure;
:func:`orient` refuses it unless the user states the layout, and transposes ``nct`` once, here.
"""

from __future__ import annotations

import numpy as np

from signal_diagnostics.data.padding import edge_runs
from signal_diagnostics.errors import DataError

LAYOUTS = ("ntc", "nct")
# X looks transposed when its channel axis is smooth like time and its time axis is not: the lag-1
# autocorrelation along the channels is at least STRUCTURE_MIN and exceeds the one along time by at
# least STRUCTURE_GAP. Channels in arbitrary order (sensors, features) have an autocorrelation near 0;
# sampled signals well above 0.5. Spectrogram-like data (both axes smooth) is not refused.
STRUCTURE_MIN = 0.5
STRUCTURE_GAP = 0.3
# Or when zero padding runs along the channel axis: at least this share of the series ends in a run of
# all-zero channels, of lengths that differ between series, and more series than end in all-zero steps
# (variable-length series padded in (n, C, T) order).
CHANNEL_PADDING_MIN_SHARE = 0.1
# Series the autocorrelations are measured on (the first ones: enough for a stable mean, cheap on a memory map).
SAMPLE_SERIES = 256


def lag1_autocorrelation(X: np.ndarray, axis: int) -> float:
    """Pooled lag-1 autocorrelation of ``X`` ``(n, T, C)`` along ``axis`` (1: time, 2: channels),
    each line centred on its own mean; 0 when the axis has fewer than 3 entries or X is constant."""
    if X.shape[axis] < 3:
        return 0.0
    x = np.asarray(X[:SAMPLE_SERIES], dtype=np.float64)
    x = x - x.mean(axis=axis, keepdims=True)
    a = np.take(x, range(1, x.shape[axis]), axis=axis)
    b = np.take(x, range(x.shape[axis] - 1), axis=axis)
    den = float((x * x).sum())
    return float((a * b).sum()) / den if den > 0 else 0.0


def padded_along_channels(X: np.ndarray) -> bool:
    """True when zero padding of variable length ends the channel axis of ``X`` rather than its time axis."""
    sample = np.asarray(X[:SAMPLE_SERIES])
    _, channel_runs = edge_runs(np.all(sample == 0, axis=1))
    _, step_runs = edge_runs(np.all(sample == 0, axis=2))
    padded = int((channel_runs > 0).sum())
    return (
        padded >= CHANNEL_PADDING_MIN_SHARE * len(sample)
        and len(np.unique(channel_runs)) > 1
        and padded > int((step_runs > 0).sum())
    )


def looks_transposed(X: np.ndarray) -> bool:
    """True when ``X`` ``(n, T, C)`` has more channels than timesteps and channel-wise structure: a smooth
    channel axis beside a rough time axis, or variable-length zero padding along the channels.

    Examples
    --------
    >>> t = np.linspace(0, 6, 50)
    >>> X = np.stack([np.sin(t + k) for k in range(20)])[:, None, :].repeat(4, axis=1)  # (20, 4, 50)
    >>> X[:, 1] *= -1.5
    >>> X[:, 2] += 3
    >>> looks_transposed(X)
    True
    >>> looks_transposed(np.random.default_rng(0).standard_normal((20, 4, 50)))
    False
    """
    _, T, C = X.shape
    if C <= T:
        return False
    along_channels, along_time = lag1_autocorrelation(X, 2), lag1_autocorrelation(X, 1)
    smooth = along_channels >= STRUCTURE_MIN and along_channels - along_time >= STRUCTURE_GAP
    return smooth or padded_along_channels(X)


def orient(X: np.ndarray, layout: str | None) -> tuple[np.ndarray, str | None]:
    """``X`` in ``(n, T, C)`` order and a note saying what was done.

    Parameters
    ----------
    X : a 3-D array.
    layout : ``"ntc"`` (as given), ``"nct"`` (transposed once, here) or ``None`` (as given, but refused
        when :func:`looks_transposed`).

    Raises
    ------
    DataError
        For an unknown layout, or an X that looks transposed when the layout was not stated.
    """
    if layout is not None and layout not in LAYOUTS:
        raise DataError(
            f"layout must be 'ntc' (n, timesteps, channels) or 'nct' (n, channels, timesteps); got {layout!r}"
        )
    if layout == "nct":
        n, C, T = X.shape
        return (
            np.ascontiguousarray(np.transpose(X, (0, 2, 1))),
            f"X was given as (n, channels, timesteps) = ({n}, {C}, {T}) (layout 'nct'): transposed once to "
            f"(n, timesteps, channels) = ({n}, {T}, {C})",
        )
    if layout is None and looks_transposed(X):
        n, T, C = X.shape
        raise DataError(
            f"X of shape ({n}, {T}, {C}) looks stored as (n, channels, timesteps): more channels ({C}) than "
            f"timesteps ({T}) and its channel axis looks like time (smooth, or zero-padded at its end); "
            "use --layout nct (layout='nct') to transpose it, or --layout ntc to keep it as given"
        )
    return X, None
