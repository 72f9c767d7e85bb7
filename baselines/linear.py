"""A linear model on the raw values: logistic regression on the standardised, flattened series."""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from baselines.registry import as_series


class FlatLogistic(ClassifierMixin, BaseEstimator):
    """``StandardScaler`` + ``LogisticRegression`` on ``(n, T * C)`` (each timestep-channel a feature).

    Strong when the signal sits at fixed timesteps; blind to shifted or warped patterns.

    Parameters
    ----------
    C : inverse L2 strength of ``LogisticRegression``.
    max_iter : solver iterations (lbfgs); 2000 is enough for standardised inputs of a few thousand features.
    random_state : passed to ``LogisticRegression``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 10, 2)), np.repeat([0, 1], 20)
    >>> X[y == 1, 3:6, 0] += 2.0
    >>> FlatLogistic().fit(X, y).predict(X).shape
    (40,)
    """

    description = "standardised flattened series + logistic regression"

    def __init__(self, C: float = 1.0, max_iter: int = 2000, random_state: int | None = 0):
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y):
        X = as_series(X)
        self.pipeline_ = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.random_state),
        )
        self.pipeline_.fit(X.reshape(len(X), -1), y)
        self.classes_ = self.pipeline_.classes_
        self.n_features_in_ = X.shape[1] * X.shape[2]
        return self

    def predict(self, X) -> np.ndarray:
        X = as_series(X)
        return self.pipeline_.predict(X.reshape(len(X), -1))

    def predict_proba(self, X) -> np.ndarray:
        X = as_series(X)
        return self.pipeline_.predict_proba(X.reshape(len(X), -1))

    def decision_function(self, X) -> np.ndarray:
        X = as_series(X)
        return self.pipeline_.decision_function(X.reshape(len(X), -1))
