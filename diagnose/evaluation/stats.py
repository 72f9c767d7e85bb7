"""Statistics over cross-validation scores that do not treat repeated folds as independent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from signal_diagnostics.pipeline.verdicts.thresholds import CONFIDENCE, DEFAULT_ROPE
from signal_diagnostics.results import Result

# z for a two-sided 95% normal interval (Wilson, Hanley-McNeil).
Z95 = 1.959963984540054
NB_METHOD = "Nadeau-Bengio corrected resampled t ({k} folds x {r} repeats), {level:.0%}"


@dataclass(frozen=True, repr=False)
class Interval(Result):
    """A mean over CV folds with its interval and the method that made it."""

    mean: float
    low: float
    high: float
    method: str


def corrected_t(
    scores,
    n_train: int,
    n_test: int,
    *,
    folds: int,
    repeats: int = 1,
    confidence: float = CONFIDENCE,
    bounds: tuple[float, float] | None = None,
) -> tuple[Interval, float]:
    """Nadeau & Bengio (2003) corrected resampled t over ``folds * repeats`` CV scores (or differences).

    The variance is inflated by ``n_test / n_train`` because training sets overlap between folds:
    ``var * (1 / (k r) + n_test / n_train)``, with ``k r - 1`` degrees of freedom. With ``bounds``
    (e.g. ``(0, 1)`` for a score), the interval is clipped to the metric's range and the method says so.

    Returns the interval and the two-sided p-value for a mean of zero.
    """
    x = np.asarray(scores, float).ravel()
    m = x.size
    mean = float(x.mean())
    method = NB_METHOD.format(k=folds, r=repeats, level=confidence)
    var = float(x.var(ddof=1)) if m > 1 else 0.0
    se = np.sqrt(var * (1.0 / m + n_test / n_train))
    if m < 2 or se == 0.0:
        return Interval(mean, mean, mean, method), (1.0 if mean == 0.0 else 0.0)
    tcrit = stats.t.ppf(0.5 + confidence / 2, df=m - 1)
    p = float(2 * stats.t.sf(abs(mean) / se, df=m - 1))
    low, high = mean - tcrit * se, mean + tcrit * se
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
        method += f", clipped to [{bounds[0]:g}, {bounds[1]:g}]"
    return Interval(mean, float(low), float(high), method), p


# ---------------------------------------------------------------------------------------------------
# Paired comparisons of two models scored on the same splits
# ---------------------------------------------------------------------------------------------------

MCNEMAR_EXACT_BELOW = 25  # discordant pairs under which McNemar uses the exact binomial (common rule)
BAYES_METHOD = "Bayesian correlated t (Benavoli et al. 2017), ROPE +-{rope:g}"


def paired_differences(a_scores, b_scores) -> np.ndarray:
    """Per-split differences ``a - b`` of two models scored on the same splits (refused when lengths differ)."""
    a = np.asarray(a_scores, float).ravel()
    b = np.asarray(b_scores, float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired scores need one value per split for both models; got {a.size} and {b.size}")
    if a.size == 0:
        raise ValueError("no scores to compare")
    return a - b


def nadeau_bengio(
    a_scores, b_scores, n_train: float, n_test: float, folds: int, repeats: int = 1, *, confidence: float = CONFIDENCE
) -> tuple[Interval, float]:
    """Nadeau-Bengio corrected paired t-test of two models scored on identical CV splits.

    Parameters
    ----------
    a_scores, b_scores : one score per split for each model, in the same split order.
    n_train, n_test : (mean) training and test set sizes of a split.
    folds, repeats : the CV design (``folds * repeats`` scores each).
    confidence : level of the interval.

    Returns
    -------
    (Interval, p) : the mean difference ``a - b`` with its corrected interval, and the two-sided
        p-value for "no difference". See :func:`corrected_t`.

    Examples
    --------
    >>> ci, p = nadeau_bengio([0.8, 0.82, 0.79], [0.7, 0.71, 0.72], 20, 10, folds=3)
    >>> round(ci.mean, 3), p < 0.05
    (0.093, True)
    """
    return corrected_t(
        paired_differences(a_scores, b_scores), n_train, n_test, folds=folds, repeats=repeats, confidence=confidence
    )


@dataclass(frozen=True, repr=False)
class CorrelatedPosterior(Result):
    """Posterior of the mean difference ``a - b`` from the Bayesian correlated t-test.

    The posterior is Student t with ``df`` degrees of freedom, location ``mean`` and ``scale``; the
    three probabilities split it at ``-rope`` and ``+rope`` and sum to 1.
    """

    p_a_better: float  # P(diff > rope)
    p_equivalent: float  # P(-rope <= diff <= rope)
    p_b_better: float  # P(diff < -rope)
    mean: float
    scale: float
    df: int
    rope: float

    repr_fields = ("p_a_better", "p_equivalent", "p_b_better", "mean", "rope")


def bayesian_correlated_t(diffs, n_train: float, n_test: float, rope: float = DEFAULT_ROPE) -> CorrelatedPosterior:
    """Bayesian correlated t-test (Benavoli, Corani, Demsar & Zaffalon 2017, JMLR 18(77)).

    The differences ``a - b`` on ``n`` CV splits are correlated because training sets overlap; with
    ``rho = n_test / (n_train + n_test)`` (``1 / folds`` for k-fold) the posterior of the mean
    difference is Student t with ``n - 1`` degrees of freedom, location the mean and scale
    ``sqrt((1 / n + rho / (1 - rho)) * var)``, as in baycomp's ``CorrelatedTTest``.

    Parameters
    ----------
    diffs : per-split differences ``a - b``.
    n_train, n_test : (mean) training and test set sizes of a split.
    rope : half-width of the region of practical equivalence, in metric units (0.01 = 1 point).

    Returns
    -------
    CorrelatedPosterior
        With zero variance (identical differences on every split) the posterior is a point mass at
        the mean: each probability is 0 or 1. With ``rope = 0`` a mean of exactly 0 then counts as
        equivalent (baycomp splits it 0.5 / 0.5).
    """
    d = np.asarray(diffs, float).ravel()
    n = d.size
    if n < 2:
        raise ValueError(f"the correlated t-test needs at least 2 splits; got {n}")
    if rope < 0:
        raise ValueError(f"rope must be >= 0; got {rope}")
    rho = n_test / (n_train + n_test)
    mean = float(d.mean())
    var = float(d.var(ddof=1))
    scale = float(np.sqrt((1.0 / n + rho / (1.0 - rho)) * var))
    if scale == 0.0:
        a_better, b_better = float(mean > rope), float(mean < -rope)
    else:
        a_better = float(stats.t.sf(rope, df=n - 1, loc=mean, scale=scale))
        b_better = float(stats.t.cdf(-rope, df=n - 1, loc=mean, scale=scale))
    equivalent = max(0.0, 1.0 - a_better - b_better)
    return CorrelatedPosterior(a_better, equivalent, b_better, mean, scale, n - 1, float(rope))


@dataclass(frozen=True, repr=False)
class McNemarResult(Result):
    """McNemar's test on one fixed train/test split: do two classifiers err on different series?"""

    statistic: float
    p_value: float
    a_only_correct: int  # series a gets right and b gets wrong
    b_only_correct: int  # series b gets right and a gets wrong
    n: int
    accuracy_difference: float  # accuracy(a) - accuracy(b) on these series
    exact: bool
    method: str

    repr_fields = ("statistic", "p_value", "a_only_correct", "b_only_correct", "n", "method")


def mcnemar(y_true, pred_a, pred_b, *, exact: bool | None = None) -> McNemarResult:
    """McNemar's test for two classifiers trained once and tested on the same series (Dietterich 1998).

    Parameters
    ----------
    y_true, pred_a, pred_b : true labels and the two models' predictions, one per test series.
    exact : exact binomial test; by default when fewer than 25 series are discordant, else the
        continuity-corrected chi-square (statsmodels ``mcnemar``).

    Returns
    -------
    McNemarResult
    """
    from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

    y, a, b = (np.asarray(v).ravel() for v in (y_true, pred_a, pred_b))
    if not (y.shape == a.shape == b.shape) or y.size == 0:
        raise ValueError(f"y_true, pred_a and pred_b need the same non-zero length; got {y.size}, {a.size}, {b.size}")
    ok_a, ok_b = a == y, b == y
    table = np.array([[np.sum(ok_a & ok_b), np.sum(ok_a & ~ok_b)], [np.sum(~ok_a & ok_b), np.sum(~ok_a & ~ok_b)]])
    a_only, b_only = int(table[0, 1]), int(table[1, 0])
    if exact is None:
        exact = a_only + b_only < MCNEMAR_EXACT_BELOW
    if a_only + b_only == 0:
        statistic, p = 0.0, 1.0
    else:
        res = sm_mcnemar(table, exact=exact, correction=True)
        statistic, p = float(res.statistic), float(res.pvalue)
    method = "McNemar exact binomial" if exact else "McNemar chi-square, continuity-corrected"
    return McNemarResult(statistic, p, a_only, b_only, int(y.size), (a_only - b_only) / y.size, bool(exact), method)
