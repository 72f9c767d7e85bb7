"""1-nearest neighbour under dynamic time warping (aeon), the classic time-series baseline."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .series import as_series, to_aeon

DEFAULT_WINDOW = 0.1  # Sakoe-Chiba band as a share of the length; bounds cost, often helps accuracy


class DTW1NN(ClassifierMixin, BaseEstimator):
    """``aeon.classification.distance_based.KNeighborsTimeSeriesClassifier(distance="dtw")``.

    Prediction costs O(n_train x n_test x T^2) (less with a window): keep it for small sets.
    It takes no ``class_weight``: 1-NN fits nothing (it stores the training series), so there is no
    fit to weight; with ``n_neighbors=1`` the nearest series decides whatever the class sizes.

    Parameters
    ----------
    window : Sakoe-Chiba window as a share of the series length (aeon's ``distance_params``);
        ``None`` for unconstrained DTW.
    n_neighbors : neighbours voting (1 is the classic baseline).
    trim_padding : compare series over their non-padded parts (right zero padding cut off).
    n_jobs : aeon's parallelism.
    random_state : unused (1-NN is deterministic), kept so every baseline takes one.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((10, 12, 2)), np.repeat([0, 1], 5)
    >>> DTW1NN().fit(X, y).predict(X[:2]).shape  # doctest: +SKIP
    (2,)
    """

    description = "1-NN DTW (aeon), Sakoe-Chiba window 10% of the length"

    def __init__(
        self,
        window: float | None = DEFAULT_WINDOW,
        n_neighbors: int = 1,
        trim_padding: bool = True,
        n_jobs: int = 1,
        random_state: int | None = 0,
    ):
        self.window = window
        self.n_neighbors = n_neighbors
        self.trim_padding = trim_padding
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y):
        from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

        X = as_series(X)
        params = None if self.window is None else {"window": float(self.window)}
        self.knn_ = KNeighborsTimeSeriesClassifier(
            distance="dtw", n_neighbors=self.n_neighbors, distance_params=params, n_jobs=self.n_jobs
        )
        self.knn_.fit(to_aeon(as_series(X), dtype=np.float64, trim_padding=self.trim_padding), np.asarray(y))
        self.classes_ = self.knn_.classes_
        self.n_channels_ = X.shape[2]
        return self

    def predict(self, X) -> np.ndarray:
        return self.knn_.predict(to_aeon(as_series(X), dtype=np.float64, trim_padding=self.trim_padding))

    def predict_proba(self, X) -> np.ndarray:
        return self.knn_.predict_proba(to_aeon(as_series(X), dtype=np.float64, trim_padding=self.trim_padding))
