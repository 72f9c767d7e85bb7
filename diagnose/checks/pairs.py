"""Which classes cannot be told apart? A cross-validated two-class test for every pair of classes.

One-vs-rest separability hides pairs: classes 3 and 5 may both differ from class 0 and yet be confused
with each other. Here every pair of classes gets its own two-class ridge on the MiniRocket features of
each fold (fitted on the fold's training series of all classes, unsupervised), scored by the pooled
out-of-fold balanced accuracy, and tested against chance with a label-permutation test inside the
pair: the pair's labels are shuffled and the same folds refitted (every permutation is one more label
column of the same ridge solve, :class:`baselines.ridge.RidgeLOO`, fitted for balanced accuracy so that
an unequal pair does not collapse onto its larger class), ``p = (B + J) / (N + 1)`` with ``J`` the
observed score's random rank among its ties (:func:`signal_diagnostics.evaluation.exchange.permutation_p`).
Benjamini-Hochberg across the pairs.

Not being told apart is not transitive and can come from too few series, so the groups reported are
decided by :data:`POWER_RULE`: a pair is ``indistinguishable`` only when it is not told apart (q > alpha)
AND the upper end of the 95% interval of its balanced accuracy (a stratified percentile bootstrap over
the pair's series) is below :data:`PRACTICAL_BA`; a pair not told apart whose interval reaches that
far is ``too_few`` ("not enough series to tell"). The groups are the maximal cliques of the
indistinguishable pairs (Bron-Kerbosch): every pair inside a group is indistinguishable; a chain
A~B, B~C with A and C told apart never becomes a group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.exchange import SEQUENTIAL_H
from signal_diagnostics.evaluation.stats import Z95
from signal_diagnostics.pipeline.verdicts.thresholds import PAIR_ALPHA, PRACTICAL_BA
from signal_diagnostics.results import Result

# Label permutations per pair (the smallest p is 1 / (N + 1)); raised where the pairs need more
# (:func:`pair_permutations`).
DEFAULT_PERMUTATIONS = 199
# Above this many series the pair tests run on a stratified random subsample (time and memory).
PAIRS_MAX_SERIES = 5_000
DEFAULT_KERNELS = 10_000
# Stratified bootstrap resamples for the interval of a pair's balanced accuracy.
PAIR_BOOTSTRAP = 2000
POWER_RULE = (
    f"a pair is indistinguishable when it is not told apart (BH q > alpha) and the upper end of the 95% "
    f"stratified bootstrap interval ({PAIR_BOOTSTRAP} resamples of the pair's series within each class) of "
    f"its balanced accuracy is below {PRACTICAL_BA}; not told apart with a higher upper end: not enough "
    "series to tell; groups are maximal cliques of indistinguishable pairs"
)
POWER_RECORD = {
    "rule": POWER_RULE,
    "practical_balanced_accuracy": PRACTICAL_BA,
    "interval": f"stratified percentile bootstrap, {PAIR_BOOTSTRAP} resamples, 95%",
}


@dataclass(frozen=True, repr=False)
class ClassPairsResult(Result):
    """Pairwise two-class scores and tests.

    Attributes
    ----------
    classes : class names, in code order.
    matrix : ``[i][j]`` pooled out-of-fold balanced accuracy of the ridge trained on classes i and j
        alone (symmetric; the diagonal is null).
    p_values, q_values : ``[i][j]`` permutation p-value against chance and its BH q-value across pairs.
    indistinguishable : ``[i][j]`` true when the pair is indistinguishable with power (see :data:`POWER_RULE`).
    indistinguishable_groups : maximal cliques (two or more classes) of indistinguishable pairs.
    pairs : one row per pair ``{"a", "b", "balanced_accuracy", "low", "high", "p_value", "q_value",
        "distinguishable", "status", "n_series", "permutations_drawn"}`` (``permutations_drawn``: the
        permutations its p rests on, fewer than N when it stopped early); ``status`` is ``apart``, ``indistinguishable`` or
        ``too_few`` (not told apart, but too few series to tell).
    power_rule : ``{"rule", "practical_balanced_accuracy", "interval"}``: how power is judged.
    alpha, n_permutations, folds : the test's settings (``n_permutations``: N, the most per pair).
    permutations_max, sequential_h : N again and the ``h`` of the sequential stop (0: fixed design).
    method : in words.
    """

    classes: list[str]
    matrix: list[list[float | None]]
    p_values: list[list[float | None]]
    q_values: list[list[float | None]]
    indistinguishable: list[list[bool]]
    indistinguishable_groups: list[list[str]]
    pairs: list[dict]
    alpha: float
    n_permutations: int
    folds: int
    n_series: int
    n_used: int
    method: str
    power_rule: dict | None = None
    permutations_max: int = 0
    sequential_h: int = 0

    repr_fields = ("classes", "indistinguishable_groups", "alpha", "n_permutations", "folds", "n_used")


def maximal_cliques(names: list[str], linked: np.ndarray) -> list[list[str]]:
    """Maximal cliques (two or more classes) of the graph whose edges are ``linked[i, j]`` (Bron-Kerbosch, pivoting).

    Examples
    --------
    >>> chain = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], bool)  # a~b, b~c, a and c told apart
    >>> maximal_cliques(["a", "b", "c"], chain)
    [['a', 'b'], ['b', 'c']]
    """
    adj = [set(np.flatnonzero(row).tolist()) - {i} for i, row in enumerate(np.asarray(linked, bool))]
    out: list[list[int]] = []

    def grow(r: set, p: set, x: set) -> None:
        if not p and not x:
            if len(r) > 1:
                out.append(sorted(r))
            return
        pivot = max(p | x, key=lambda u: len(adj[u] & p))
        for v in sorted(p - adj[pivot]):
            grow(r | {v}, p & adj[v], x & adj[v])
            p = p - {v}
            x = x | {v}

    grow(set(), set(range(len(names))), set())
    return [[names[i] for i in c] for c in sorted(out)]


def balanced_accuracy_interval(hits: tuple[int, int], sizes: tuple[int, int], rng, n_boot: int = PAIR_BOOTSTRAP):
    """95% stratified percentile bootstrap interval of a two-class balanced accuracy.

    Resampling a class's series with replacement draws its number of correct predictions from
    ``Binomial(n_k, recall_k)``, so the bootstrap is drawn exactly without resampling rows.
    """
    if min(sizes) == 0:
        return float("nan"), float("nan")
    draws = [rng.binomial(n, h / n, size=n_boot) / n for h, n in zip(hits, sizes)]
    low, high = np.percentile((draws[0] + draws[1]) / 2, [2.5, 97.5])
    return float(low), float(high)


def pair_permutations(requested: int, n_pairs: int, alpha: float = PAIR_ALPHA) -> int:
    """Permutations per pair: ``requested``, raised until one pair alone can pass Benjamini-Hochberg.

    With ``m`` pairs the smallest BH threshold is ``alpha / m`` and the smallest permutation p-value is
    ``1 / (N + 1)``; below ``N = m / alpha`` a pair that beats every permutation could still not be told
    apart from chance, for want of permutations rather than of evidence (8 classes at ``alpha = 0.05``:
    28 pairs, at least 560 permutations).

    Examples
    --------
    >>> pair_permutations(199, n_pairs=28), pair_permutations(1000, n_pairs=28), pair_permutations(199, n_pairs=3)
    (560, 1000, 199)
    """
    return max(int(requested), int(np.ceil(n_pairs / alpha)))


def class_pairs(
    X,
    y=None,
    *,
    classes=None,
    folds: int = 5,
    groups=None,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    alpha: float = PAIR_ALPHA,
    n_kernels: int = DEFAULT_KERNELS,
    random_state: int = 0,
    max_series: int | None = PAIRS_MAX_SERIES,
    sequential_h: int | None = SEQUENTIAL_H,
    progress=None,
) -> ClassPairsResult:
    """Test every pair of classes for being told apart, cross-validated, against chance.

    Parameters
    ----------
    X : series ``(n, T, C)``; or a Dataset, ``(X, y)`` or a source
        (:func:`signal_diagnostics.data.loaders.as_check_input`), with ``y`` and ``groups`` taken from it.
    y : labels, one per series.
    classes : class names in code order; by default the labels' own (sorted).
    folds : CV folds (``signal_diagnostics.evaluation.splits.make_splits``; group-aware with ``groups``).
    groups : optional group id per series: the folds keep groups whole and the permutations move labels
        between groups, or within groups that hold several labels (:class:`signal_diagnostics.evaluation.exchange.Relabeller`).
    n_permutations : label permutations per pair, raised where the number of pairs needs more
        (:func:`pair_permutations`); the result holds the count used.
    alpha : BH q-value above which a pair counts as indistinguishable.
    n_kernels : MiniRocket kernels.
    random_state : seed of the folds, the kernels and the permutations.
    max_series : above this many series a stratified random subsample is used; ``None``: never.
    sequential_h : each pair stops drawing once ``h`` of its permutations reach its observed score
        (Besag & Clifford 1991, :mod:`signal_diagnostics.checks.pair_rounds`), ``p = h / l``; ``None``, 0
        or ``h > N``: every permutation (the fixed design).
    progress : optional ``progress(done, total)`` callback, counted in folds of the current round.

    Returns
    -------
    ClassPairsResult
    """
    from signal_diagnostics.checks.pair_rounds import PairRounds
    from signal_diagnostics.data.loaders import as_check_input
    from signal_diagnostics.evaluation.exchange import tie_draw
    from signal_diagnostics.evaluation.splits import make_splits

    data = as_check_input(X, y, groups=groups)
    X, y, groups, K = data.X, data.codes, data.groups, data.n_classes
    names = [str(c) for c in (classes if classes is not None else data.classes)]
    if len(names) != K:
        raise DataError(f"got {len(names)} class names for {K} classes")
    n_series = len(y)
    X, y, groups = _subsample(X, y, groups, max_series, random_state)
    splits = make_splits(y, folds=folds, groups=groups, random_state=random_state)
    pair_list = [(a, b) for a in range(K) for b in range(a + 1, K)]
    n_permutations = pair_permutations(n_permutations, len(pair_list), alpha)
    members, columns = _pair_columns(y, groups, pair_list, n_permutations, np.random.default_rng(random_state))
    rounds = PairRounds(X, y, splits, pair_list, members, columns, n_kernels, random_state, tie_draw(random_state))
    rounds.run(sequential_h, progress)
    rows = _pair_rows(rounds, names, columns, members, random_state)
    matrices, linked = _decide(pair_list, rows, K, alpha)
    method = _method(n_kernels, len(splits), n_permutations, groups is not None, sequential_h)
    return ClassPairsResult(
        classes=names,
        **matrices,
        indistinguishable=linked.tolist(),
        indistinguishable_groups=maximal_cliques(names, linked),
        pairs=rows,
        alpha=float(alpha),
        n_permutations=int(n_permutations),
        permutations_max=int(n_permutations),
        sequential_h=int(sequential_h or 0),
        folds=len(splits),
        n_series=int(n_series),
        n_used=int(len(y)),
        method=method,
        power_rule=dict(POWER_RECORD),
    )


def _subsample(X, y, groups, max_series: int | None, seed: int):
    """A stratified, group-aware random subsample of ``max_series`` series when there are more, else all."""
    from signal_diagnostics.data.dataset import stratified_subsample

    if max_series is None or len(y) <= max_series:
        return X, y, groups
    keep = stratified_subsample(y, int(max_series), seed=seed, groups=groups)
    return X[keep], y[keep], None if groups is None else groups[keep]


def _pair_columns(y: np.ndarray, groups, pair_list: list, n_permutations: int, rng) -> tuple[dict, dict]:
    """Per pair: its series, and its 0/1 labels with the permuted label columns (column 0: the real ones)."""
    from signal_diagnostics.evaluation.exchange import Relabeller

    members, columns = {}, {}
    for a, b in pair_list:
        idx = np.flatnonzero((y == a) | (y == b))
        truth = (y[idx] == b).astype(np.int64)
        cols = np.empty((len(idx), int(n_permutations) + 1), dtype=np.int64)
        cols[:, 0] = truth
        relabel = Relabeller(truth, None if groups is None else np.asarray(groups)[idx])
        for j in range(1, int(n_permutations) + 1):
            cols[:, j] = relabel.draw(rng)
        members[(a, b)], columns[(a, b)] = idx, cols
    return members, columns


def _pair_rows(rounds, names: list[str], columns: dict, members: dict, random_state: int) -> list[dict]:
    """One row per pair: its observed balanced accuracy with a bootstrap interval, null mean, p and draws."""
    rows = []
    boot = np.random.default_rng([random_state, 1])  # the intervals' own stream: the permutations stay as they were
    for pair in rounds.pair_list:
        observed, null = rounds.observed[pair], rounds.null[pair]
        truth, pred = columns[pair][:, 0], rounds.real_pred[pair]
        sizes = (int(np.sum(truth == 0)), int(np.sum(truth == 1)))
        hits = (int(np.sum((truth == 0) & (pred == 0))), int(np.sum((truth == 1) & (pred == 1))))
        low, high = balanced_accuracy_interval(hits, sizes, boot)
        rows.append(
            {
                "a": names[pair[0]],
                "b": names[pair[1]],
                "balanced_accuracy": float(observed),
                "low": low,
                "high": high,
                "null_mean": float(null.mean()) if len(null) else None,
                "p_value": float(rounds.p[pair]),  # ties ranked at random: exact under the null, sequential or not
                "permutations_drawn": int(rounds.drawn[pair]),
                "n_series": int(len(members[pair])),
            }
        )
    return rows


def _decide(pair_list: list, rows: list[dict], K: int, alpha: float) -> tuple[dict, np.ndarray]:
    """BH q-values across the pairs and each pair's status (:data:`POWER_RULE`), into ``rows``; the
    ``matrix``, ``p_values`` and ``q_values`` matrices and the indistinguishable links."""
    from statsmodels.stats.multitest import multipletests

    q = multipletests([row["p_value"] for row in rows], method="fdr_bh")[1] if rows else []
    mats = {name: [[None] * K for _ in range(K)] for name in ("matrix", "p_values", "q_values")}
    linked = np.zeros((K, K), dtype=bool)
    for (a, b), row, qv in zip(pair_list, rows, q):
        row["q_value"] = float(qv)
        row["distinguishable"] = bool(qv <= alpha)
        powered = bool(row["high"] < PRACTICAL_BA)  # nan (an empty class) is never powered
        row["status"] = "apart" if row["distinguishable"] else ("indistinguishable" if powered else "too_few")
        for i, j in ((a, b), (b, a)):
            mats["matrix"][i][j], mats["p_values"][i][j] = row["balanced_accuracy"], row["p_value"]
            mats["q_values"][i][j] = float(qv)
            linked[i, j] = row["status"] == "indistinguishable"
    return mats, linked


def _method(n_kernels: int, n_folds: int, n_permutations: int, grouped: bool, sequential_h: int | None) -> str:
    return (
        f"two-class MiniRocket ({n_kernels} kernels, fitted on each training fold) + standardised ridge "
        f"(leave-one-out penalty) per pair of classes, {n_folds}-fold CV, pooled out-of-fold balanced "
        f"accuracy; label-permutation test within the pair (up to {int(n_permutations)} permutations"
        f"{', respecting groups' if grouped else ''}, "
        "p = (B + J) / (N + 1), ties ranked at random"
        f"{_stop_words(sequential_h, n_permutations)}); Benjamini-Hochberg across pairs; the two-class head "
        f"fitted for balanced accuracy; {POWER_RULE}"
    )


def _stop_words(h: int | None, n: int) -> str:
    if not h or h > n:
        return ""
    return f"; a pair stops early once {h} permutations reach its score, p = {h} / permutations drawn (Besag & Clifford 1991)"


def wilson(successes: float, total: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (Wilson 1927); ``(nan, nan)`` for ``total = 0``."""
    if total <= 0:
        return float("nan"), float("nan")
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def per_class_recall(scores: dict, classes: list[str]) -> list[dict]:
    """Per-class recall of one model's cross-validated predictions with a 95% Wilson interval.

    ``scores`` is a baseline's record (``confusion`` summed over splits, ``repeats``); with repeats the
    counts are divided by the number of repeats (each series is predicted once per repeat).
    """
    conf = np.asarray(scores["confusion"], float) / max(int(scores.get("repeats") or 1), 1)
    rows = []
    for k, name in enumerate(classes):
        total, hit = conf[k].sum(), conf[k, k]
        low, high = wilson(hit, total)
        rows.append(
            {
                "class": name,
                "recall": float(hit / total) if total else None,
                "low": low,
                "high": high,
                "n": int(round(total)),
            }
        )
    return rows


__all__ = [
    "pair_permutations",
    "ClassPairsResult",
    "class_pairs",
    "per_class_recall",
    "wilson",
    "maximal_cliques",
    "balanced_accuracy_interval",
    "POWER_RULE",
    "PRACTICAL_BA",
]
