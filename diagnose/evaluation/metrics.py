"""The metric table: every score this toolkit reports, defined once.

Labels are integer codes ``0..n_classes-1``. ``balanced_accuracy`` is the mean recall over the classes
present in ``y_true`` (scikit-learn's ``balanced_accuracy_score``); ``macro_precision`` and ``macro_f1``
average over all ``n_classes`` with 0 for a class never predicted (``zero_division=0``); ``accuracy`` is
the share correct. :func:`classification_metrics` scores one split (with per-class figures);
:func:`metric_scores` scores many label columns at once (permutations, learning-curve points).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from signal_diagnostics.errors import DataError

METRICS = ("balanced_accuracy", "accuracy", "macro_precision", "macro_f1")
SCORE_RANGE = (0.0, 1.0)  # every metric in METRICS lies here; intervals are clipped to it


def check_metric(metric: str) -> str:
    """``metric`` when it is one of :data:`METRICS`; a DataError naming them otherwise."""
    if metric not in METRICS:
        raise DataError(f"unknown metric {metric!r}: use one of {', '.join(METRICS)}")
    return metric


def class_weight_for(metric: str) -> str | None:
    """How a classifier scored by ``metric`` is fitted: ``"balanced"`` (each class counts equally) for the
    macro metrics (balanced accuracy, macro precision, macro F1), ``None`` (plain fit) for ``accuracy``.

    The one place the run's metric picks the fit; it is passed as ``class_weight`` to
    ``baselines.make`` and to the ridge engine (``baselines.ridge.RidgeLOO``).
    """
    return None if check_metric(metric) == "accuracy" else "balanced"


def classification_metrics(y_true: Any, y_pred: Any, n_classes: int) -> dict:
    """The :data:`METRICS` plus per-class recall and precision and the confusion matrix.

    Labels are integer codes ``0..n_classes-1``. Balanced accuracy is the mean recall over the classes
    present in ``y_true`` (scikit-learn's definition); macro precision and F1 average over all
    ``n_classes``, with 0 for a class never predicted (``zero_division=0``). ``confusion[i][j]`` counts
    series of true class ``i`` predicted as ``j``.
    """
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
    )

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    labels = np.arange(n_classes)
    recall = recall_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    precision = precision_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    with warnings.catch_warnings():  # it warns when y_pred holds a class absent from y_true; the value stands
        warnings.simplefilter("ignore", UserWarning)
        balanced = balanced_accuracy_score(y_true, y_pred)
    return {
        "balanced_accuracy": float(balanced),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_precision": float(precision.mean()),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class_recall": [float(v) for v in recall],
        "per_class_precision": [float(v) for v in precision],
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).astype(int).tolist(),
    }


def metric_scores(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, metric: str) -> np.ndarray:
    """Score each column of ``(n, P)`` code arrays (or one ``(n,)`` pair): the definitions above, vectorised.

    Examples
    --------
    >>> import numpy as np
    >>> metric_scores(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2, "balanced_accuracy")
    array([0.75])
    """
    check_metric(metric)
    y_true = np.asarray(y_true).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred).reshape(len(y_pred), -1)
    if metric == "accuracy":
        return (y_true == y_pred).mean(axis=0)
    k = np.arange(n_classes)[:, None, None]
    true_k = y_true[None] == k  # (K, n, P)
    pred_k = y_pred[None] == k
    tp = (true_k & pred_k).sum(axis=1).astype(float)  # (K, P)
    n_true = true_k.sum(axis=1)
    n_pred = pred_k.sum(axis=1)
    if metric == "balanced_accuracy":
        present = n_true > 0
        recall = np.divide(tp, n_true, out=np.zeros_like(tp), where=present)
        return recall.sum(axis=0) / present.sum(axis=0)
    if metric == "macro_precision":
        return np.divide(tp, n_pred, out=np.zeros_like(tp), where=n_pred > 0).mean(axis=0)
    f1 = np.divide(2 * tp, n_true + n_pred, out=np.zeros_like(tp), where=(n_true + n_pred) > 0)
    return f1.mean(axis=0)


def score(metric: str, y_true: Any, y_pred: Any, n_classes: int | None = None) -> float:
    """One score of one prediction (codes); ``n_classes`` defaults to the largest code seen plus one."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    K = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1 if n_classes is None else int(n_classes)
    return float(metric_scores(y_true, y_pred, K, metric)[0])
