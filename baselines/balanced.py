"""Fitting for balanced accuracy: the ``class_weight`` choice, per-row class weights, the balanced decision rule.

Used by the leave-one-out ridge engine (:class:`baselines.ridge.RidgeLOO`), whose fit stays unweighted
so that one decomposition serves every label column.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The fitting choices: "balanced" (each class counts equally: balanced accuracy) or None (plain accuracy).
CLASS_WEIGHTS = ("balanced", None)


def check_class_weight(class_weight: Any) -> Any:
    """``class_weight`` when it is one of :data:`CLASS_WEIGHTS`; a ValueError naming them otherwise."""
    if not (class_weight is None or (isinstance(class_weight, str) and class_weight == "balanced")):
        raise ValueError(f"class_weight must be 'balanced' or None; got {class_weight!r}")
    return class_weight


def row_weights(labels: np.ndarray, classes: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """``(n, P)`` weights ``1 / n_k`` of each row's class ``k`` in its label column ``(n, P)``.

    ``counts`` ``(P, len(classes))``: the class counts of each whole column, when ``labels`` is a block of rows.
    """
    labels, classes = np.asarray(labels), np.asarray(classes)
    lookup = np.zeros(int(classes.max()) + 1, dtype=np.intp)
    lookup[classes] = np.arange(len(classes))
    code = lookup[labels]
    if counts is None:
        counts = np.stack([np.bincount(c, minlength=len(classes)) for c in code.T])
    return 1.0 / counts[np.arange(labels.shape[1])[None, :], code]


def balanced_decisions(dec: np.ndarray, means: np.ndarray, m: int) -> np.ndarray:
    """Decision values of the rule optimal for balanced accuracy, from ridge fits on +-1 targets.

    ``dec`` and the target means ``means`` (``2 * prior - 1``) broadcast per column; ``m`` is 1 for two
    classes (``d - mean``: positive for the second class exactly when ``P(1|x) / prior_1 > P(0|x) /
    prior_0``), else ``(d_k - mean_k) / (1 + mean_k)``, whose argmax is that of ``P(k|x) / prior_k``.
    """
    out = dec - means
    if m > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(1.0 + means > 0, out / (1.0 + means), -np.inf)  # a class absent from the fit: never
    return out
