"""Ridge heads on per-series features: the fast heads of the label-shuffle test, usable as baselines.

Each model maps every series to a fixed feature vector without looking at labels
(:meth:`FeatureRidge.ridge_features`), fills undefined features with the training mean, standardises
and fits the leave-one-out ridge head of :class:`baselines.ridge.RidgeHead`. Because the features
are label-free and per series, the shuffle test computes them once and solves every permutation from one
decomposition per fold (``signal_diagnostics.checks.shuffle``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .series import series_view


def impute_means(F: np.ndarray) -> np.ndarray:
    """Column means of ``F`` over its finite values (0 for a column with none): the imputation values."""
    finite = np.isfinite(F)
    count = finite.sum(axis=0)
    total = np.where(finite, F, 0).sum(axis=0, dtype=np.float64)
    return np.divide(total, count, out=np.zeros(F.shape[1]), where=count > 0)


def impute(F: np.ndarray, means: np.ndarray) -> np.ndarray:
    """``F`` with every non-finite value replaced by its column's ``means`` (float32)."""
    F = np.asarray(F, dtype=np.float32)
    bad = ~np.isfinite(F)
    if bad.any():
        F = np.where(bad, means.astype(np.float32)[None, :], F)
    return F


class FeatureRidge(ClassifierMixin, BaseEstimator):
    """Base class: label-free features -> mean imputation -> ``StandardScaler`` -> LOO ridge classifier.

    Subclasses define :meth:`ridge_features`. The ridge is :class:`baselines.ridge.RidgeHead`, the
    fit of ``make_pipeline(StandardScaler(), RidgeClassifierCV(alphas))``.

    Parameters
    ----------
    alphas : ridge penalties searched; ``None`` means ``np.logspace(-3, 3, 10)``.
    class_weight : ``"balanced"`` (for balanced accuracy) or ``None`` (for plain accuracy): see
        :class:`baselines.ridge.RidgeHead`.
    """

    def __init__(self, alphas=None, class_weight: str | None = "balanced"):
        self.alphas = alphas
        self.class_weight = class_weight

    def ridge_features(self, X) -> np.ndarray:
        """``(n, p)`` features of each series, computed without labels; NaN where undefined."""
        raise NotImplementedError

    def penalties(self) -> np.ndarray:
        """The penalty grid searched."""
        from .ridge import DEFAULT_ALPHAS

        return np.asarray(DEFAULT_ALPHAS if self.alphas is None else self.alphas, dtype=float)

    def fit(self, X, y):
        from .ridge import RidgeHead

        F = self.ridge_features(X)
        self.means_ = impute_means(F)
        self.head_ = RidgeHead(alphas=self.penalties(), class_weight=self.class_weight).fit(impute(F, self.means_), y)
        self.classes_ = self.head_.classes_
        self.n_features_in_ = F.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        return self.head_.decision_function(impute(self.ridge_features(X), self.means_))

    def predict(self, X) -> np.ndarray:
        return self.head_.predict(impute(self.ridge_features(X), self.means_))


class RawRidge(FeatureRidge):
    """Standardised raw values (each timestep x channel a feature) + ridge: sees where in time, and levels.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 10, 2)), np.repeat([0, 1], 20)
    >>> X[y == 1, 3:6, 0] += 2.0
    >>> RawRidge().fit(X, y).score(X, y) > 0.9
    True
    """

    def ridge_features(self, X) -> np.ndarray:
        X = series_view(X)
        return np.asarray(X, dtype=np.float32).reshape(len(X), -1)


class SummaryRidge(FeatureRidge):
    """Per-channel summary features (level, spread, slope, autocorrelation, band power) + ridge.

    The level (mean) of each channel is what MiniRocket's zero-sum kernels cannot see.

    Parameters
    ----------
    alphas : ridge penalties searched; ``None`` means ``np.logspace(-3, 3, 10)``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 20, 1)), np.repeat([0, 1], 20)
    >>> X[y == 1] += 1.0
    >>> SummaryRidge().fit(X, y).score(X, y) > 0.9
    True
    """

    def ridge_features(self, X) -> np.ndarray:
        from .features import SummaryFeatures

        return SummaryFeatures().fit(X).transform(X).astype(np.float32)
