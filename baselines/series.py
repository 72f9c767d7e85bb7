"""The series convention shared by every baseline: ``(n, T, C)`` arrays, their real steps, aeon's layout.

``X`` is ``(n_series, n_timesteps, n_channels)``, zero-padded on the right. :func:`to_aeon` is the one
place a baseline turns it into aeon's ``(n, C, T)``; ``signal_diagnostics.data.loaders.from_aeon`` the one place
aeon's layout comes in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# Values per block when a large set is scanned (64 MB of float32) or converted (16 MB): bounded temporaries
# whatever the size of X, which may be a memory map.
SCAN_ENTRIES = 1 << 24
CONVERT_ENTRIES = 1 << 22


def series_view(X: Any) -> np.ndarray:
    """``X`` as ``(n, T, C)`` in its own dtype, without a copy (a memory map stays one); 2-D is univariate ``(n, T)``."""
    X = X if isinstance(X, np.ndarray) else np.asarray(X)
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(f"expected X of shape (n_series, n_timesteps, n_channels) or (n, T); got shape {X.shape}")
    return X


def as_series(X: Any) -> np.ndarray:
    """Return ``X`` as a float ``(n, T, C)`` array; 2-D input is read as univariate ``(n, T)``."""
    return series_view(np.asarray(X, dtype=float))


def nonzero_steps(X: np.ndarray) -> np.ndarray:
    """``(n, T)`` boolean: steps with any non-zero channel, the ones ``Masking(0.0)`` keeps."""
    return np.any(np.asarray(X) != 0, axis=2)


def row_blocks(X: np.ndarray) -> list[slice]:
    """Slices of consecutive series holding about :data:`SCAN_ENTRIES` values each (a scan's block)."""
    step = max(1, SCAN_ENTRIES // max(1, int(np.prod(X.shape[1:]))))
    return [slice(i, i + step) for i in range(0, len(X), step)]


def true_lengths(X: np.ndarray) -> np.ndarray:
    """Length of each ``(T, C)`` series up to its last step with any non-zero value (right padding with 0).

    Scans ``X`` (which may be a memory map) a block of series at a time.
    """
    n, T = X.shape[:2]
    nonzero = np.empty((n, T), dtype=bool)
    for rows in row_blocks(X):
        nonzero[rows] = nonzero_steps(X[rows])
    last = T - np.argmax(nonzero[:, ::-1], axis=1)
    return np.where(nonzero.any(axis=1), last, 0).astype(np.int64)


def step_mask(lengths: np.ndarray, T: int) -> np.ndarray:
    """``(n, T)`` boolean, True on the real steps ``t < lengths[i]`` of each series."""
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def to_aeon(
    X: Any,
    rows: Sequence[int] | np.ndarray | None = None,
    *,
    min_length: int = 1,
    dtype: Any = np.float32,
    trim_padding: bool = False,
) -> np.ndarray | list[np.ndarray]:
    """``(n, T, C)`` (or univariate ``(n, T)``) -> aeon's ``(n, C, T)``, right-padded with 0 to ``min_length`` steps.

    Converts straight to ``dtype``, a block of series at a time (no second copy of the whole set);
    ``rows`` selects series of ``X`` (which may be a memory map) without copying the rest. With
    ``trim_padding`` (and some series shorter than ``T``), a list of ``(C, L_i)`` arrays without their padding.
    """
    X = series_view(X)
    _, T, C = X.shape
    if trim_padding:
        X = X if rows is None else X[np.asarray(rows)]
        lengths = np.maximum(true_lengths(X), 1)
        if lengths.min() < T:
            return [np.ascontiguousarray(x[:L].T, dtype=dtype) for x, L in zip(X, lengths)]
        rows = None
    n = len(X) if rows is None else len(rows)
    out = np.zeros((n, C, max(T, min_length)), dtype=dtype)
    step = max(1, CONVERT_ENTRIES // max(1, T * C))
    for i in range(0, n, step):
        part = X[i : i + step] if rows is None else X[np.asarray(rows[i : i + step])]
        out[i : i + len(part), :, :T] = np.transpose(part, (0, 2, 1))
    return out


def numba_threads(n_jobs: int | None) -> int:
    """Threads for aeon's numba kernels: ``n_jobs``, or when None as many as numba may use now.

    numba's current count is the width the caller allows (``signal_diagnostics.pipeline.executor`` caps it per worker),
    so None uses the cores a unit was given without oversubscribing a busy machine.
    """
    if n_jobs is not None:
        return int(n_jobs)
    import numba

    return int(numba.get_num_threads())
