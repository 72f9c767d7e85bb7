"""Windows of time where the classes differ, with family-wise error control: the cluster permutation test.

Maris & Oostenveld (2007, J Neurosci Methods 164:177; MNE-Python's ``permutation_cluster_test``): cells
whose per-cell p-value is below a forming threshold are grouped into clusters of adjacent steps (per
channel, or on the time x channel lattice), each cluster's mass is the sum of its statistics, and the
labels are permuted to give the null distribution of the largest mass. A reported cluster's p-value
controls the family-wise error over all windows; it says that the classes differ somewhere in the
cluster, not at its every step (its edges are not controlled). :func:`signal_diagnostics.checks.timemap.timestep_signal`
adds its clusters to the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signal_diagnostics.baselines.series import step_mask
from signal_diagnostics.checks.step_tests import TEST_NAMES, TESTS, PermutedStatistic
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.exchange import Relabeller
from signal_diagnostics.pipeline.verdicts.thresholds import CLUSTER_ALPHA, CLUSTER_THRESHOLD, NULL_QUANTILE
from signal_diagnostics.results import Result

CLUSTER_PERMUTATIONS = 1000
ADJACENCIES = ("time", "lattice")
# The permutations work on one (n x T*C) float64 matrix of ranks (or values): above this many values
# a stratified random subsample of the series is used (recorded in ``n_used``).
CLUSTER_MAX_VALUES = 1 << 22
# Permutations scored together (one matrix product each batch).
PERMUTATION_BATCH = 64


@dataclass(frozen=True, repr=False)
class ClusterTestResult(Result):
    """The cluster permutation test's clusters, most significant first, and its settings.

    Attributes
    ----------
    clusters : ``[{"channel", "channels", "start", "stop" (exclusive), "mass", "p_value", "significant",
        "words"}]``, most significant first.
    alpha : family-wise level at which a cluster is a significant window.
    threshold : per-cell p-value below which a cell joins a cluster.
    n_permutations : label permutations drawn.
    adjacency : ``"time"`` or ``"lattice"``.
    n_used : series the test ran on (fewer than the data's on a stratified subsample).
    null_max_mass : ``{"mean", "q95"}`` of the null distribution of the largest cluster mass.
    method : the test in words.
    """

    clusters: list[dict]
    alpha: float
    threshold: float
    n_permutations: int
    adjacency: str
    n_used: int
    null_max_mass: dict
    method: str

    repr_fields = ("clusters", "alpha", "n_permutations", "adjacency", "n_used", "method")


def cluster_labels(mask: np.ndarray, adjacency: str) -> tuple[np.ndarray, int]:
    """Connected clusters of a ``(T, C)`` mask: along time per channel, or on the time x channel lattice."""
    from scipy import ndimage

    structure = (
        np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]]) if adjacency == "time" else ndimage.generate_binary_structure(2, 1)
    )
    return ndimage.label(mask, structure=structure)


def max_mass(stat: np.ndarray, mask: np.ndarray, adjacency: str) -> float:
    """The largest cluster mass (sum of the statistic over a cluster's cells) of a ``(T, C)`` mask; 0 without one."""
    labels, n = cluster_labels(mask, adjacency)
    if n == 0:
        return 0.0
    from scipy import ndimage

    return float(np.max(ndimage.sum(np.where(mask, stat, 0.0), labels, index=np.arange(1, n + 1))))


def cluster_test(
    X,
    y=None,
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
) -> ClusterTestResult:
    """Cluster-based permutation test over timesteps (Maris & Oostenveld 2007).

    Parameters
    ----------
    X : array ``(n, T, C)``, right-padded with 0; or a Dataset, ``(X, y)`` or a source
        (:func:`signal_diagnostics.data.loaders.as_check_input`).
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
    ClusterTestResult

    Examples
    --------
    >>> from signal_diagnostics.data import synthetic
    >>> ds = synthetic.bump(n=120, T=30, C=2, start=10, stop=20, channel=1, amplitude=1.5)
    >>> c = cluster_test(ds.X, ds.y_codes, ds.lengths, n_permutations=200).clusters[0]
    >>> c["channel"], c["significant"]
    (1, True)
    """
    from signal_diagnostics.data.loaders import as_check_input

    data = as_check_input(X, y, lengths=lengths, groups=groups)
    _check_options(test, adjacency, threshold, alpha)
    X, codes, groups = data.X, data.codes, data.groups
    n_series, T, C = X.shape
    lengths = data.real_lengths()
    X, codes, lengths, groups = _subsample(X, codes, lengths, groups, max_values, random_state)
    relabel = Relabeller(codes, groups)
    perm_stat = PermutedStatistic(X, step_mask(lengths, T), int(codes.max()) + 1, test)
    stat, df = perm_stat(codes[None, :])
    stat, crit = stat[0].reshape(T, C), perm_stat.critical(df, threshold)[0].reshape(T, C)
    rng = np.random.default_rng(random_state)
    null = _null_max_masses(perm_stat, relabel, rng, int(n_permutations), threshold, adjacency)
    n = len(codes)
    sub = f" on a stratified subsample of {n} of {n_series} series" if n < n_series else ""
    return ClusterTestResult(
        clusters=_clusters(stat, stat > crit, adjacency, null, alpha),
        alpha=float(alpha),
        threshold=float(threshold),
        n_permutations=int(n_permutations),
        adjacency=adjacency,
        n_used=int(n),
        null_max_mass={
            "mean": float(null.mean()) if len(null) else None,
            "q95": float(np.quantile(null, NULL_QUANTILE)) if len(null) else None,
        },
        method=_method(test, threshold, adjacency, int(n_permutations), relabel.scheme, sub, alpha),
    )


def _check_options(test: str, adjacency: str, threshold: float, alpha: float) -> None:
    if test not in TESTS:
        raise DataError(f"test must be one of {TESTS}; got {test!r}")
    if adjacency not in ADJACENCIES:
        raise DataError(f"adjacency must be one of {ADJACENCIES}; got {adjacency!r}")
    if not 0 < threshold < 1 or not 0 < alpha < 1:
        raise DataError(f"threshold and alpha must lie in (0, 1); got {threshold!r} and {alpha!r}")


def _subsample(X, codes, lengths, groups, max_values: int | None, seed: int):
    """A stratified random subsample of the series when ``n * T * C`` exceeds ``max_values``, else all."""
    from signal_diagnostics.data.dataset import stratified_subsample

    n, T, C = X.shape
    if max_values is None or n * T * C <= max_values:
        return X, codes, lengths, groups
    size = max(2 * (int(codes.max()) + 1), int(max_values) // (T * C))
    keep = stratified_subsample(codes, size, seed=seed, groups=groups)
    return X[keep], codes[keep], lengths[keep], None if groups is None else np.asarray(groups)[keep]


def _null_max_masses(perm_stat, relabel, rng, n_permutations: int, threshold: float, adjacency: str) -> np.ndarray:
    """The largest cluster mass of each of ``n_permutations`` relabellings, scored in batches."""
    T, C = perm_stat.T, perm_stat.C
    null = np.empty(n_permutations)
    for a in range(0, n_permutations, PERMUTATION_BATCH):
        B = min(PERMUTATION_BATCH, n_permutations - a)
        perms = np.stack([relabel.draw(rng) for _ in range(B)])
        s, d = perm_stat(perms)
        cr = perm_stat.critical(d, threshold)
        for b in range(B):
            null[a + b] = max_mass(s[b].reshape(T, C), (s[b] > cr[b]).reshape(T, C), adjacency)
    return null


def _clusters(stat: np.ndarray, mask: np.ndarray, adjacency: str, null: np.ndarray, alpha: float) -> list[dict]:
    """One record per cluster of ``mask`` with its mass and permutation p-value, most significant first."""
    labels, n_clusters = cluster_labels(mask, adjacency)
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
    return clusters


def _method(test: str, threshold: float, adjacency: str, n_permutations: int, scheme: str, sub: str, alpha) -> str:
    cells = "steps per channel" if adjacency == "time" else "cells on the time x channel lattice"
    return (
        f"cluster-based permutation test (Maris & Oostenveld 2007): cells with {TEST_NAMES[test]} "
        f"p < {threshold:g} form clusters of adjacent {cells}; "
        f"cluster mass = sum of the statistic; null of the largest mass from {n_permutations} label "
        f"permutations ({scheme}){sub}; p = (C + 1) / (N + 1); windows at p <= {alpha:g} control the family-wise error"
    )
