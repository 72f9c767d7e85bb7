"""Per-channel summary features of each series, and gradient boosting on them."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.signal import welch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier

from .series import as_series, series_view, true_lengths

DEFAULT_LAGS = (1, 2, 4, 8)
DEFAULT_BANDS = 4  # equal-width bands over [0, Nyquist]
WELCH_MAX_SEGMENT = 64  # scipy's welch default nperseg is 256; short series use their whole length
# Values converted to float64 at a time by SummaryFeatures.transform (32 MB), so memory does not grow with n.
BLOCK_VALUES = 1 << 22
# Training series per histogram bin of the gradient boosting (at most its 255): the split search costs
# features x bins per node whatever the series, so bins past the data's resolution only cost time (measured:
# 512 series x 156 features, 100 rounds of 9 classes: 7.6 s with 255 bins, 2.3 s with 64, same accuracy).
SERIES_PER_BIN = 8


def _slope(x: np.ndarray) -> float:
    t = np.arange(len(x), dtype=float)
    t -= t.mean()
    return float((t * (x - x.mean())).sum() / (t * t).sum())


def _series_features(x: np.ndarray, lags: tuple[int, ...], bands: int) -> list[float]:
    """Features of one univariate series (already cut to its true length); NaN where undefined."""
    from statsmodels.tsa.stattools import acf

    L = len(x)
    nan = float("nan")
    if L == 0:
        return [nan] * (5 + len(lags) + bands)
    out = [float(x.mean()), float(x.std()), float(x.min()), float(x.max()), _slope(x) if L > 1 else nan]
    if L > 1 and x.std() > 0:
        nlags = min(max(lags), L - 1)
        r = acf(x, nlags=nlags, fft=False)
        out += [float(r[lag]) if lag <= nlags else nan for lag in lags]
    else:
        out += [nan] * len(lags)
    if L >= 4:
        freqs, power = welch(x, nperseg=min(L, WELCH_MAX_SEGMENT))
        edges = np.linspace(0.0, 0.5, bands + 1)
        df = freqs[1] - freqs[0]
        for lo, hi in zip(edges[:-1], edges[1:]):
            inside = (freqs >= lo) & ((freqs < hi) if hi < 0.5 else (freqs <= hi))
            out.append(float(power[inside].sum() * df) if inside.any() else nan)
    else:
        out += [nan] * bands
    return out


def _rows_features(x: np.ndarray, lags: tuple[int, ...], bands: int) -> np.ndarray:
    """:func:`_series_features` of every row of ``x`` ``(r, L)`` (series of one length ``L >= 1``), vectorised."""
    r, L = x.shape
    out = np.full((r, 5 + len(lags) + bands), np.nan)
    mean = x.mean(axis=1)
    std = x.std(axis=1)
    out[:, 0], out[:, 1], out[:, 2], out[:, 3] = mean, std, x.min(axis=1), x.max(axis=1)
    if L > 1:
        t = np.arange(L, dtype=float)
        t -= t.mean()
        out[:, 4] = (t * (x - mean[:, None])).sum(axis=1) / (t * t).sum()
        live = std > 0  # statsmodels' acf: demeaned autocovariance / variance, for lags up to L - 1
        xo = x[live] - mean[live, None]
        var = (xo * xo).sum(axis=1)
        for j, lag in enumerate(lags):
            if lag <= min(max(lags), L - 1):
                out[live, 5 + j] = (xo[:, : L - lag] * xo[:, lag:]).sum(axis=1) / var
    if L >= 4:
        freqs, power = welch(x, nperseg=min(L, WELCH_MAX_SEGMENT), axis=-1)
        edges = np.linspace(0.0, 0.5, bands + 1)
        df = freqs[1] - freqs[0]
        for b, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
            inside = (freqs >= lo) & ((freqs < hi) if hi < 0.5 else (freqs <= hi))
            if inside.any():
                out[:, 5 + len(lags) + b] = power[:, inside].sum(axis=1) * df
    return out


class SummaryFeatures(TransformerMixin, BaseEstimator):
    """``(n, T, C)`` -> ``(n, C * F)`` summary features, each computed over the series' non-padded part.

    Per channel: mean, std, min, max, least-squares slope, autocorrelation at ``lags`` (as
    ``statsmodels.tsa.stattools.acf(fft=False)`` computes it) and Welch power (``scipy.signal.welch``) in
    ``bands`` equal-width frequency bands. A series' length is its last timestep with any non-zero value;
    features that are undefined for a short or constant series are NaN (gradient boosting handles NaN
    natively). Series of equal length are computed together, a block of series at a time (the
    per-series reference is ``_series_features``).

    Parameters
    ----------
    lags : autocorrelation lags.
    bands : number of equal-width frequency bands.
    """

    def __init__(self, lags: tuple[int, ...] = DEFAULT_LAGS, bands: int = DEFAULT_BANDS):
        self.lags = lags
        self.bands = bands

    def fit(self, X, y=None):
        X = series_view(X)
        self.n_channels_ = X.shape[2]
        self.feature_names_ = [f"c{c}_{f}" for c in range(X.shape[2]) for f in self._names()]
        return self

    def _names(self) -> list[str]:
        return (
            ["mean", "std", "min", "max", "slope"]
            + [f"acf{lag}" for lag in self.lags]
            + [f"band{b}" for b in range(self.bands)]
        )

    def transform(self, X) -> np.ndarray:
        X = series_view(X)
        if X.shape[2] != self.n_channels_:
            raise ValueError(f"X has {X.shape[2]} channels; the transformer was fitted on {self.n_channels_}")
        lags = tuple(int(v) for v in self.lags)
        n, T, C = X.shape
        n_feat = 5 + len(lags) + self.bands
        out = np.full((n, C, n_feat), np.nan)
        step = max(1, BLOCK_VALUES // (T * C))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for i in range(0, n, step):
                block = as_series(X[i : i + step])  # float64, one block at a time
                lengths = true_lengths(block)
                for L in np.unique(lengths[lengths > 0]):
                    idx = np.flatnonzero(lengths == L)
                    rows = np.transpose(block[idx, :L, :], (0, 2, 1)).reshape(-1, L)  # (series x channel, L)
                    out[i + idx] = _rows_features(rows, lags, self.bands).reshape(len(idx), C, n_feat)
        return out.reshape(n, C * n_feat)


def one_openmp_thread():
    """Gradient boosting on one OpenMP thread: it opens a parallel region per node, and with idle threads
    sleeping (``OMP_WAIT_POLICY=PASSIVE``, as diagnose's workers run) two threads were slower than one at
    every size measured (512 series: 7.2 s against 2.4 s; 6,400 series: 16.6 s against 4.2 s)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="openmp")


def histogram_bins(n_train: int) -> int:
    """The boosting's histogram bins for ``n_train`` training series: one per :data:`SERIES_PER_BIN`, 64 to 255."""
    return int(np.clip(n_train // SERIES_PER_BIN, 64, 255))


class SummaryFeaturesGB(ClassifierMixin, BaseEstimator):
    """:class:`SummaryFeatures` + ``sklearn.ensemble.HistGradientBoostingClassifier``.

    Sees the shape of each channel's distribution, trend, memory and spectrum, not where in time
    things happen.

    Parameters
    ----------
    lags, bands : see :class:`SummaryFeatures`.
    max_iter, learning_rate : passed to ``HistGradientBoostingClassifier`` (its defaults).
    max_bins : its histogram bins; ``None``: one per :data:`SERIES_PER_BIN` training series, 64 to 255.
    random_state : passed to ``HistGradientBoostingClassifier``.
    class_weight : ``"balanced"`` (each class weighs equally in the fit: for balanced accuracy) or
        ``None`` (for plain accuracy); passed to ``HistGradientBoostingClassifier``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 20, 1)), np.repeat([0, 1], 20)
    >>> X[y == 1] *= 3.0
    >>> SummaryFeaturesGB(max_iter=20).fit(X, y).predict(X).shape
    (40,)
    """

    description = "per-channel summary features + histogram gradient boosting"

    def __init__(
        self,
        lags: tuple[int, ...] = DEFAULT_LAGS,
        bands: int = DEFAULT_BANDS,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        random_state: int | None = 0,
        class_weight: str | None = "balanced",
        max_bins: int | None = None,
    ):
        self.class_weight = class_weight
        self.max_bins = max_bins
        self.lags = lags
        self.bands = bands
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X, y):
        self.features_ = SummaryFeatures(lags=self.lags, bands=self.bands).fit(X)
        F = self.features_.transform(X)
        bins = self.max_bins or histogram_bins(len(F))
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            random_state=self.random_state,
            class_weight=self.class_weight,
            max_bins=bins,
        )
        with one_openmp_thread():
            self.model_.fit(F, y)
        self.classes_ = self.model_.classes_
        self.n_features_in_ = F.shape[1]
        return self

    def predict(self, X) -> np.ndarray:
        with one_openmp_thread():
            return self.model_.predict(self.features_.transform(X))

    def predict_proba(self, X) -> np.ndarray:
        with one_openmp_thread():
            return self.model_.predict_proba(self.features_.transform(X))
