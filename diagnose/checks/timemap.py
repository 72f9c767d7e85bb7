"""Where in time do the classes differ? One test per timestep x channel, FDR-corrected, and clusters.

Two answers are given. Per cell, Benjamini-Hochberg q-values (``significant_windows``): FDR control
allows some flagged cells outside a true window. Per window, the cluster-based permutation test of
Maris & Oostenveld (2007, J Neurosci Methods 164:177; MNE-Python's ``permutation_cluster_test``):
cells whose per-cell p-value is below a forming threshold are grouped into clusters of adjacent steps
(per channel, or on the time x channel lattice), each cluster's mass is the sum of its statistics,
and the labels are permuted to give the null distribution of the largest mass. A reported cluster's
p-value controls the family-wise error over all windows: on data without signal, a cluster is
reported at ``p <= cluster_alpha`` in at most that share of data sets. It says that the classes differ
somewhere in the cluster, not that they differ at its every step (its edges are not controlled).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from signal_diagnostics.baselines.series import step_mask, true_lengths
from signal_diagnostics.checks.step_tests import TEST_NAMES, TESTS, anova, kruskal
from signal_diagnostics.checks.timemap_clusters import (
    ADJACENCIES,
    CLUSTER_MAX_VALUES,
    CLUSTER_PERMUTATIONS,
    PERMUTATION_BATCH,
    ClusterTestResult,
    cluster_test,
)
from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.verdicts.thresholds import CELL_Q, CLUSTER_ALPHA
from signal_diagnostics.results import Result, html_table, to_jsonable

# Values (series x cells) tested at a time: the tests run column by column, so the map is computed in
# blocks of cells whose float64 copies and ranks stay near 32 MB each, whatever the number of series.
CELL_BLOCK_VALUES = 1 << 22
# Clusters kept in the document (most significant first).
MAX_CLUSTERS = 20


@dataclass(frozen=True, repr=False)
class TimestepMapResult(Result):
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
    clusters : the cluster permutation test's clusters (:func:`cluster_test`), most significant first;
        ``None`` when it was not run.
    cluster_alpha : family-wise level at which a cluster is a significant window.
    cluster_method : the cluster test in words.
    """

    test: str
    alpha: float
    statistic: np.ndarray
    p_value: np.ndarray
    q_value: np.ndarray
    n_values: np.ndarray
    significant_windows: list[dict] = field(default_factory=list)
    summary: str = ""
    clusters: list[dict] | None = None
    cluster_alpha: float = CLUSTER_ALPHA
    cluster_method: str | None = None

    repr_fields = ("test", "q_value", "significant_windows", "clusters", "summary")

    @property
    def significant(self) -> np.ndarray:
        """Boolean ``(T, C)`` mask of cells with ``q < alpha``."""
        return self.q_value < self.alpha

    def to_dict(self) -> dict:
        """The Diagnosis document's ``signal.timestep_map`` section: the fields and the per-cell ``method`` in words.

        Overridden because the document also states the per-cell method, which is derived from ``test``
        rather than held as a field.
        """
        method = f"{TEST_NAMES[self.test]} per timestep x channel over non-padded values; " + (
            "Benjamini-Hochberg FDR over all cells"
        )
        return {**to_jsonable(self), "method": method}

    def _repr_html_(self) -> str:
        rows = [
            [w["words"], w["channel"], w["start"], w["stop"] - 1, f"{w['min_q']:.3g}"]
            for w in self.significant_windows[:20]
        ]
        return html_table(["window", "channel", "first step", "last step", "min q"], rows, caption=self.summary)


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
            out.append(
                {
                    "channel": int(c),
                    "start": int(a),
                    "stop": int(b),
                    "min_q": float(q[a:b, c].min()),
                    "words": f"channel {c}, steps {a}-{b - 1}" if b - a > 1 else f"channel {c}, step {a}",
                }
            )
    return sorted(out, key=lambda w: (w["min_q"], w["channel"], w["start"]))


def timestep_signal(
    X,
    y=None,
    lengths=None,
    *,
    test: str = "kruskal",
    alpha: float = CELL_Q,
    merge_gap: int = 1,
    n_permutations: int = CLUSTER_PERMUTATIONS,
    cluster_alpha: float = CLUSTER_ALPHA,
    groups=None,
    random_state: int = 0,
) -> TimestepMapResult:
    """Test, at every timestep and channel, whether the classes differ there.

    Each cell ``(t, c)`` compares the values ``X[i, t, c]`` of the series that are real there
    (``t < lengths[i]``) across classes with a Kruskal-Wallis test (or one-way ANOVA), vectorised over
    cells. Cells where fewer than two classes have data get ``p = 1``. q-values: Benjamini-Hochberg
    (``statsmodels multipletests(method="fdr_bh")``) over all ``T * C`` cells.

    Parameters
    ----------
    X : array ``(n, T, C)`` (2-D means univariate), right-padded with 0; or a Dataset, ``(X, y)`` or
        a source (:func:`signal_diagnostics.data.loaders.as_check_input`), with ``y``, ``lengths`` and
        ``groups`` taken from it.
    y : labels, one per series.
    lengths : true length of each series; ``None`` infers it as the last step with a non-zero value.
    test : ``"kruskal"`` (rank-based, the default) or ``"anova"``.
    alpha : q-value threshold for a significant cell.
    merge_gap : runs of significant steps this many steps apart or closer become one window.
    n_permutations : permutations of the cluster test (:func:`cluster_test`); 0 skips it.
    cluster_alpha : family-wise level of a reported cluster window.
    groups : optional group id per series (the cluster test's permutations respect them).
    random_state : seed of the cluster test's permutations.

    Returns
    -------
    TimestepMapResult

    Examples
    --------
    >>> from signal_diagnostics.data import synthetic
    >>> ds = synthetic.bump(n=200, start=15, stop=25, channel=0, amplitude=1.5)
    >>> timestep_signal(ds.X, ds.y_codes, ds.lengths).significant_windows[0]["words"]
    'channel 0, steps 15-24'
    """
    from statsmodels.stats.multitest import multipletests

    from signal_diagnostics.data.loaders import as_check_input

    data = as_check_input(X, y, lengths=lengths, groups=groups)
    if test not in TESTS:
        raise DataError(f"test must be one of {TESTS}; got {test!r}")
    X, codes = data.X, data.codes
    T, C = X.shape[1:]
    lengths, real = _real_steps(X, data.lengths)
    stat, p = _cell_tests(X, codes, real, test)
    stat, p, q = (a.reshape(T, C) for a in (stat, p, multipletests(p, method="fdr_bh")[1]))
    windows = _windows(q < alpha, q, merge_gap)
    summary = _map_summary(windows, int((q < alpha).sum()), T * C, test, alpha)
    clusters, cluster_method = None, None
    if n_permutations:
        ct = cluster_test(
            X, codes, lengths, test=test, alpha=cluster_alpha, n_permutations=n_permutations,
            groups=data.groups, random_state=random_state,
        )  # fmt: skip
        clusters, cluster_method = ct.clusters[:MAX_CLUSTERS], ct.method
        summary = _with_clusters(summary, clusters, cluster_alpha)
    return TimestepMapResult(
        test=test, alpha=float(alpha), statistic=stat, p_value=p, q_value=q, n_values=real.sum(axis=0),
        significant_windows=windows, summary=summary, clusters=clusters, cluster_alpha=float(cluster_alpha),
        cluster_method=cluster_method,
    )  # fmt: skip


def _real_steps(X: np.ndarray, lengths) -> tuple[np.ndarray, np.ndarray]:
    """Each series' true length (inferred from the padding when not given) and the ``(n, T)`` mask of real steps."""
    n, T = X.shape[:2]
    lengths = true_lengths(X) if lengths is None else np.asarray(lengths, dtype=np.int64)
    if lengths.shape != (n,):
        raise DataError(f"lengths must have one entry per series ({n}); got shape {lengths.shape}")
    return lengths, step_mask(lengths, T)


def _cell_tests(X: np.ndarray, codes: np.ndarray, real: np.ndarray, test: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell statistic and p-value ``(T * C,)`` over the real values, in blocks of cells; ``p = 1`` (and a
    NaN statistic) where fewer than two classes have data."""
    n, T, C = X.shape
    onehot = np.eye(int(codes.max()) + 1)[codes]  # (n, K)
    counts = np.repeat(onehot.T @ real.astype(float), C, axis=1)  # (K, T*C) real values per class
    flat = X.reshape(n, T * C)  # cell t * C + c
    stat, p = np.empty(T * C), np.empty(T * C)
    step = max(1, CELL_BLOCK_VALUES // n)
    for a in range(0, T * C, step):
        cells = slice(a, min(a + step, T * C))
        steps = np.arange(cells.start, cells.stop) // C
        V = np.where(real[:, steps], flat[:, cells].astype(np.float64), np.nan)
        stat[cells], p[cells] = (kruskal if test == "kruskal" else anova)(V, onehot, counts[:, cells])
    few = (counts > 0).sum(axis=0) < 2
    return np.where(few, np.nan, stat), np.where(few, 1.0, p)


def _map_summary(windows: list[dict], n_sig: int, n_cells: int, test: str, alpha: float) -> str:
    """The map's line in words: the significant cells and their windows, or that none differ."""
    if windows:
        listed = "; ".join(w["words"] for w in windows[:5]) + ("; ..." if len(windows) > 5 else "")
        return (
            f"{n_sig} of {n_cells} timestep x channel cells differ between classes "
            f"({TEST_NAMES[test]}, BH q < {alpha:g}) in {len(windows)} window(s): {listed}"
        )
    return (
        f"No timestep x channel cell differs between classes at BH q < {alpha:g} "
        f"({TEST_NAMES[test]}, {n_cells} cells): the signal, if any, is not located in single steps"
    )


def _with_clusters(summary: str, clusters: list[dict], cluster_alpha: float) -> str:
    """``summary`` followed by the cluster test's significant windows (or that there are none)."""
    found = [c for c in clusters if c["significant"]]
    sep = " " if summary.endswith("...") else ". "
    if not found:
        return summary + f"{sep}Cluster permutation test: no window at family-wise p <= {cluster_alpha:g}"
    return summary + (
        f"{sep}Cluster permutation test (family-wise p <= {cluster_alpha:g}): "
        + "; ".join(f"{c['words']} (p = {c['p_value']:.3g})" for c in found[:5])
        + ("; ..." if len(found) > 5 else "")
    )


__all__ = [
    "ADJACENCIES",
    "CELL_BLOCK_VALUES",
    "CLUSTER_MAX_VALUES",
    "CLUSTER_PERMUTATIONS",
    "ClusterTestResult",
    "MAX_CLUSTERS",
    "PERMUTATION_BATCH",
    "TESTS",
    "TEST_NAMES",
    "TimestepMapResult",
    "cluster_test",
    "timestep_signal",
]
