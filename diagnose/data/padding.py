"""Padding found at the edge, whichever side and value, and converted once to the house convention.

Inside the package every series is right-padded with 0: ``X`` ``(n, T, C)`` holds the real steps of
series ``i`` in ``X[i, :lengths[i]]`` and zeros after them. Data arrives otherwise: Keras's
``pad_sequences`` pads at the start by default (``padding='pre'``), and users pad with values such as
-999 (for ``Masking(-999)``). :func:`apply_padding` finds which steps are padding and converts the
data to the convention, once, saying what it did in a note.

A step is padding when every channel equals the pad value and it belongs to a run of such steps at the
start (``pre``) or the end (``post``) of its series. A real step whose every channel equals the pad
value at the edge of a series cannot be told from padding: it counts as padding when padding is
inferred; ``padding="none"`` or explicit ``lengths`` keep it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signal_diagnostics.baselines.series import row_blocks
from signal_diagnostics.errors import DataError

PADDING_MODES = ("auto", "pre", "post", "none")
# A value other than 0 is read as the pad value when it fills whole first or last steps (every channel)
# of at least this share of the series (and at least PAD_VALUE_MIN_SERIES of them) and occurs nowhere
# else in X (a value chosen never to occur, as a Masking(-999) layer needs), in runs of different lengths
# (series padded to the longest one).
PAD_VALUE_MIN_SHARE = 0.05
PAD_VALUE_MIN_SERIES = 2


@dataclass(frozen=True)
class Padding:
    """Where the padding of each series lies.

    Attributes
    ----------
    side : ``"pre"`` (padding before the real steps), ``"post"`` (after them) or ``"none"``.
    value : the pad value.
    starts : int array, the first real step of each series as given.
    lengths : int array, the number of real steps of each series.
    n_timesteps : the padded length ``T``.
    inferred : True when the side or the value was found in the data, not stated.
    """

    side: str
    value: float
    starts: np.ndarray
    lengths: np.ndarray
    n_timesteps: int
    inferred: bool

    @property
    def n_padded(self) -> int:
        """Number of series with at least one padded step."""
        return int((self.lengths < self.n_timesteps).sum())

    def to_dict(self) -> dict:
        return {
            "side": self.side,
            "value": float(self.value),
            "n_padded": self.n_padded,
            "inferred": self.inferred,
        }


def pad_steps(X: np.ndarray, value: float) -> np.ndarray:
    """``(n, T)`` boolean: steps whose every channel equals ``value``, scanned a block of series at a time
    (:func:`~signal_diagnostics.baselines.series.row_blocks`, so a memory-mapped X is never read whole)."""
    out = np.empty(X.shape[:2], dtype=bool)
    for rows in row_blocks(X):
        out[rows] = np.all(X[rows] == value, axis=2)
    return out


def edge_runs(pad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths of the leading and trailing runs of True in each row of ``pad`` ``(n, T)``."""
    T = pad.shape[1]
    real = ~pad
    any_real = real.any(axis=1)
    lead = np.where(any_real, np.argmax(real, axis=1), T)
    trail = np.where(any_real, np.argmax(real[:, ::-1], axis=1), T)
    return lead.astype(np.int64), trail.astype(np.int64)


def infer_pad_value(X: np.ndarray) -> float:
    """The pad value of ``X``: a non-zero value that fills whole first or last steps of many series
    (:data:`PAD_VALUE_MIN_SHARE`) in runs of different lengths and occurs nowhere else, else 0.

    Examples
    --------
    >>> X = np.arange(40, dtype=np.float32).reshape(4, 5, 2)
    >>> X[:2, :2] = -999
    >>> infer_pad_value(X)
    -999.0
    >>> infer_pad_value(np.ones((4, 5, 2)))  # 1 occurs inside the series too
    0.0
    """
    n, T, _ = X.shape
    edges = np.concatenate([np.asarray(X[:, 0, :]), np.asarray(X[:, -1, :])])
    whole = np.all(edges == edges[:, :1], axis=1) & (edges[:, 0] != 0)
    if not whole.any():
        return 0.0
    values, counts = np.unique(edges[whole, 0], return_counts=True)
    for k in np.argsort(-counts, kind="stable")[:3]:
        if counts[k] < max(PAD_VALUE_MIN_SERIES, PAD_VALUE_MIN_SHARE * n):
            break
        lead, trail = edge_runs(pad_steps(X, values[k]))
        at_edges = np.minimum(lead + trail, T)
        if (at_edges == T).all() or len(np.unique(at_edges)) < 2:
            continue  # it fills every series, or runs of one length: data, not padding to the longest series
        total = sum(int((X[rows] == values[k]).sum()) for rows in row_blocks(X))
        if total == int(at_edges.sum()) * X.shape[2]:
            return float(values[k])
    return 0.0


def find_padding(X: np.ndarray, padding: str = "auto", pad_value: float | None = None) -> Padding:
    """Where the padding of ``X`` ``(n, T, C)`` lies (see the module docstring for the rule).

    Parameters
    ----------
    X : the series as given.
    padding : ``"auto"`` (find the side: the start when more series begin than end with a run of the pad
        value and the runs differ between series, else the end), ``"pre"``, ``"post"`` or ``"none"``
        (every step is real).
    pad_value : the pad value; ``None`` infers it (:func:`infer_pad_value`).

    Returns
    -------
    Padding
    """
    if padding not in PADDING_MODES:
        raise DataError(f"padding must be one of {', '.join(PADDING_MODES)}; got {padding!r}")
    n, T, _ = X.shape
    if padding == "none":
        value = 0.0 if pad_value is None else float(pad_value)
        return Padding("none", value, np.zeros(n, dtype=np.int64), np.full(n, T, dtype=np.int64), T, False)
    value = infer_pad_value(X) if pad_value is None else float(pad_value)
    lead, trail = edge_runs(pad_steps(X, value))
    side = padding
    if padding == "auto":
        n_lead, n_trail = int((lead > 0).sum()), int((trail > 0).sum())
        side = "pre" if n_lead > n_trail and len(np.unique(lead)) > 1 else "post"
    inferred = padding == "auto" or pad_value is None
    if side == "pre":
        return Padding("pre", value, lead, T - lead, T, inferred)
    return Padding("post", value, np.zeros(n, dtype=np.int64), T - trail, T, inferred)


def right_padded(X: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A new float32 ``X`` with series ``i``'s steps ``starts[i] : starts[i] + lengths[i]`` first, then zeros."""
    n, T, C = X.shape
    out = np.zeros((n, T, C), dtype=np.float32)
    steps = np.arange(T)[None, :]
    for rows in row_blocks(X):
        real = steps < lengths[rows, None]
        index = np.minimum(starts[rows, None] + steps, T - 1)
        part = np.take_along_axis(np.asarray(X[rows], dtype=np.float32), index[:, :, None], axis=1)
        out[rows] = np.where(real[:, :, None], part, 0.0)
    return out


def _where(side: str) -> str:
    return "at the start" if side == "pre" else "at the end"


def apply_padding(
    X: np.ndarray, lengths: np.ndarray | None, padding: str = "auto", pad_value: float | None = None
) -> tuple[np.ndarray, np.ndarray, str | None, bool]:
    """``X`` right-padded with 0 and its lengths, with a note saying what was done.

    Explicit ``lengths`` always win (no inference): with ``padding="pre"`` the real steps are the last
    ``lengths[i]`` of each series and move to the start; with a stated non-zero ``pad_value`` the padded
    steps become 0. Without ``lengths`` they are found by :func:`find_padding`. Real values are never
    changed; only padded steps are moved or set to 0.

    Returns
    -------
    X, lengths, note (``None`` when nothing worth saying happened), and whether the note reports a change
    of the data (series moved or pad values replaced).

    Examples
    --------
    >>> X = np.array([[[0.0], [0.0], [1.0], [2.0]], [[0.0], [3.0], [4.0], [5.0]], [[6.0], [7.0], [8.0], [9.0]]])
    >>> X2, lengths, text, changed = apply_padding(X.astype(np.float32), None)
    >>> lengths.tolist(), X2[0, :, 0].tolist()
    ([2, 3, 4], [1.0, 2.0, 0.0, 0.0])
    """
    if padding not in PADDING_MODES:
        raise DataError(f"padding must be one of {', '.join(PADDING_MODES)}; got {padding!r}")
    n, T, _ = X.shape
    if lengths is not None:
        if padding == "pre":
            starts = T - lengths
            text = (
                "padding stated at the start (padding='pre'): series moved to start at step 0 using the given lengths"
            )
            return right_padded(X, starts, lengths), lengths, text, True
        if pad_value not in (None, 0) and padding != "none":
            beyond = ~(np.arange(T)[None, :] < lengths[:, None])
            if beyond.any():
                X = np.array(X, dtype=np.float32)
                X[beyond] = 0.0
                return X, lengths, f"padded steps (beyond the given lengths) set from {pad_value:g} to 0", True
        return X, lengths, None, False
    found = find_padding(X, padding, pad_value)
    if found.side == "none":
        return X, found.lengths, "padding='none': every step read as real, lengths not inferred", False
    k, v = found.n_padded, found.value
    if k == 0:
        return X, found.lengths, None, False
    how = "found" if found.inferred else "stated"
    head = f"padding {how} {_where(found.side)} of {k} of {n} series (value {v:g})"
    if found.side == "pre":
        moved = right_padded(X, found.starts, found.lengths)
        return moved, found.lengths, f"{head}; series moved to start at step 0, lengths inferred", True
    if v != 0:
        out = right_padded(X, found.starts, found.lengths)
        return out, found.lengths, f"{head}; padded steps set to 0, lengths inferred", True
    return X, found.lengths, f"{head}; lengths inferred", False
