"""The algebra under the ridge engine (:class:`baselines.ridge.RidgeLOO`): the symmetric eigendecomposition,
the +-1 targets of label columns and their means, and the first best penalty per fit."""

from __future__ import annotations

import numpy as np

# Up to this size the Gram/covariance matrix is decomposed by numpy's eigh, as scikit-learn's
# RidgeClassifierCV does (bit-for-bit agreement); above it by scipy's eigh in place (driver "evr"),
# which needs no second n x n workspace (numpy's syevd needs 2 n^2 extra entries).
EXACT_EIGH_MAX = 2048


def symmetric_eigh(A: np.ndarray, lower: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Eigenpairs of a symmetric matrix (only the ``lower`` or upper triangle is read); ``A`` may be destroyed."""
    if A.shape[0] <= EXACT_EIGH_MAX:
        return np.linalg.eigh(A, UPLO="L" if lower else "U")
    from scipy.linalg import eigh

    return eigh(A, lower=lower, overwrite_a=True, check_finite=False, driver="evr")


def targets(labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """``(n, P)`` label columns -> ``(n, P * m)`` +-1 targets (scikit-learn's ``LabelBinarizer(-1, 1)``).

    Two classes give one column per fit (+1 for ``classes[1]``); more give one column per class.
    """
    labels = np.asarray(labels)
    n, P = labels.shape
    classes = np.asarray(classes)
    if len(classes) == 2:
        return np.where(labels == classes[1], 1.0, -1.0)
    m = len(classes)
    lookup = np.zeros(int(classes.max()) + 1, dtype=np.intp)
    lookup[classes] = np.arange(m)  # the column of each label
    code = lookup[labels]
    out = np.full((n, P, m), -1.0)
    np.put_along_axis(out, code[:, :, None], 1.0, axis=2)
    return out.reshape(n, P * m)


def target_means(labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Column means of ``targets(labels, classes)``, from the class counts: ``2 * share - 1``."""
    labels = np.asarray(labels)
    classes = np.asarray(classes)
    if len(classes) == 2:
        return 2.0 * (labels == classes[1]).mean(axis=0) - 1.0
    share = (labels[:, :, None] == classes[None, None, :]).mean(axis=0)  # (P, m)
    return (2.0 * share - 1.0).reshape(-1)


def first_best(score: np.ndarray) -> np.ndarray:
    """Per column of ``score`` ``(n_alphas, P)``, the index of the highest row, the first on ties (as scikit-learn)."""
    best_i = np.zeros(score.shape[1], dtype=np.int64)
    best = score[0].copy()
    for i in range(1, len(score)):
        better = score[i] > best
        best[better] = score[i][better]
        best_i[better] = i
    return best_i
