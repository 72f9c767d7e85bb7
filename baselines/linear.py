"""A linear model on the raw values: logistic regression on the standardised, flattened series."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .series import as_series


def _flat64(X) -> np.ndarray:
    """``(n, T * C)`` float64 copy of the series in its own memory, so it can be standardised in place."""
    original = X
    F = as_series(X)
    F = F.reshape(len(F), -1)
    if np.may_share_memory(F, original):
        F = F.copy()
    return np.ascontiguousarray(F)


class FlatLogistic(ClassifierMixin, BaseEstimator):
    """``StandardScaler`` + ``LogisticRegression`` on ``(n, T * C)`` (each timestep-channel a feature).

    Strong when the signal sits at fixed timesteps; blind to shifted or warped patterns.

    Parameters
    ----------
    C : inverse L2 strength of ``LogisticRegression``.
    max_iter : solver iterations (lbfgs); 2000 is enough for standardised inputs of a few thousand features.
    random_state : passed to ``LogisticRegression``.
    class_weight : ``"balanced"`` (each class weighs equally in the fit: for balanced accuracy) or
        ``None`` (for plain accuracy); passed to ``LogisticRegression``.

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

    def __init__(
        self, C: float = 1.0, max_iter: int = 2000, random_state: int | None = 0, class_weight: str | None = "balanced"
    ):
        self.class_weight = class_weight
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y):
        # One float64 copy of the flattened series, standardised in place: the same numbers as
        # make_pipeline(StandardScaler(), LogisticRegression()) without its copies and temporaries.
        from .rows import fit_scaler

        F = _flat64(X)
        scaler = fit_scaler(F)  # StandardScaler().fit(F) without its n x p float64 temporaries
        model = LogisticRegression(
            C=self.C, max_iter=self.max_iter, random_state=self.random_state, class_weight=self.class_weight
        )
        model.fit(scaler.transform(F, copy=False), y)
        self.pipeline_ = Pipeline([("standardscaler", scaler), ("logisticregression", model)])
        self.classes_ = model.classes_
        self.n_features_in_ = F.shape[1]
        return self

    def _scaled(self, X) -> np.ndarray:
        return self.pipeline_[0].transform(_flat64(X), copy=False)

    def predict(self, X) -> np.ndarray:
        return self.pipeline_[-1].predict(self._scaled(X))

    def predict_proba(self, X) -> np.ndarray:
        return self.pipeline_[-1].predict_proba(self._scaled(X))

    def decision_function(self, X) -> np.ndarray:
        return self.pipeline_[-1].decision_function(self._scaled(X))
