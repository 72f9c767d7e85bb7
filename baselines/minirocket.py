"""MiniRocket features (aeon) and the MiniRocket + ridge classifier, the strong default baseline.

Dempster, Schmidt & Webb (2021), "MINIROCKET: A very fast (almost) deterministic transform for time
series classification": ~10k features (proportion of positive values of random dilated convolutions)
followed by a ridge classifier whose penalty is chosen by efficient leave-one-out CV.

Memory stays bounded on large sets: series are converted and transformed in batches, and the ridge
head (:class:`RidgeLOO`, the same fit as scikit-learn's ``RidgeClassifierCV``) reads its features as
row blocks. With more training series than features it works in the primal (a ``p x p`` covariance
accumulated block by block), and when the feature matrix would exceed :data:`FEATURE_CACHE_BYTES` the
blocks are recomputed on each pass instead of held, so no ``n x p`` matrix is ever stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.preprocessing import StandardScaler

from .ridge import DEFAULT_ALPHAS, RidgeLOO
from .rows import FeatureRows, fit_scaler
from .series import numba_threads, to_aeon

# MiniRocket's kernels have length 9: shorter series are right-padded with 0 up to this.
MIN_LENGTH = 9

# A feature matrix (float32) up to this size is computed once and held; a larger one is recomputed block
# by block on each pass over the rows (a fit reads them four times: pipeline.work.STREAMED_PASSES), so memory
# does not grow with n.
# 512 MiB holds ~13,000 series x 9,996 MiniRocket features.
FEATURE_CACHE_BYTES = 1 << 29


class MiniRocketFeatures(TransformerMixin, BaseEstimator):
    """aeon's MiniRocket as a scikit-learn transformer on ``(n, T, C)`` arrays.

    Unsupervised: ``fit`` draws the kernel biases from the training series (``y`` is ignored), so
    the features do not depend on the labels. Series shorter than 9 steps are right-padded with 0.
    ``transform`` converts and transforms ``batch_size`` series at a time (float32 output);
    :meth:`iter_transform` yields the same rows block by block without holding them.

    Parameters
    ----------
    n_kernels : number of kernels asked of aeon (it rounds down to a multiple of 84: 10,000 gives 9,996
        features).
    batch_size : series transformed at a time, to bound memory on large sets.
    n_jobs : threads for aeon's numba kernels; None: as many as numba may use now (:func:`numba_threads`).
        The features do not depend on it.
    random_state : seed of the kernel biases.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((20, 30, 2))
    >>> MiniRocketFeatures(n_kernels=840).fit_transform(X).shape
    (20, 840)
    """

    def __init__(
        self, n_kernels: int = 10_000, batch_size: int = 256, n_jobs: int | None = None, random_state: int | None = 0
    ):
        self.n_kernels = n_kernels
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y=None, rows: Sequence[int] | np.ndarray | None = None):
        """Draw the kernel biases from ``X`` (or ``X[rows]``, selected without copying the rest)."""
        from aeon.transformations.collection.convolution_based import MiniRocket

        Xa = to_aeon(
            X, rows, min_length=MIN_LENGTH
        )  # aeon draws the biases from randomly chosen training series: it needs them all
        self.n_timesteps_ = Xa.shape[2]
        self.n_channels_ = Xa.shape[1]
        self.transformer_ = MiniRocket(
            n_kernels=self.n_kernels, n_jobs=numba_threads(self.n_jobs), random_state=self.random_state
        ).fit(Xa)
        self.n_features_out_ = int(len(self.transformer_.parameters[4]))  # one bias per feature
        return self

    def iter_transform(self, X, rows: Sequence[int] | np.ndarray | None = None) -> Iterator[np.ndarray]:
        """Features of ``X`` (or of ``X[rows]``), ``batch_size`` series at a time, as float32 blocks.

        Only one batch of series is converted at a time, so ``X`` may be a memory map.
        """
        n = len(X) if rows is None else len(rows)
        step = max(1, int(self.batch_size))
        for i in range(0, n, step):
            Xa = to_aeon(X[i : i + step] if rows is None else X[np.asarray(rows[i : i + step])], min_length=MIN_LENGTH)
            if Xa.shape[1] != self.n_channels_:
                raise ValueError(f"X has {Xa.shape[1]} channels; MiniRocketFeatures was fitted on {self.n_channels_}")
            yield np.asarray(self.transformer_.transform(Xa), dtype=np.float32)

    def transform(self, X, rows: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        n = len(X) if rows is None else len(rows)
        out = None
        start = 0
        for block in self.iter_transform(X, rows):
            if out is None:
                out = np.empty((n, block.shape[1]), dtype=np.float32)
            out[start : start + len(block)] = block
            start += len(block)
        return out if out is not None else np.empty((0, self.n_features_out_), dtype=np.float32)


def standardised_rows(
    features: MiniRocketFeatures,
    X,
    rows: np.ndarray | None = None,
    scaler: StandardScaler | None = None,
    cache_bytes: int | None = None,
) -> tuple[FeatureRows, StandardScaler]:
    """MiniRocket features of ``X`` (or ``X[rows]``) standardised by ``scaler`` (fitted here when None).

    Held when they take at most ``cache_bytes`` (float32; None: :data:`FEATURE_CACHE_BYTES` as it is now);
    otherwise recomputed block by block on each pass, the scaler fitted by ``partial_fit`` over the blocks.
    Standardised values are float32 (scikit-learn's ``StandardScaler`` keeps the input's dtype), as in the held case.
    """
    n = len(X) if rows is None else len(rows)
    p = features.n_features_out_
    if n * p * 4 <= (FEATURE_CACHE_BYTES if cache_bytes is None else cache_bytes):
        F = features.transform(X, rows)
        if scaler is None:
            scaler = fit_scaler(F)
        return FeatureRows.of(scaler.transform(F, copy=False)), scaler
    if scaler is None:
        scaler = StandardScaler()
        for block in features.iter_transform(X, rows):
            scaler.partial_fit(block)
    fitted = scaler
    return FeatureRows(
        n, p, lambda: (fitted.transform(b, copy=False) for b in features.iter_transform(X, rows))
    ), scaler


class MiniRocketRidge(ClassifierMixin, BaseEstimator):
    """MiniRocket features -> ``StandardScaler`` -> ridge classifier with leave-one-out penalty choice.

    The ridge head is :class:`RidgeLOO`, which makes the fit of scikit-learn's
    ``RidgeClassifierCV(alphas)`` with memory bounded in the number of series.

    Parameters
    ----------
    n_kernels : MiniRocket kernels (10,000 gives 9,996 features).
    alphas : ridge penalties searched; ``None`` means ``np.logspace(-3, 3, 10)``.
    batch_size : series per MiniRocket transform batch.
    n_jobs : threads for MiniRocket; None: as many as numba may use now.
    random_state : seed of MiniRocket.
    class_weight : ``"balanced"`` (decide and choose the penalty for balanced accuracy,
        :class:`RidgeLOO`) or ``None`` (``RidgeClassifierCV``'s fit, for plain accuracy).

    Attributes
    ----------
    coef_, intercept_ : the ridge head on standardised features (``(1, p)`` for two classes).
    alpha_ : the penalty chosen.

    See Also
    --------
    signal_diagnostics.checks.shuffle.shuffle_test : its fast path solves this model for many label permutations at once.

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

    def __init__(
        self,
        n_kernels: int = 10_000,
        alphas: Any = None,
        batch_size: int = 256,
        n_jobs: int | None = None,
        random_state: int | None = 0,
        class_weight: str | None = "balanced",
    ):
        self.n_kernels = n_kernels
        self.class_weight = class_weight
        self.alphas = alphas
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.random_state = random_state

    def features(self) -> MiniRocketFeatures:
        """An unfitted feature transformer with this model's settings."""
        return MiniRocketFeatures(
            n_kernels=self.n_kernels, batch_size=self.batch_size, n_jobs=self.n_jobs, random_state=self.random_state
        )

    def penalties(self) -> np.ndarray:
        """The penalty grid searched."""
        return np.asarray(DEFAULT_ALPHAS if self.alphas is None else self.alphas, dtype=float)

    def fit(self, X, y):
        y = np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has only one class ({self.classes_[0]!r}): a classifier needs at least two")
        self.features_ = self.features().fit(X)
        rows, self.scaler_ = standardised_rows(self.features_, X)
        solver = RidgeLOO(rows, self.penalties(), class_weight=self.class_weight)
        self.coef_, self.intercept_, best = solver.coef(codes.reshape(-1, 1), np.arange(len(self.classes_)))
        self.alpha_ = float(solver.alphas[best[0]])
        self.n_features_in_ = rows.n_features
        return self

    def decision_function(self, X) -> np.ndarray:
        parts = [
            np.asarray(self.scaler_.transform(F, copy=False), dtype=np.float64) @ self.coef_.T + self.intercept_
            for F in self.features_.iter_transform(X)
        ]
        dec = np.concatenate(parts, axis=0) if parts else np.empty((0, len(self.intercept_)))
        return dec[:, 0] if dec.shape[1] == 1 else dec

    def predict(self, X) -> np.ndarray:
        dec = self.decision_function(X)
        if dec.ndim == 1:
            return self.classes_[(dec > 0).astype(int)]
        return self.classes_[np.argmax(dec, axis=1)]
