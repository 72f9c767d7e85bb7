"""Where in time do the classes differ? One test per timestep x channel, FDR-corrected."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from diagnose.dataset import _true_lengths, validate_arrays
from diagnose.errors import DataError
from diagnose.results import html_table, to_jsonable

TESTS = ("kruskal", "anova")
# Values (series x cells) tested at a time: the tests run column by column, so the map is computed in
# blocks of cells whose float64 copies and ranks stay near 32 MB each, whatever the number of series.
CELL_BLOCK_VALUES = 1 << 22
TEST_NAMES = {"kruskal": "Kruskal-Wallis H", "anova": "one-way ANOVA F"}


@dataclass(frozen=True)
class TimestepMap:
    """Per-cell test of "the classes have the same distribution here", arrays indexed ``[t][c]``.

    Attributes
    ----------
    test : ``"kruskal"`` or ``"anova"``.
    alpha : q-value threshold for a significant cell.
    statistic : ``(T, C)`` H or F statistic; NaN where fewer than two classes have data.
    p_value : ``(T, C)`` p-values (1 where fewer than two classes have data).
    q_value : ``(T, C)`` Benjamini-Hochberg q-values over all ``T * C`` cells.
    n_values : ``(T,)`` number of series with a real (non-padded) value at each step.
    significant_windows : runs of significant steps per channel:
        ``{"channel", "start", "stop" (exclusive), "min_q", "words"}``.
    summary : one line in words.
    """

    test: str
    alpha: float
    statistic: np.ndarray
    p_value: np.ndarray
    q_value: np.ndarray
    n_values: np.ndarray
    significant_windows: list[dict] = field(default_factory=list)
    summary: str = ""

    @property
    def significant(self) -> np.ndarray:
        """Boolean ``(T, C)`` mask of cells with ``q < alpha``."""
        return self.q_value < self.alpha

    def to_dict(self) -> dict:
        """The Diagnosis document's ``signal.timestep_map`` section."""
        return to_jsonable({
            "test": self.test,
            "alpha": self.alpha,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "q_value": self.q_value,
            "n_values": self.n_values,
            "significant_windows": self.significant_windows,
            "summary": self.summary,
            "method": f"{TEST_NAMES[self.test]} per timestep x channel over non-padded values; "
                      "Benjamini-Hochberg FDR over all cells",
        })

    def __repr__(self) -> str:
        T, C = np.shape(self.q_value)
        return (f"TimestepMap(test={self.test!r}, cells={T}x{C}, significant={int(self.significant.sum())}, "
                f"windows={len(self.significant_windows)}, summary={self.summary[:300]!r})")

    def _repr_html_(self) -> str:
        rows = [[w["words"], w["channel"], w["start"], w["stop"] - 1, f"{w['min_q']:.3g}"] for w in self.significant_windows[:20]]
        return html_table(["window", "channel", "first step", "last step", "min q"], rows, caption=self.summary)


def _class_sums(values: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """Per-class sums of ``values`` ``(n, M)`` with NaN counted as 0: ``(K, M)``."""
    return onehot.T @ np.nan_to_num(values, nan=0.0)


def _kruskal(V: np.ndarray, onehot: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Kruskal-Wallis over the columns of ``V`` ``(n, M)`` (NaN = missing), with tie correction.

    Matches ``scipy.stats.kruskal`` per column: ``H = (12 / (N (N+1)) sum R_i^2 / n_i - 3 (N+1))``
    divided by ``1 - sum(t^3 - t) / (N^3 - N)``.
    """
    ranks = stats.rankdata(V, axis=0, nan_policy="omit")
    tie = stats.rankdata(V, axis=0, method="max", nan_policy="omit") - stats.rankdata(
        V, axis=0, method="min", nan_policy="omit") + 1.0  # size of each value's tie group
    N = counts.sum(axis=0)
    R = _class_sums(ranks, onehot)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(counts > 0, R ** 2 / counts, 0.0).sum(axis=0)
        H = 12.0 / (N * (N + 1)) * ratio - 3.0 * (N + 1)
        ties = np.nansum(tie ** 2 - 1.0, axis=0)  # sum over groups of t^3 - t
        corr = 1.0 - ties / (N ** 3 - N)
        H = np.where(corr > 0, H / corr, np.nan)
    df = (counts > 0).sum(axis=0) - 1
    p = np.where(np.isfinite(H), stats.chi2.sf(np.maximum(H, 0.0), np.maximum(df, 1)), 1.0)
    return H, p


def _anova(V: np.ndarray, onehot: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised one-way ANOVA over the columns of ``V`` (NaN = missing); matches ``scipy.stats.f_oneway``."""
    N = counts.sum(axis=0)
    k = (counts > 0).sum(axis=0)
    S = _class_sums(V, onehot)
    total = S.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, S / counts, 0.0)
        grand = total / N
        ssb = (counts * (means - grand) ** 2).sum(axis=0)
        dev = np.nan_to_num(V - (onehot @ means), nan=0.0)  # deviation from own class mean
        ssw = (dev ** 2).sum(axis=0)
        F = (ssb / (k - 1)) / (ssw / (N - k))
    F = np.where((ssw == 0) & (ssb == 0), np.nan, F)  # all equal: nothing to test
    p = np.where(np.isnan(F), 1.0, stats.f.sf(F, np.maximum(k - 1, 1), np.maximum(N - k, 1)))
    p = np.where(np.isinf(F), 0.0, p)
    return F, p


def _windows(sig: np.ndarray, q: np.ndarray, merge_gap: int) -> list[dict]:
    """Runs of significant steps per channel; runs at most ``merge_gap`` steps apart are merged."""
    T, C = sig.shape
    out = []
    for c in range(C):
        steps = np.flatnonzero(sig[:, c])
        if steps.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(steps) > merge_gap + 1)
        starts = np.r_[steps[0], steps[breaks + 1]]
        stops = np.r_[steps[breaks], steps[-1]] + 1
        for a, b in zip(starts, stops):
            out.append({"channel": int(c), "start": int(a), "stop": int(b),
                        "min_q": float(q[a:b, c].min()),
                        "words": f"channel {c}, steps {a}-{b - 1}" if b - a > 1 else f"channel {c}, step {a}"})
    return sorted(out, key=lambda w: (w["min_q"], w["channel"], w["start"]))


def timestep_signal(X, y=None, lengths=None, *, test: str = "kruskal", alpha: float = 0.05,
                    merge_gap: int = 1) -> TimestepMap:
    """Test, at every timestep and channel, whether the classes differ there.

    Each cell ``(t, c)`` compares the values ``X[i, t, c]`` of the series that are real there
    (``t < lengths[i]``) across classes with a Kruskal-Wallis test (or one-way ANOVA), vectorised over
    cells. Cells where fewer than two classes have data get ``p = 1``. q-values: Benjamini-Hochberg
    (``statsmodels multipletests(method="fdr_bh")``) over all ``T * C`` cells.

    Parameters
    ----------
    X : array ``(n, T, C)`` (2-D means univariate), right-padded with 0; or a Dataset, ``(X, y)`` or
        a source (:func:`diagnose.loaders.as_dataset`), with ``y`` and ``lengths`` taken from it.
    y : labels, one per series.
    lengths : true length of each series; ``None`` infers it as the last step with a non-zero value.
    test : ``"kruskal"`` (rank-based, the default) or ``"anova"``.
    alpha : q-value threshold for a significant cell.
    merge_gap : runs of significant steps this many steps apart or closer become one window.

    Returns
    -------
    TimestepMap

    Examples
    --------
    >>> from diagnose import synthetic
    >>> ds = synthetic.bump(n=200, start=15, stop=25, channel=0, amplitude=1.5)
    >>> timestep_signal(ds.X, ds.y_codes, ds.lengths).significant_windows[0]["words"]
    'channel 0, steps 15-24'
    """
    from statsmodels.stats.multitest import multipletests

    from diagnose.loaders import as_arrays

    X, y, data_lengths, _ = as_arrays(X, y)
    lengths = data_lengths if lengths is None else lengths
    if test not in TESTS:
        raise DataError(f"test must be one of {TESTS}; got {test!r}")
    X, y = validate_arrays(X, y)
    n, T, C = X.shape
    lengths = _true_lengths(X) if lengths is None else np.asarray(lengths, dtype=np.int64)
    if lengths.shape != (n,):
        raise DataError(f"lengths must have one entry per series ({n}); got shape {lengths.shape}")
    _, codes = np.unique(y.astype(str) if y.dtype == object else y, return_inverse=True)
    K = int(codes.max()) + 1
    onehot = np.eye(K)[codes]  # (n, K)

    real = np.arange(T)[None, :] < lengths[:, None]  # (n, T)
    counts = np.repeat(onehot.T @ real.astype(float), C, axis=1)  # (K, T*C) real values per class
    flat = X.reshape(n, T * C)  # cell t * C + c
    stat, p = np.empty(T * C), np.empty(T * C)
    step = max(1, CELL_BLOCK_VALUES // n)
    for a in range(0, T * C, step):
        cells = slice(a, min(a + step, T * C))
        steps = np.arange(cells.start, cells.stop) // C
        V = np.where(real[:, steps], flat[:, cells].astype(np.float64), np.nan)
        stat[cells], p[cells] = (_kruskal if test == "kruskal" else _anova)(V, onehot, counts[:, cells])
    few = (counts > 0).sum(axis=0) < 2
    stat = np.where(few, np.nan, stat)
    p = np.where(few, 1.0, p)
    q = multipletests(p, method="fdr_bh")[1]

    stat, p, q = (a.reshape(T, C) for a in (stat, p, q))
    windows = _windows(q < alpha, q, merge_gap)
    n_sig = int((q < alpha).sum())
    if windows:
        listed = "; ".join(w["words"] for w in windows[:5]) + ("; ..." if len(windows) > 5 else "")
        summary = (f"{n_sig} of {T * C} timestep x channel cells differ between classes "
                   f"({TEST_NAMES[test]}, BH q < {alpha:g}) in {len(windows)} window(s): {listed}")
    else:
        summary = (f"No timestep x channel cell differs between classes at BH q < {alpha:g} "
                   f"({TEST_NAMES[test]}, {T * C} cells): the signal, if any, is not located in single steps")
    return TimestepMap(test=test, alpha=float(alpha), statistic=stat, p_value=p, q_value=q,
                       n_values=real.sum(axis=0), significant_windows=windows, summary=summary)
