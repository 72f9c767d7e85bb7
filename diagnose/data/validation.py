"""Validation at the door: X and y checked once, labels coded, notes kept.

:class:`~signal_diagnostics.data.dataset.Dataset` and :func:`~signal_diagnostics.data.loaders.as_check_input`
call these; :mod:`signal_diagnostics.data.dataset` re-exports them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from signal_diagnostics.baselines.series import row_blocks
from signal_diagnostics.data.layout import orient
from signal_diagnostics.errors import DataError, DataWarning


def _class_order(y: np.ndarray) -> np.ndarray:
    """Sorted unique labels when they sort, else order of first appearance."""
    try:
        return np.unique(y)
    except TypeError:
        seen: dict = {}
        for v in y:
            seen.setdefault(v, None)
        return np.array(list(seen), dtype=object)


def label_codes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, codes)``: the class order (sorted when the labels sort, else first appearance) and the
    int64 code of each label in it. The one place labels become codes (:class:`~signal_diagnostics.data.dataset.Dataset`,
    :func:`signal_diagnostics.data.loaders.as_check_input`)."""
    classes = _class_order(y)
    index = {c: i for i, c in enumerate(classes.tolist())}
    return classes, np.array([index[v] for v in y.tolist()], dtype=np.int64)


def note(notes: list[str] | None, text: str) -> None:
    """Warn about data that loads but may mislead (:class:`DataWarning`) and keep the note in ``notes``."""
    if notes is not None and text not in notes:
        notes.append(text)
    warnings.warn(text, DataWarning, stacklevel=3)


# A row of y (n, K) is read as class probabilities when its values lie in [0, 1] and sum to 1 within
# this tolerance (float32 softmax outputs sum to 1 within about 1e-6; rounded CSV values less exactly).
PROBABILITY_SUM_TOL = 1e-3


def labels_from_matrix(y: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Class codes from a one-hot or probability label matrix ``(n, K)``, and a note saying so.

    A column ``(n, 1)`` is one label per series (no note).

    Examples
    --------
    >>> codes, text = labels_from_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]]))
    >>> codes.tolist()
    [1, 0, 2]
    """
    if y.shape[1] == 1:
        return y[:, 0], None
    if not np.issubdtype(y.dtype, np.number) and y.dtype != bool:
        raise DataError(
            f"y must be 1-D, one label per series, or (n, K) one-hot / probabilities; got shape {y.shape} of {y.dtype}"
        )
    values = y.astype(np.float64)
    if (
        not np.isfinite(values).all()
        or values.min() < 0
        or values.max() > 1
        or not np.allclose(values.sum(axis=1), 1.0, atol=PROBABILITY_SUM_TOL)
    ):
        raise DataError(
            f"y has shape {y.shape}: give one label per series (1-D), or (n, K) one-hot / "
            "class probabilities whose rows sum to 1"
        )
    one_hot = bool(np.isin(values, (0.0, 1.0)).all())
    kind = "one-hot" if one_hot else "class probabilities"
    return values.argmax(axis=1).astype(np.int64), (
        f"y is (n, {y.shape[1]}) {kind}: converted to class codes 0..{y.shape[1] - 1} (column index"
        + (")" if one_hot else " of the largest probability)")
    )


def layout_hint(X: np.ndarray) -> str | None:
    """A note when ``X`` ``(n, T, C)`` more likely holds ``(n, C, T)``: more channels than timesteps."""
    n, T, C = X.shape
    if C > T:
        return (
            f"X has more channels ({C}) than timesteps ({T}): if it is stored as (n, channels, timesteps), "
            "pass --layout nct (layout='nct') or transpose it with X.transpose(0, 2, 1); the convention is "
            "(n_series, n_timesteps, n_channels)"
        )
    return None


def validate_arrays(
    X: Any, y: Any, notes: list[str] | None = None, layout: str | None = None, strict_layout: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Check X and y and return X as float32 ``(n, T, C)``; 2-D X means univariate.

    A one-hot or probability ``y`` ``(n, K)`` becomes class codes; that, and an X that may be
    transposed (more channels than timesteps), give a :class:`DataWarning` kept in ``notes``.
    ``layout="nct"`` transposes a 3-D X once; ``"ntc"`` keeps it without a hint. With ``strict_layout``
    (a :class:`Dataset` being built) and no layout, an X that looks transposed is refused
    (:func:`signal_diagnostics.data.layout.orient`).
    """
    X = X if isinstance(X, np.memmap) else np.asarray(X)  # a memory map stays mapped
    y = validate_labels(y, len(X), notes)
    if X.dtype == object:
        raise DataError(
            "X is an object array (ragged or mixed types): give a numeric array, padding variable-length series with 0"
        )
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise DataError(f"X must be numeric; got dtype {X.dtype}")
    if X.ndim == 2:
        if layout == "nct":
            raise DataError(f"layout 'nct' needs a 3-D X (n, channels, timesteps); got 2-D X {X.shape} (univariate)")
        X = X[:, :, None]
    if X.ndim != 3:
        raise DataError(
            f"X must have 3 dimensions (n_series, n_timesteps, n_channels) or 2 for univariate; got {X.ndim} with shape {X.shape}"
        )
    if X.shape[0] == 0 or X.shape[1] == 0 or X.shape[2] == 0:
        raise DataError(f"X is empty: shape {X.shape}")
    if layout is not None or strict_layout:
        X, text = orient(X, layout)
        if text:
            note(notes, text)
    hint = layout_hint(X) if layout is None else None
    if hint:
        note(notes, hint)
    if X.dtype != np.float32:
        X = np.asarray(X, dtype=np.float32)  # one float32 copy, read block by block from a memory map
    check_finite(X)
    return X, y


def validate_labels(y: Any, n: int, notes: list[str] | None = None) -> np.ndarray:
    """Check the labels of ``n`` series: 1-D (a one-hot or probability ``(n, K)`` becomes codes, noted),
    none missing or NaN, at least two classes."""
    y = np.asarray(y)
    if y.ndim == 2 and len(y) == n and y.shape[1] >= 1:
        y, text = labels_from_matrix(y)
        if text:
            note(notes, text)
    if y.ndim != 1:
        raise DataError(f"y must be 1-D, one label per series; got shape {y.shape}")
    if y.dtype == object and any(v is None for v in y.tolist()):
        raise DataError("y has missing labels (None): drop those series or give them a label")
    if len(y) != n:
        raise DataError(f"X has {n} series but y has {len(y)} labels: they must match")
    if np.issubdtype(y.dtype, np.floating) and not np.isfinite(y).all():
        raise DataError("y has NaN labels: drop those series or give them a label")
    if n == 0:
        raise DataError("X is empty: there are no series (and no labels)")
    if len(_class_order(y)) < 2:
        raise DataError(f"y has only one class ({y.tolist()[0]!r}): classification needs at least two")
    return y


def check_finite(X: Any) -> None:
    """Raise the one-line DataError naming the series with NaN or infinite values (any numeric X, any shape)."""
    X = np.asarray(X)
    if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.complexfloating)) or X.ndim == 0:
        return
    n_bad, series = _non_finite(X.reshape(len(X), -1, 1))
    if n_bad:
        first = ", ".join(str(i) for i in series[:5])
        raise DataError(
            f"X has {n_bad} NaN or infinite values in {len(series)} series (first: {first}): "
            "impute them, or pad variable-length series with 0 instead of NaN"
        )


def _non_finite(X: np.ndarray) -> tuple[int, np.ndarray]:
    """Number of NaN/inf values in ``X`` and the series that hold them, scanned a block of series at a time."""
    count, series = 0, []
    for rows in row_blocks(X):
        bad = ~np.isfinite(X[rows])
        if bad.any():
            count += int(bad.sum())
            series.append(rows.start + np.flatnonzero(bad.any(axis=(1, 2))))
    return count, (np.concatenate(series) if series else np.empty(0, dtype=np.int64))
