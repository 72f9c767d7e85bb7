"""Turn any classifier into a batched probability function, and build the background series.

A model is anything with ``predict_proba(X) -> (n, K)`` on ``(n, T, C)`` input: a
:class:`~signal_diagnostics.models.training.TrainedModel` (standardises inside), a scikit-learn estimator, a
``keras.Model`` or a plain callable. Estimators with only ``decision_function`` (ridge classifiers)
get a softmax of their decision values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from signal_diagnostics.baselines.series import nonzero_steps, step_mask, true_lengths
from signal_diagnostics.errors import DataError

ProbaFn = Callable[[np.ndarray], np.ndarray]


def _keras_model_class():
    """``keras.Model`` when Keras is already imported, else None (never imports Keras)."""
    keras = sys.modules.get("keras")
    return getattr(keras, "Model", None) if keras is not None else None


def keras_network(model: Any) -> tuple[Any, Callable[[np.ndarray], np.ndarray] | None] | None:
    """``(keras.Model, standardise or None)`` for a TrainedModel or a keras.Model, else None."""
    model_class = _keras_model_class()
    if model_class is None:
        return None
    inner = getattr(model, "model", None)
    if isinstance(inner, model_class) and callable(getattr(model, "standardise", None)):
        return inner, model.standardise
    if isinstance(model, model_class):
        return model, None
    return None


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise ``scipy.special.softmax``; a 1-D binary decision ``d`` becomes ``[1 - s(d), s(d)]`` (s = sigmoid)."""
    from scipy.special import softmax as row_softmax

    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = np.stack([np.zeros_like(scores), scores], axis=1)
    return row_softmax(scores, axis=1)


def _keras_proba(net, standardise) -> ProbaFn:
    def proba(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if standardise is not None:
            X = standardise(X)
        return np.asarray(net.predict_on_batch(X), dtype=np.float64)

    return proba


def proba_function(model: Any, batch_size: int = 256) -> ProbaFn:
    """A function ``(n, T, C) -> (n, K)`` probabilities that calls ``model`` in batches.

    Keras networks (bare or inside a TrainedModel) are called with ``predict_on_batch``, which
    avoids ``predict``'s per-call overhead on the many small batches explainers make.
    """
    keras_parts = keras_network(model)
    if keras_parts is not None:
        single = _keras_proba(*keras_parts)
    elif hasattr(model, "predict_proba"):
        single = lambda X: np.asarray(model.predict_proba(X), dtype=np.float64)  # noqa: E731
    elif hasattr(model, "decision_function"):
        single = lambda X: softmax(model.decision_function(X))  # noqa: E731
    elif callable(model):
        single = lambda X: np.asarray(model(X), dtype=np.float64)  # noqa: E731
    else:
        raise DataError(
            f"cannot explain a {type(model).__name__}: give a TrainedModel, an estimator with "
            "predict_proba or decision_function, a keras.Model or a callable X -> (n, K) probabilities"
        )

    def batched(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        parts = [single(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
        out = np.concatenate(parts) if parts else np.zeros((0, 0))
        if out.ndim != 2:
            raise DataError(f"the model returned probabilities of shape {out.shape}; expected (n_series, n_classes)")
        return out

    return batched


def check_inputs(X: np.ndarray, lengths: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``X`` (n, T, C) and the lengths (trailing all-zero steps when not given)."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 3:
        raise DataError(
            f"X must be (n_series, n_timesteps, n_channels); got shape {X.shape}: add a channel axis with X[..., None]"
        )
    if lengths is None:
        lengths = np.maximum(true_lengths(X), 1)
    lengths = np.asarray(lengths).astype(np.int64)
    if lengths.shape != (len(X),) or lengths.min() < 1 or lengths.max() > X.shape[1]:
        raise DataError(
            f"lengths must be {len(X)} integers in 1..{X.shape[1]}; got shape {lengths.shape}, "
            f"range {lengths.min()}..{lengths.max()}"
        )
    return X, lengths


def background_steps(background: np.ndarray | None, X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The ``(T, C)`` replacement values: per step and channel mean over the real steps.

    ``background`` may be ``(T, C)`` (used as is) or ``(n_bg, T, C)`` training series (averaged
    over their real, non-all-zero steps); None averages ``X`` itself. A step no series reaches gets
    the channel mean, and a step whose mean is exactly 0 in every channel gets a tiny offset so
    ``Masking(0.0)`` does not take the background for padding.
    """
    T, C = X.shape[1:]
    if background is not None:
        background = np.asarray(background, dtype=np.float64)
        if background.shape == (T, C):
            bg = background.copy()
            return _unmasked(bg)
        if background.ndim != 3 or background.shape[1:] != (T, C):
            raise DataError(
                f"background must be (T, C) = {(T, C)} means or (n, {T}, {C}) training series; "
                f"got shape {background.shape}"
            )
        source = background
        real = nonzero_steps(source)
    else:
        source = X.astype(np.float64)
        real = step_mask(lengths, T) & nonzero_steps(source)
    counts = real.sum(axis=0)  # (T,)
    sums = np.einsum("nt,ntc->tc", real.astype(np.float64), source)
    overall = sums.sum(axis=0) / max(counts.sum(), 1)
    bg = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], overall[None, :])
    return _unmasked(bg)


TINY = 1e-6  # offset that keeps an all-zero background step from reading as padding


def _unmasked(bg: np.ndarray) -> np.ndarray:
    zero = ~np.any(bg != 0, axis=1)
    bg[zero, 0] = TINY
    return bg


def series_background(bg: np.ndarray, X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``(n, T, C)``: the background on each series' real steps, 0 on padded and all-zero steps.

    All-zero real steps (sensor drop-outs) stay 0 so that the masking pattern of ``X`` is kept.
    """
    keep = step_mask(lengths, X.shape[1]) & nonzero_steps(X)
    return np.where(keep[:, :, None], bg[None, :, :], 0.0).astype(np.float32)


def explained_classes(proba: ProbaFn, X: np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(class code explained per series, the model's probabilities on X): the true class when
    ``y`` is given, else the predicted one."""
    p = proba(X)
    if y is None:
        return p.argmax(axis=1), p
    y = np.asarray(y)
    if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"y must be {len(X)} integer class codes; got shape {y.shape}, dtype {y.dtype}")
    if y.min() < 0 or y.max() >= p.shape[1]:
        raise DataError(
            f"y holds codes {y.min()}..{y.max()} but the model gives {p.shape[1]} classes: pass Dataset.y_codes"
        )
    return y.astype(np.int64), p
