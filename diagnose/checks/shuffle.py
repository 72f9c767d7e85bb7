"""The label-shuffle (permutation) test: is the cross-validated score better than chance?

Ojala & Garriga (2010), "Permutation tests for studying classifier performance", test 1: the labels
are permuted, the whole cross-validation is run again on every permutation, and
``p = (B + J) / (N + 1)``: ``B`` null scores above the observed one, and ``J``, the observed score's rank
among itself and its ``E`` ties, drawn uniformly from ``1 .. E + 1`` (``J = 1 + floor(U (E + 1))``, ``U``
from the test's seed). Scores such as balanced accuracy tie often (exactly chance on both sides when a
model predicts one class), and counting every tie against the observed score would make p
conservative, piled up near 1 on pure noise; the random rank makes p exactly uniform on the grid
``1/(N + 1), ..., 1`` under the null. Without ties it is ``(#{null >= observed} + 1) / (N + 1)``; the
smallest possible p is ``1 / (N + 1)`` either way.

Several heads, one test: no single representation may decide "is there signal?" (MiniRocket's
zero-sum kernels barely see a class that differs only in a channel's level). The default statistic is
the best cross-validated score over :data:`DEFAULT_HEADS`; every permutation is scored by every head on
the same permuted labels and the observed maximum is compared with the null of the maximum
(Westfall & Young 1993, max-T), so choosing the best head happens inside the test and the p-value stays
exact. Each head's own p-value and its max-T adjusted p-value (family-wise error over the heads) are
kept as well.

How each head runs (refit, or the fast ridge path) is :mod:`signal_diagnostics.checks.shuffle_paths`.

The draws stop once the answer is decided (sequential Monte Carlo p-values, Besag & Clifford 1991;
:mod:`signal_diagnostics.checks.shuffle_rounds`): once ``h`` (default 20) null maxima have reached the
observed maximum after ``l`` draws, ``p = h / l`` and the null is those ``l`` draws, the first ``l`` of
the fixed design's sequence; otherwise all N are drawn and p is as above. Exact either way; on pure noise
about a tenth of the draws. ``sequential_h=0`` draws every permutation.

The permutations are ``check_random_state(random_state).permutation(n)``, drawn in order, which is
what :func:`sklearn.model_selection.permutation_test_score` draws for the same ``random_state``. The
folds are made once from the true labels and kept for every permutation (pass the same list of
pairs, given here as ``folds``, as ``cv`` to ``permutation_test_score`` to reproduce it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from signal_diagnostics.checks.shuffle_draws import draws, group_index, resolve_splits
from signal_diagnostics.checks.shuffle_paths import METHODS, model_name
from signal_diagnostics.checks.shuffle_rounds import Rounds
from signal_diagnostics.data.loaders import as_check_input
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.exchange import SEQUENTIAL_H, permutation_p
from signal_diagnostics.evaluation.metrics import check_metric
from signal_diagnostics.results import Progress, Result, html_table

# The default heads: MiniRocket sees shapes but not levels (its kernels sum to zero), the summary head
# sees each channel's level, spread, trend, memory and spectrum, the raw head the values at each step.
DEFAULT_HEADS = ("minirocket", "summary_ridge", "raw_ridge")


@dataclass(frozen=True, repr=False)
class HeadScore(Result):
    """One head of a label-shuffle test: its own score, null and p-values.

    Attributes
    ----------
    name : the head (a baseline name or an estimator's class name).
    observed : its cross-validated score with the true labels.
    null_mean, null_std : mean and standard deviation (ddof=1) of its scores on the permuted labels.
    p_value : its own permutation p-value, ``(#{null_h > observed_h} + J) / (N + 1)`` with ties ranked at
        random (:func:`p_value`); valid for this head alone, not after choosing the best head.
    p_adjusted : single-step max-T p-value (Westfall & Young 1993), the same against the null of the
        maximum: controls the family-wise error rate over the heads. Every p of one test shares the tie
        draw ``U``, so ``p_adjusted >= p_value`` and the best head's ``p_adjusted`` is the test's p.
    method : ``"ridge-fast"`` or ``"refit"``.
    """

    name: str
    observed: float
    null_mean: float
    null_std: float
    p_value: float
    p_adjusted: float
    method: str


@dataclass(frozen=True, repr=False)
class ShuffleResult(Result):
    """Outcome of a label-shuffle test.

    With several heads the statistic is the best head's score: every permutation is scored by every
    head on the same permuted labels and the maximum is kept, so the choice of the best head happens
    inside the test and ``p_value`` stays exact (max-T, Westfall & Young 1993).

    Attributes
    ----------
    model : the statistic: the head's name, or ``"max(a, b, ...)"`` over several heads.
    metric : the score (mean over folds) compared.
    observed : the statistic with the true labels (the best head's score).
    null_scores : the statistic on each permutation (the maximum over heads), in the order drawn.
    null_mean, null_std : mean and standard deviation (ddof=1) of the null scores; ``null_mean`` is the
        chance level of the statistic (above ``1 / K`` when it is a maximum over heads).
    p_value : with every permutation drawn, ``(#{null > observed} + J) / (N + 1)``, ``J`` the observed
        score's random rank among its ties (:func:`p_value`): exactly uniform under the null; its smallest
        possible value is ``1 / (N + 1)``. Stopped early (``h`` null scores reached the observed one after
        ``l`` draws): ``h / l`` (Besag & Clifford 1991), exact too, only discrete.
    n_permutations : N, the most permutations the test may draw.
    permutations_drawn : ``l``, the permutations the p-value and the null rest on (N unless stopped early).
    permutations_max : N again, beside ``permutations_drawn``.
    sequential_h : the ``h`` of the sequential stopping rule; 0 for the fixed design.
    method : ``"ridge-fast"``, ``"refit"`` or ``"mixed"`` (heads on both paths).
    effect_size : ``(observed - null_mean) / null_std``.
    heads : one :class:`HeadScore` dict per head, in the order given.
    best_head : the head with the highest observed score (the first on ties).
    seconds : wall time of the test.
    """

    repr_fields: ClassVar[tuple[str, ...]] = (
        "model",
        "metric",
        "observed",
        "null_mean",
        "null_std",
        "p_value",
        "n_permutations",
        "method",
        "effect_size",
    )

    model: str
    metric: str
    observed: float
    null_scores: list[float]
    null_mean: float
    null_std: float
    p_value: float
    n_permutations: int
    method: str
    effect_size: float
    heads: list[dict] = field(default_factory=list)
    best_head: str = ""
    seconds: float = 0.0
    permutations_drawn: int = 0
    permutations_max: int = 0
    sequential_h: int = 0

    @property
    def stopped_early(self) -> bool:
        """Whether the draws stopped before N because p was clearly large."""
        return 0 < self.permutations_drawn < self.n_permutations

    def _repr_html_(self) -> str:
        return html_table(
            ["observed", "null mean", "null std", "p-value", "permutations", "method"],
            [[self.observed, self.null_mean, self.null_std, f"{self.p_value:.4g}", self.n_permutations, self.method]],
            caption=f"label-shuffle test: {self.model}, {self.metric}",
        )


def p_value(observed: float, null_scores: Sequence[float], u: float | None = None) -> float:
    """Permutation p-value ``(B + J) / (N + 1)``: ``B`` null scores above ``observed``, ties ranked at random by ``u``.

    ``J = 1 + floor(u * (E + 1))`` for ``E`` ties (:func:`signal_diagnostics.evaluation.exchange.permutation_p`),
    so p is exactly uniform on the grid ``1 / (N + 1), ..., 1`` under the null; ``u=None`` counts every
    tie against the observed score, ``(#{null >= observed} + 1) / (N + 1)`` (Ojala & Garriga 2010, eq. 1).
    """
    return permutation_p(observed, null_scores, u)


def _spread(null: np.ndarray) -> float:
    return float(np.std(null, ddof=1)) if len(null) > 1 else 0.0


def shuffle_test(
    X: Any,
    y: Any = None,
    *,
    model: Any = DEFAULT_HEADS,
    n_permutations: int = 1000,
    folds: Any = 5,
    groups: Any = None,
    metric: str = "balanced_accuracy",
    random_state: Any = 0,
    n_jobs: int = 1,
    progress: Progress | None = None,
    method: str = "auto",
    sequential_h: int | None = SEQUENTIAL_H,
) -> ShuffleResult:
    """Label-shuffle test: does the best of several models score better with the true labels than with permuted ones?

    Parameters
    ----------
    X : series ``(n, T, C)`` for baseline names and MiniRocket; any shape the estimator takes otherwise.
        A Dataset (or ``(X, y)``, a source) gives X, y and groups.
    y : labels, one per series.
    model : one head or a list of heads, each a baseline name (``baselines.available()``) or any
        scikit-learn classifier. The default heads (:data:`DEFAULT_HEADS`) see different things:
        MiniRocket shapes, per-channel summaries (level, spread, slope, autocorrelation, band power) and
        the raw values at each step, so no single representation's blind spot decides the answer. With
        several heads the statistic is the best head's score, and every permutation is scored by every
        head (max-T, Westfall & Young 1993), so the choice of head is inside the test.
    n_permutations : N; the smallest reachable p-value is ``1 / (N + 1)``.
    folds : number of stratified folds (``signal_diagnostics.evaluation.splits.make_splits(y, folds=folds,
        groups=groups, random_state=random_state)``), or a :class:`~signal_diagnostics.evaluation.splits.Splits` / list of ``(train, test)``
        index pairs; the same folds serve every permutation and every head.
    groups : optional group id per series; labels are then permuted between groups (each group's label
        moves as a block) and the folds keep groups whole. Every group must hold one label.
    metric : one of :data:`signal_diagnostics.evaluation.metrics.METRICS`; the mean over folds is compared.
        Heads given by name are fitted for it (``class_weight="balanced"``, each class counting equally,
        except for ``"accuracy"``: :func:`signal_diagnostics.evaluation.metrics.class_weight_for`).
    random_state : seed of the permutations (``sklearn.utils.check_random_state(random_state)
        .permutation(n)``, the draws of ``permutation_test_score``), of the folds, of the baselines and
        of the tie-break ``U`` (:func:`signal_diagnostics.evaluation.exchange.tie_draw`).
    n_jobs : parallel refits (refit path only).
    progress : optional ``progress(done, total)`` callback, counted in permutations times heads.
    method : ``"auto"`` (fast for every head that allows it), ``"ridge-fast"`` or ``"refit"``.
    sequential_h : stop drawing permutations once ``h`` null statistics have reached the observed one
        (Besag & Clifford 1991, :mod:`signal_diagnostics.checks.shuffle_rounds`): ``p = h / l`` after ``l``
        draws, exact and much cheaper on noise; ``None`` or 0 draws all N (the fixed design), as does any
        ``h > N``.

    Returns
    -------
    ShuffleResult

    Raises
    ------
    DataError
        On an unknown metric or model name, fewer than one permutation, a group that holds two labels,
        or a class too small for ``folds`` folds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import RidgeClassifierCV
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 30)
    >>> X = rng.standard_normal((60, 5)) + y[:, None]
    >>> r = shuffle_test(X, y, model=RidgeClassifierCV(), n_permutations=99)
    >>> r.method, r.p_value
    ('ridge-fast', 0.01)
    """
    start = time.perf_counter()
    data = as_check_input(X, y, groups=groups, shaped=False)
    heads, names, n_permutations = _options(model, metric, method, n_permutations, sequential_h)
    codes = data.codes
    group_info = None if data.groups is None else group_index(data.groups, codes)
    pairs = resolve_splits(codes, folds, data.groups, random_state)
    draw = draws(codes, group_info, n_permutations, random_state)
    run = Rounds(data.X, codes, data.n_classes, heads, pairs, draw, n_permutations, metric, random_state).run(
        method, n_jobs, progress, sequential_h
    )
    return _summary(run, names, metric, n_permutations, sequential_h, round(time.perf_counter() - start, 3))


def _options(model: Any, metric: str, method: str, n_permutations: Any, sequential_h: Any) -> tuple[list, list, int]:
    """Refuse a bad option with one line; the heads, their names and N as an int."""
    check_metric(metric)
    if method not in METHODS:
        raise DataError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    if int(n_permutations) != n_permutations or n_permutations < 1:
        raise DataError(
            f"n_permutations must be a positive integer; got {n_permutations!r}: use 1000 (or 99 for a quick look)"
        )
    if sequential_h is not None and (int(sequential_h) != sequential_h or sequential_h < 0):
        raise DataError(
            f"sequential_h must be a non-negative integer (0: draw every permutation); got {sequential_h!r}"
        )
    heads = list(model) if isinstance(model, (list, tuple)) else [model]
    if not heads:
        raise DataError("no model to test: give a baseline name, an estimator or a list of them")
    names = [model_name(h) for h in heads]
    if len(set(names)) != len(names):
        raise DataError(f"the shuffle test's heads repeat ({', '.join(names)}): give each once")
    return heads, names, int(n_permutations)


def _head_scores(run: Rounds, names: list[str], adjusted: list[float], own: list[float]) -> list[dict]:
    """One :class:`HeadScore` record per head, in the order given."""
    return [
        HeadScore(
            name=n,
            observed=float(o),
            null_mean=float(nl.mean()),
            null_std=_spread(nl),
            p_value=po,
            p_adjusted=pa,
            method=r[2],
        ).to_dict()
        for n, o, nl, r, po, pa in zip(names, run.observed, run.null, run.results, own, adjusted)
    ]


def _summary(
    run: Rounds, names: list[str], metric: str, n_permutations: int, sequential_h: int | None, seconds: float
) -> ShuffleResult:
    """The test's result from its rounds: the statistic is the best head's score (max-T)."""
    null = run.null.max(axis=0)  # the statistic on each permutation: the best head on those labels
    best = int(np.argmax(run.observed))
    observed = float(run.observed[best])
    p, adjusted, own = run.p_values(sequential_h)
    paths = {r[2] for r in run.results}
    null_mean, null_std = float(np.mean(null)), _spread(null)
    effect = (observed - null_mean) / null_std if null_std > 0 else (math.inf if observed > null_mean else math.nan)
    return ShuffleResult(
        model=names[0] if len(names) == 1 else f"max({', '.join(names)})",
        metric=metric,
        observed=observed,
        null_scores=[float(v) for v in null],
        null_mean=null_mean,
        null_std=null_std,
        p_value=p,
        n_permutations=n_permutations,
        permutations_drawn=int(run.null.shape[1]),
        permutations_max=n_permutations,
        sequential_h=int(sequential_h or 0),
        method=paths.pop() if len(paths) == 1 else "mixed",
        effect_size=float(effect),
        heads=_head_scores(run, names, adjusted, own),
        best_head=names[best],
        seconds=seconds,
    )
