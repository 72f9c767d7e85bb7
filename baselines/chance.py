"""Chance-level classifiers: the floor every real baseline must clear."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier

from .series import as_series


class ChanceClassifier(ClassifierMixin, BaseEstimator):
    """``sklearn.dummy.DummyClassifier`` on flattened ``(n, T, C)`` input; it ignores X.

    Parameters
    ----------
    strategy : DummyClassifier strategy, ``"prior"`` (most frequent class) or ``"stratified"``.
    random_state : seed for the stratified draw.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.zeros((4, 5, 2)), np.array([0, 0, 0, 1])
    >>> ChanceClassifier("prior").fit(X, y).predict(X).tolist()
    [0, 0, 0, 0]
    """

    description = "chance: sklearn DummyClassifier on the flattened series"

    def __init__(self, strategy: str = "prior", random_state: int | None = 0):
        self.strategy = strategy
        self.random_state = random_state

    def fit(self, X, y):
        X = as_series(X)
        self.dummy_ = DummyClassifier(strategy=self.strategy, random_state=self.random_state)
        self.dummy_.fit(X.reshape(len(X), -1), y)
        self.classes_ = self.dummy_.classes_
        self.n_features_in_ = X.shape[1] * X.shape[2]
        return self

    def predict(self, X) -> np.ndarray:
        X = as_series(X)
        return self.dummy_.predict(X.reshape(len(X), -1))

    def predict_proba(self, X) -> np.ndarray:
        X = as_series(X)
        return self.dummy_.predict_proba(X.reshape(len(X), -1))
