"""MiniRocket features (aeon) and the MiniRocket + ridge classifier, the strong default baseline.

Dempster, Schmidt & Webb (2021), "MINIROCKET: A very fast (almost) deterministic transform for time
series classification": ~10k features (proportion of positive values of random dilated convolutions)
followed by a ridge classifier whose penalty is chosen by efficient leave-one-out CV.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import StandardScaler

from baselines.registry import as_series

# The ridge penalties searched by leave-one-out CV: the grid of the MiniRocket paper and of
# aeon's MiniRocketClassifier (np.logspace(-3, 3, 10)).
DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 10))
# MiniRocket's kernels have length 9: shorter series are right-padded with 0 up to this.
MIN_LENGTH = 9


def to_aeon(X: Any) -> np.ndarray:
    """``(n, T, C)`` (or univariate ``(n, T)``) -> aeon's ``(n, C, T)`` float32, padded to at least 9 steps.

    The one place this package converts to aeon's layout for MiniRocket.
    """
    X = as_series(X)
    n, T, C = X.shape
    if T < MIN_LENGTH:
        X = np.concatenate([X, np.zeros((n, MIN_LENGTH - T, C))], axis=1)
    return np.ascontiguousarray(np.transpose(X, (0, 2, 1)), dtype=np.float32)


class MiniRocketFeatures(TransformerMixin, BaseEstimator):
    """aeon's MiniRocket as a scikit-learn transformer on ``(n, T, C)`` arrays.

    Unsupervised: ``fit`` draws the kernel biases from the training series (``y`` is ignored), so
    the features do not depend on the labels. Series shorter than 9 steps are right-padded with 0.

    Parameters
    ----------
    n_kernels : number of kernels asked of aeon (it rounds down to a multiple of 84: 10,000 gives 9,996
        features).
    batch_size : series transformed at a time, to bound memory on large sets.
    n_jobs : threads for aeon's numba kernels.
    random_state : seed of the kernel biases.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((20, 30, 2))
    >>> MiniRocketFeatures(n_kernels=840).fit_transform(X).shape
    (20, 840)
    """

    def __init__(self, n_kernels: int = 10_000, batch_size: int = 256, n_jobs: int = 1,
                 random_state: int | None = 0):
        self.n_kernels = n_kernels
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y=None):
        from aeon.transformations.collection.convolution_based import MiniRocket

        Xa = to_aeon(X)
        self.n_timesteps_ = Xa.shape[2]
        self.n_channels_ = Xa.shape[1]
        self.transformer_ = MiniRocket(n_kernels=self.n_kernels, n_jobs=self.n_jobs,
                                       random_state=self.random_state).fit(Xa)
        return self

    def transform(self, X) -> np.ndarray:
        Xa = to_aeon(X)
        if Xa.shape[1] != self.n_channels_:
            raise ValueError(f"X has {Xa.shape[1]} channels; MiniRocketFeatures was fitted on {self.n_channels_}")
        step = max(1, int(self.batch_size))
        parts = [np.asarray(self.transformer_.transform(Xa[i:i + step]), dtype=np.float32)
                 for i in range(0, len(Xa), step)]
        return np.concatenate(parts, axis=0)


class MiniRocketRidge(ClassifierMixin, BaseEstimator):
    """MiniRocket features -> ``StandardScaler`` -> ``RidgeClassifierCV`` (leave-one-out penalty choice).

    Parameters
    ----------
    n_kernels : MiniRocket kernels (10,000 gives 9,996 features).
    alphas : ridge penalties searched; ``None`` means ``np.logspace(-3, 3, 10)``.
    batch_size : series per MiniRocket transform batch.
    n_jobs : threads for MiniRocket.
    random_state : seed of MiniRocket.

    See Also
    --------
    diagnose.shuffle.shuffle_test : its fast path solves this model for many label permutations at once.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 30, 1)), np.repeat([0, 1], 20)
    >>> X[y == 1, 10:20, 0] += 2.0
    >>> MiniRocketRidge(n_kernels=840).fit(X, y).predict(X).shape
    (40,)
    """

    description = "MiniRocket (aeon, ~10k convolution features) + standardised ridge classifier (LOO-CV penalty)"

    def __init__(self, n_kernels: int = 10_000, alphas: Any = None, batch_size: int = 256, n_jobs: int = 1,
                 random_state: int | None = 0):
        self.n_kernels = n_kernels
        self.alphas = alphas
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.random_state = random_state

    def features(self) -> MiniRocketFeatures:
        """An unfitted feature transformer with this model's settings."""
        return MiniRocketFeatures(n_kernels=self.n_kernels, batch_size=self.batch_size, n_jobs=self.n_jobs,
                                  random_state=self.random_state)

    def ridge(self) -> RidgeClassifierCV:
        """An unfitted ridge head with this model's penalty grid."""
        alphas = DEFAULT_ALPHAS if self.alphas is None else self.alphas
        return RidgeClassifierCV(alphas=np.asarray(alphas, dtype=float))

    def fit(self, X, y):
        self.features_ = self.features().fit(X)
        F = self.features_.transform(X)
        self.scaler_ = StandardScaler().fit(F)
        self.ridge_ = clone(self.ridge()).fit(self._as_float64(self.scaler_.transform(F)), y)
        self.classes_ = self.ridge_.classes_
        self.n_features_in_ = F.shape[1]
        return self

    @staticmethod
    def _as_float64(F: np.ndarray) -> np.ndarray:
        # The ridge solves in float64 anyway; predicting in float64 too (sklearn would cast its
        # coefficients back to float32 for float32 input) keeps predictions identical to the
        # permutation test's batched ridge solver.
        return np.asarray(F, dtype=np.float64)

    def _scaled(self, X) -> np.ndarray:
        return self._as_float64(self.scaler_.transform(self.features_.transform(X)))

    def decision_function(self, X) -> np.ndarray:
        return self.ridge_.decision_function(self._scaled(X))

    def predict(self, X) -> np.ndarray:
        return self.ridge_.predict(self._scaled(X))
