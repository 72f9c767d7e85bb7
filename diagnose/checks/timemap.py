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
from signal_diagnostics.checks.step_tests import PermutedStatistic, anova, kruskal
from signal_diagnostics.data.dataset import validate_arrays
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.exchange import Relabeller
from signal_diagnostics.pipeline.verdicts.thresholds import CELL_Q, CLUSTER_ALPHA, CLUSTER_THRESHOLD, NULL_QUANTILE
from signal_diagnostics.results import html_table, to_jsonable

TESTS = ("kruskal", "anova")
# Values (series x cells) tested at a time: the tests run column by column, so the map is computed in
# blocks of cells whose float64 copies and ranks stay near 32 MB each, whatever the number of series.
CELL_BLOCK_VALUES = 1 << 22
TEST_NAMES = {"kruskal": "Kruskal-Wallis H", "anova": "one-way ANOVA F"}
CLUSTER_PERMUTATIONS = 1000
ADJACENCIES = ("time", "lattice")
# The permutations work on one (n x T*C) float64 matrix of ranks (or values): above this many values
# a stratified random subsample of the series is used (recorded in ``cluster_n_used``).
CLUSTER_MAX_VALUES = 1 << 22
# Permutations scored together (one matrix product each batch).
PERMUTATION_BATCH = 64
# Clusters kept in the document (most significant first).
MAX_CLUSTERS = 20


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

    @property
    def significant(self) -> np.ndarray:
        """Boolean ``(T, C)`` mask of cells with ``q < alpha``."""
        return self.q_value < self.alpha

    def to_dict(self) -> dict:
        """The Diagnosis document's ``signal.timestep_map`` section."""
        return to_jsonable(
            {
                "test": self.test,
                "alpha": self.alpha,
                "statistic": self.statistic,
                "p_value": self.p_value,
                "q_value": self.q_value,
                "n_values": self.n_values,
                "significant_windows": self.significant_windows,
                "summary": self.summary,
                "clusters": self.clusters,
                "cluster_alpha": self.cluster_alpha,
                "cluster_method": self.cluster_method,
                "method": f"{TEST_NAMES[self.test]} per timestep x channel over non-padded values; "
                "Benjamini-Hochberg FDR over all cells",
            }
        )

    def __repr__(self) -> str:
        T, C = np.shape(self.q_value)
        return (
            f"TimestepMap(test={self.test!r}, cells={T}x{C}, significant={int(self.significant.sum())}, "
            f"windows={len(self.significant_windows)}, summary={self.summary[:300]!r})"
        )

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


def _cluster_labels(mask: np.ndarray, adjacency: str) -> tuple[np.ndarray, int]:
    """Connected clusters of a ``(T, C)`` mask: along time per channel, or on the time x channel lattice."""
    from scipy import ndimage

    structure = (
        np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]]) if adjacency == "time" else ndimage.generate_binary_structure(2, 1)
    )
    return ndimage.label(mask, structure=structure)


def _max_mass(stat: np.ndarray, mask: np.ndarray, adjacency: str) -> float:
    labels, n = _cluster_labels(mask, adjacency)
    if n == 0:
        return 0.0
    from scipy import ndimage

    return float(np.max(ndimage.sum(np.where(mask, stat, 0.0), labels, index=np.arange(1, n + 1))))


def cluster_test(
    X,
    y,
    lengths=None,
    *,
    test: str = "kruskal",
    threshold: float = CLUSTER_THRESHOLD,
    alpha: float = CLUSTER_ALPHA,
    n_permutations: int = CLUSTER_PERMUTATIONS,
    adjacency: str = "time",
    groups=None,
    random_state: int = 0,
    max_values: int | None = CLUSTER_MAX_VALUES,
) -> dict:
    """Cluster-based permutation test over timesteps (Maris & Oostenveld 2007).

    Parameters
    ----------
    X : array ``(n, T, C)``, right-padded with 0.
    y : labels, one per series.
    lengths : true length of each series (``None``: inferred from the padding).
    test : the per-cell statistic, ``"kruskal"`` or ``"anova"`` (as in :func:`timestep_signal`).
    threshold : cells with a per-cell p-value below this form clusters.
    alpha : clusters with a permutation p-value at or below this are significant windows.
    n_permutations : label permutations (series are exchanged; ``p = (C + 1) / (N + 1)`` with C the
        permutations whose largest cluster mass reaches the cluster's).
    adjacency : ``"time"`` (adjacent steps of one channel) or ``"lattice"`` (also the neighbouring
        channel at the same step, MNE's default grid adjacency).
    groups : optional group id per series: labels are then permuted between whole groups, or within
        groups when groups hold several labels (:class:`signal_diagnostics.evaluation.exchange.Relabeller`).
    random_state : seed of the permutations and of the subsample.
    max_values : above ``n * T * C`` values, a stratified random subsample of the series is used.

    Returns
    -------
    dict
        ``clusters``: ``[{"channel", "channels", "start", "stop" (exclusive), "mass", "p_value",
        "significant", "words"}]`` (most significant first), ``null_max_mass`` summary, ``n_used``,
        ``method``.

    Examples
    --------
    >>> from signal_diagnostics.data import synthetic
    >>> ds = synthetic.bump(n=120, T=30, C=2, start=10, stop=20, channel=1, amplitude=1.5)
    >>> c = cluster_test(ds.X, ds.y_codes, ds.lengths, n_permutations=200)["clusters"][0]
    >>> c["channel"], c["significant"]
    (1, True)
    """
    from signal_diagnostics.data.dataset import stratified_subsample

    if test not in TESTS:
        raise DataError(f"test must be one of {TESTS}; got {test!r}")
    if adjacency not in ADJACENCIES:
        raise DataError(f"adjacency must be one of {ADJACENCIES}; got {adjacency!r}")
    if not 0 < threshold < 1 or not 0 < alpha < 1:
        raise DataError(f"threshold and alpha must lie in (0, 1); got {threshold!r} and {alpha!r}")
    X, y = validate_arrays(X, y)
    n, T, C = X.shape
    lengths = true_lengths(X) if lengths is None else np.asarray(lengths, dtype=np.int64)
    _, codes = np.unique(y.astype(str) if y.dtype == object else y, return_inverse=True)
    n_series = n
    if max_values is not None and n * T * C > max_values:
        keep = stratified_subsample(
            codes, max(2 * (int(codes.max()) + 1), int(max_values) // (T * C)), seed=random_state, groups=groups
        )
        X, codes, lengths = X[keep], codes[keep], lengths[keep]
        groups = None if groups is None else np.asarray(groups)[keep]
        n = len(codes)
    relabel = Relabeller(codes, groups)
    K = int(codes.max()) + 1
    real = step_mask(lengths, T)
    perm_stat = PermutedStatistic(X, real, K, test)
    stat, df = perm_stat(codes[None, :])
    stat, crit = stat[0].reshape(T, C), perm_stat.critical(df, threshold)[0].reshape(T, C)
    mask = stat > crit
    labels, n_clusters = _cluster_labels(mask, adjacency)
    rng = np.random.default_rng(random_state)
    null = np.empty(int(n_permutations))
    for a in range(0, int(n_permutations), PERMUTATION_BATCH):
        B = min(PERMUTATION_BATCH, int(n_permutations) - a)
        perms = np.stack([relabel.draw(rng) for _ in range(B)])
        s, d = perm_stat(perms)
        cr = perm_stat.critical(d, threshold)
        for b in range(B):
            null[a + b] = _max_mass(s[b].reshape(T, C), (s[b] > cr[b]).reshape(T, C), adjacency)
    clusters = []
    for lab in range(1, n_clusters + 1):
        cells = np.argwhere(labels == lab)
        steps, chans = cells[:, 0], cells[:, 1]
        mass = float(stat[labels == lab].sum())
        p = float((1 + np.sum(null >= mass - 1e-9 * abs(mass))) / (len(null) + 1))
        a, b = int(steps.min()), int(steps.max()) + 1
        channels = sorted({int(c) for c in chans})
        where = f"channel {channels[0]}" if len(channels) == 1 else "channels " + ", ".join(map(str, channels))
        clusters.append(
            {
                "channel": channels[0],
                "channels": channels,
                "start": a,
                "stop": b,
                "mass": mass,
                "p_value": p,
                "significant": bool(p <= alpha),
                "words": f"{where}, steps {a}-{b - 1}" if b - a > 1 else f"{where}, step {a}",
            }
        )
    clusters.sort(key=lambda c: (c["p_value"], -c["mass"], c["channel"], c["start"]))
    sub = f" on a stratified subsample of {n} of {n_series} series" if n < n_series else ""
    return {
        "clusters": clusters,
        "alpha": float(alpha),
        "threshold": float(threshold),
        "n_permutations": int(n_permutations),
        "adjacency": adjacency,
        "n_used": int(n),
        "null_max_mass": {
            "mean": float(null.mean()) if len(null) else None,
            "q95": float(np.quantile(null, NULL_QUANTILE)) if len(null) else None,
        },
        "method": (
            f"cluster-based permutation test (Maris & Oostenveld 2007): cells with {TEST_NAMES[test]} "
            f"p < {threshold:g} form clusters of adjacent {'steps per channel' if adjacency == 'time' else 'cells on the time x channel lattice'}; "
            f"cluster mass = sum of the statistic; null of the largest mass from {int(n_permutations)} label "
            f"permutations ({relabel.scheme}){sub}; p = (C + 1) / (N + 1); windows at p <= {alpha:g} control the family-wise error"
        ),
    }


def timestep_signal(
    X,
    y=None,
    lengths=None,
    *,
    test: str = "kruskal",
    alpha: float = CELL_Q,
    merge_gap: int = 1,
    cluster_permutations: int = CLUSTER_PERMUTATIONS,
    cluster_alpha: float = CLUSTER_ALPHA,
    groups=None,
    random_state: int = 0,
) -> TimestepMap:
    """Test, at every timestep and channel, whether the classes differ there.

    Each cell ``(t, c)`` compares the values ``X[i, t, c]`` of the series that are real there
    (``t < lengths[i]``) across classes with a Kruskal-Wallis test (or one-way ANOVA), vectorised over
    cells. Cells where fewer than two classes have data get ``p = 1``. q-values: Benjamini-Hochberg
    (``statsmodels multipletests(method="fdr_bh")``) over all ``T * C`` cells.

    Parameters
    ----------
    X : array ``(n, T, C)`` (2-D means univariate), right-padded with 0; or a Dataset, ``(X, y)`` or
        a source (:func:`signal_diagnostics.data.loaders.as_dataset`), with ``y`` and ``lengths`` taken from it.
    y : labels, one per series.
    lengths : true length of each series; ``None`` infers it as the last step with a non-zero value.
    test : ``"kruskal"`` (rank-based, the default) or ``"anova"``.
    alpha : q-value threshold for a significant cell.
    merge_gap : runs of significant steps this many steps apart or closer become one window.
    cluster_permutations : permutations of the cluster test (:func:`cluster_test`); 0 skips it.
    cluster_alpha : family-wise level of a reported cluster window.
    groups : optional group id per series (the cluster test's permutations respect them).
    random_state : seed of the cluster test's permutations.

    Returns
    -------
    TimestepMap

    Examples
    --------
    >>> from signal_diagnostics.data import synthetic
    >>> ds = synthetic.bump(n=200, start=15, stop=25, channel=0, amplitude=1.5)
    >>> timestep_signal(ds.X, ds.y_codes, ds.lengths).significant_windows[0]["words"]
    'channel 0, steps 15-24'
    """
    from statsmodels.stats.multitest import multipletests

    from signal_diagnostics.data.loaders import as_check_input

    data = as_check_input(X, y, lengths=lengths)
    X, y, lengths = data.X, data.codes, data.lengths
    if test not in TESTS:
        raise DataError(f"test must be one of {TESTS}; got {test!r}")
    n, T, C = X.shape
    lengths = true_lengths(X) if lengths is None else np.asarray(lengths, dtype=np.int64)
    if lengths.shape != (n,):
        raise DataError(f"lengths must have one entry per series ({n}); got shape {lengths.shape}")
    _, codes = np.unique(y.astype(str) if y.dtype == object else y, return_inverse=True)
    K = int(codes.max()) + 1
    onehot = np.eye(K)[codes]  # (n, K)

    real = step_mask(lengths, T)  # (n, T)
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
    stat = np.where(few, np.nan, stat)
    p = np.where(few, 1.0, p)
    q = multipletests(p, method="fdr_bh")[1]

    stat, p, q = (a.reshape(T, C) for a in (stat, p, q))
    windows = _windows(q < alpha, q, merge_gap)
    n_sig = int((q < alpha).sum())
    if windows:
        listed = "; ".join(w["words"] for w in windows[:5]) + ("; ..." if len(windows) > 5 else "")
        summary = (
            f"{n_sig} of {T * C} timestep x channel cells differ between classes "
            f"({TEST_NAMES[test]}, BH q < {alpha:g}) in {len(windows)} window(s): {listed}"
        )
    else:
        summary = (
            f"No timestep x channel cell differs between classes at BH q < {alpha:g} "
            f"({TEST_NAMES[test]}, {T * C} cells): the signal, if any, is not located in single steps"
        )
    clusters, cluster_method = None, None
    if cluster_permutations:
        ct = cluster_test(
            X,
            y,
            lengths,
            test=test,
            alpha=cluster_alpha,
            n_permutations=cluster_permutations,
            groups=groups,
            random_state=random_state,
        )
        clusters, cluster_method = ct["clusters"][:MAX_CLUSTERS], ct["method"]
        found = [c for c in clusters if c["significant"]]
        sep = " " if summary.endswith("...") else ". "
        if found:
            summary += (
                f"{sep}Cluster permutation test (family-wise p <= {cluster_alpha:g}): "
                + "; ".join(f"{c['words']} (p = {c['p_value']:.3g})" for c in found[:5])
                + ("; ..." if len(found) > 5 else "")
            )
        else:
            summary += f"{sep}Cluster permutation test: no window at family-wise p <= {cluster_alpha:g}"
    return TimestepMap(
        test=test,
        alpha=float(alpha),
        statistic=stat,
        p_value=p,
        q_value=q,
        n_values=real.sum(axis=0),
        significant_windows=windows,
        summary=summary,
        clusters=clusters,
        cluster_alpha=float(cluster_alpha),
        cluster_method=cluster_method,
    )
