"""How good could any classifier be? A lower bound on the Bayes error from the 1-nearest-neighbour error.

Cover & Hart (1967), "Nearest neighbor pattern classification": with K classes and infinitely many
samples the 1-NN error ``R1`` and the Bayes error ``R*`` satisfy
``R* <= R1 <= R* (2 - K/(K-1) R*)``, which solved for ``R*`` gives
``R* >= ((K-1)/K) (1 - sqrt(1 - K/(K-1) R1))``. So ``1 - that bound`` is a ceiling on the accuracy any
model can reach *in the feature space used* (here standardised MiniRocket features). The result is
asymptotic: with few series per class the cross-validated 1-NN error is itself noisy and biased upward.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from diagnose.errors import DataError
from diagnose.results import to_jsonable

# Below this many series in the smallest class, nearest-neighbour error estimates are unreliable
# (a rule of thumb; Cover-Hart is an infinite-sample result).
SMALL_CLASS = 30


@dataclass(frozen=True)
class CeilingResult:
    """1-NN error, the Cover-Hart lower bound on the Bayes error and the accuracy ceiling it implies.

    Attributes
    ----------
    one_nn_error : cross-validated 1-NN error rate (1 - accuracy).
    bayes_error_lower : Cover-Hart lower bound on the Bayes error.
    bayes_error_upper : the 1-NN error, which bounds the Bayes error from above (asymptotically).
    accuracy_ceiling : ``1 - bayes_error_lower``.
    n_classes, min_class_size : K and the size of the smallest class.
    features : ``"minirocket"`` or ``"given"``.
    folds : CV folds used.
    caveat : a warning in words when classes are small, else ``None``.
    """

    one_nn_error: float
    bayes_error_lower: float
    bayes_error_upper: float
    accuracy_ceiling: float
    n_classes: int
    min_class_size: int
    features: str
    folds: int
    caveat: str | None

    def to_dict(self) -> dict:
        return to_jsonable(self)


def cover_hart_lower(one_nn_error: float, n_classes: int) -> float:
    """``((K-1)/K) (1 - sqrt(1 - K/(K-1) R1))``; an error at or above chance ``(K-1)/K`` gives ``(K-1)/K``."""
    K = int(n_classes)
    if K < 2:
        raise ValueError(f"need at least 2 classes; got {K}")
    chance = (K - 1) / K
    inside = max(0.0, 1.0 - float(one_nn_error) / chance)
    return chance * (1.0 - math.sqrt(inside))


def bayes_error_bounds(X: Any, y: Any, *, features: Any = None, cv: int = 5, random_state: int = 0) -> CeilingResult:
    """Cross-validated 1-NN error and the Cover-Hart bound on the Bayes error.

    Parameters
    ----------
    X : series ``(n, T, C)``; used when ``features`` is None (MiniRocket features fitted per training fold).
    y : labels, one per series.
    features : optional ``(n, F)`` feature matrix to use instead of MiniRocket.
    cv : stratified folds (``diagnose.evaluation.make_splits(y, folds=cv, seed=random_state)``).
    random_state : seed of the folds and of MiniRocket.

    Returns
    -------
    CeilingResult

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1], 50)
    >>> F = np.random.default_rng(0).standard_normal((100, 3)) + 10 * y[:, None]
    >>> bayes_error_bounds(None, y, features=F).accuracy_ceiling
    1.0
    """
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler

    from diagnose.evaluation import make_splits

    classes, y = np.unique(np.asarray(y), return_inverse=True)
    K = len(classes)
    if K < 2:
        raise DataError(f"y has only one class ({classes[0]!r}): a Bayes-error bound needs at least two")
    if features is not None:
        features = np.asarray(features, dtype=float)
        if features.ndim != 2 or len(features) != len(y):
            raise DataError(f"features must be a ({len(y)}, n_features) matrix; got shape {features.shape}")
    elif X is None or len(X) != len(y):
        raise DataError(f"X must hold one series per label ({len(y)}); got {None if X is None else len(X)}")
    splits = make_splits(y, folds=cv, seed=random_state)
    wrong = 0
    for tr, te in splits:
        if features is None:
            from baselines.minirocket import MiniRocketFeatures

            mr = MiniRocketFeatures(random_state=random_state).fit(X[tr])
            F_train, F_test = mr.transform(X[tr]), mr.transform(X[te])
        else:
            F_train, F_test = features[tr], features[te]
        scaler = StandardScaler().fit(F_train)
        knn = KNeighborsClassifier(n_neighbors=1).fit(scaler.transform(F_train), y[tr])
        wrong += int(np.sum(knn.predict(scaler.transform(F_test)) != y[te]))
    r1 = wrong / len(y)
    lower = cover_hart_lower(r1, K)
    smallest = int(np.bincount(y).min())
    caveat = None
    if smallest < SMALL_CLASS:
        caveat = (f"the smallest class has {smallest} series (< {SMALL_CLASS}): the Cover-Hart bound holds for "
                  "infinitely many samples, so with classes this small the 1-NN error is noisy and the "
                  "ceiling is only a rough guide")
    return CeilingResult(
        one_nn_error=float(r1), bayes_error_lower=float(lower), bayes_error_upper=float(r1),
        accuracy_ceiling=float(1.0 - lower), n_classes=K, min_class_size=smallest,
        features="minirocket" if features is None else "given", folds=len(splits), caveat=caveat,
    )
