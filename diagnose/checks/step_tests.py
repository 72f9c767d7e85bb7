"""Class differences per timestep x channel cell: Kruskal-Wallis H or one-way ANOVA F, vectorised over cells.

:func:`kruskal` and :func:`anova` test every column of an ``(n, M)`` matrix at once (NaN = missing);
:class:`PermutedStatistic` scores many relabellings at once for the cluster test of :mod:`signal_diagnostics.checks.timemap`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

TESTS = ("kruskal", "anova")
TEST_NAMES = {"kruskal": "Kruskal-Wallis H", "anova": "one-way ANOVA F"}


def class_sums(values: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """Per-class sums of ``values`` ``(n, M)`` with NaN counted as 0: ``(K, M)``."""
    return onehot.T @ np.nan_to_num(values, nan=0.0)


def kruskal(V: np.ndarray, onehot: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Kruskal-Wallis over the columns of ``V`` ``(n, M)`` (NaN = missing), with tie correction.

    Matches ``scipy.stats.kruskal`` per column: ``H = (12 / (N (N+1)) sum R_i^2 / n_i - 3 (N+1))``
    divided by ``1 - sum(t^3 - t) / (N^3 - N)``.
    """
    ranks = stats.rankdata(V, axis=0, nan_policy="omit")
    tie = (
        stats.rankdata(V, axis=0, method="max", nan_policy="omit")
        - stats.rankdata(V, axis=0, method="min", nan_policy="omit")
        + 1.0
    )  # size of each value's tie group
    N = counts.sum(axis=0)
    R = class_sums(ranks, onehot)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(counts > 0, R**2 / counts, 0.0).sum(axis=0)
        H = 12.0 / (N * (N + 1)) * ratio - 3.0 * (N + 1)
        ties = np.nansum(tie**2 - 1.0, axis=0)  # sum over groups of t^3 - t
        corr = 1.0 - ties / (N**3 - N)
        H = np.where(corr > 0, H / corr, np.nan)
    df = (counts > 0).sum(axis=0) - 1
    p = np.where(np.isfinite(H), stats.chi2.sf(np.maximum(H, 0.0), np.maximum(df, 1)), 1.0)
    return H, p


def anova(V: np.ndarray, onehot: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised one-way ANOVA over the columns of ``V`` (NaN = missing); matches ``scipy.stats.f_oneway``."""
    N = counts.sum(axis=0)
    k = (counts > 0).sum(axis=0)
    S = class_sums(V, onehot)
    total = S.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, S / counts, 0.0)
        grand = total / N
        ssb = (counts * (means - grand) ** 2).sum(axis=0)
        dev = np.nan_to_num(V - (onehot @ means), nan=0.0)  # deviation from own class mean
        ssw = (dev**2).sum(axis=0)
        F = (ssb / (k - 1)) / (ssw / (N - k))
    F = np.where((ssw == 0) & (ssb == 0), np.nan, F)  # all equal: nothing to test
    p = np.where(np.isnan(F), 1.0, stats.f.sf(F, np.maximum(k - 1, 1), np.maximum(N - k, 1)))
    p = np.where(np.isinf(F), 0.0, p)
    return F, p


class PermutedStatistic:
    """The per-cell statistic of :func:`timestep_signal` for many relabellings at once.

    Everything that does not depend on the labels (ranks, tie corrections, sums of squares, counts of
    real values) is computed once; a batch of label vectors is one matrix product with their stacked
    one-hot codes. Cells where fewer than two classes have data get ``-inf`` (never above threshold).
    """

    def __init__(self, X: np.ndarray, real: np.ndarray, K: int, test: str):
        n, T, C = X.shape
        self.n, self.T, self.C, self.K, self.test = n, T, C, K, test
        steps = np.repeat(np.arange(T), C)
        V = np.where(real[:, steps], X.reshape(n, T * C).astype(np.float64), np.nan)
        self.real = real.astype(np.float64)  # (n, T)
        self.N = np.repeat(real.sum(axis=0).astype(float), C)  # (M,) real values per cell
        self._tables: dict = {}
        if test == "kruskal":
            ranks = stats.rankdata(V, axis=0, nan_policy="omit")
            ordered = np.sort(V, axis=0)  # NaN last
            tied = np.flatnonzero((ordered[1:] == ordered[:-1]).any(axis=0))  # columns with ties
            ties = np.zeros(V.shape[1])
            if tied.size:
                W = V[:, tied]
                size = (
                    stats.rankdata(W, axis=0, method="max", nan_policy="omit")
                    - stats.rankdata(W, axis=0, method="min", nan_policy="omit")
                    + 1.0
                )  # size of each value's tie group
                ties[tied] = np.nansum(size**2 - 1.0, axis=0)  # sum over groups of t^3 - t
            N = self.N
            with np.errstate(divide="ignore", invalid="ignore"):
                self.corr = 1.0 - ties / (N**3 - N)
            self.values = np.nan_to_num(ranks, nan=0.0)
        else:
            self.values = np.nan_to_num(V, nan=0.0)
            self.total = self.values.sum(axis=0)
            self.sumsq = (self.values**2).sum(axis=0)

    def __call__(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Statistics ``(B, M)`` and degrees of freedom ``(B, M, 2)`` for label codes ``(B, n)``."""
        B = len(codes)
        K, C = self.K, self.C
        onehot = np.zeros((self.n, B * K))
        onehot[np.arange(self.n)[None, :], codes + (np.arange(B) * K)[:, None]] = 1.0
        counts = np.repeat((onehot.T @ self.real).reshape(B, K, self.T), C, axis=2)  # (B, K, M)
        S = (onehot.T @ self.values).reshape(B, K, -1)
        k = (counts > 0).sum(axis=1)  # (B, M) classes with data
        N = self.N[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(counts > 0, S**2 / counts, 0.0).sum(axis=1)
            if self.test == "kruskal":
                H = (12.0 / (N * (N + 1)) * ratio - 3.0 * (N + 1)) / self.corr[None, :]
                stat = np.where(self.corr[None, :] > 0, H, np.nan)
                df = np.stack([k - 1, np.zeros_like(k)], axis=2)
            else:
                ssb = ratio - self.total[None, :] ** 2 / N
                ssw = self.sumsq[None, :] - ratio
                stat = (ssb / (k - 1)) / (ssw / (N - k))
                df = np.stack([k - 1, N - k], axis=2)
        stat = np.where((k >= 2) & np.isfinite(stat), stat, -np.inf)
        return stat, df

    def critical(self, df: np.ndarray, threshold: float) -> np.ndarray:
        """The statistic a cell must exceed for ``p < threshold``, per cell (``df`` from :meth:`__call__`).

        Looked up in a table over the number of classes with data (``1..K``), computed once per threshold.
        """
        k = np.clip(df[..., 0].astype(np.int64) + 1, 0, self.K)  # classes with data
        table = self._tables.get(threshold)
        if table is None:
            table = np.full((self.K + 1, len(self.N)), np.inf)
            for kk in range(2, self.K + 1):
                if self.test == "kruskal":
                    table[kk] = stats.chi2.isf(threshold, kk - 1)
                else:
                    d2 = self.N - kk
                    table[kk] = np.where(d2 >= 1, stats.f.isf(threshold, kk - 1, np.maximum(d2, 1)), np.inf)
            self._tables[threshold] = table
        return (
            np.take_along_axis(table, k.reshape(-1, table.shape[1]), axis=0).reshape(k.shape)
            if k.ndim == 1
            else table[k, np.arange(table.shape[1])[None, :]]
        )
