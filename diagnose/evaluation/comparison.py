"""Model against model on the same splits: the paired comparison record and its sentence.

Cross-validated pairs use the Nadeau-Bengio corrected t and the Bayesian correlated t
(:mod:`signal_diagnostics.evaluation.stats`); a fixed train/test split uses McNemar's test with a paired bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signal_diagnostics.evaluation.metrics import classification_metrics
from signal_diagnostics.evaluation.stats import (
    BAYES_METHOD,
    CorrelatedPosterior,
    bayesian_correlated_t,
    corrected_t,
    mcnemar,
    paired_differences,
)
from signal_diagnostics.pipeline.verdicts.thresholds import ALPHA, CONFIDENCE, DECISIVE, DEFAULT_ROPE, PROBABLY
from signal_diagnostics.results import Result


@dataclass(frozen=True, repr=False)
class Comparison(Result):
    """Model ``a`` against model ``b`` on the same splits: frequentist and Bayesian answers, in words."""

    a: str
    b: str
    metric: str
    mean_difference: float  # mean over splits of metric(a) - metric(b)
    ci_low: float
    ci_high: float
    p_value: float  # corrected t, two-sided, for "no difference"
    p_a_better: float | None
    p_equivalent: float | None
    p_b_better: float | None
    rope: float
    method: str
    verdict: str
    outcome: str = ""  # the verdict's conclusion alone ("x better (P = 0.97)"), without the pair and difference
    # What the decision rule (signal_diagnostics.pipeline.verdicts.outcomes) needs to say what would settle an
    # undecided pair: the standard deviation of the per-split differences and the CV design behind them.
    sd_difference: float | None = None
    n_splits: int | None = None  # folds x repeats: the splits the differences come from
    folds: int | None = None
    n_train: float | None = None  # mean training series per split
    n_test: float | None = None  # mean test series per split
    control: str = ""  # "" (ordinary), "plain" (the same stack without attention), "uniform" (uniform weights)

    repr_fields = ("verdict", "p_value", "method")


def points(x: float) -> str:
    """A score difference in percentage points, signed, never "-0.0" (``0.031`` -> ``"+3.1"``)."""
    value = round(100 * x, 1)
    return f"{value if value != 0 else 0.0:+.1f}"  # no "-0.0"


def comparison_verdict(a: str, b: str, mean: float, low: float, high: float, posterior: CorrelatedPosterior) -> str:
    """One line: the difference in points with its interval, then the most probable Bayesian outcome.

    Examples: ``"bilstm_attention vs bilstm: +0.4 points [-1.2, +2.0]; practically equivalent
    (P = 0.97)"``; below :data:`DECISIVE` the outcome is hedged ("probably ...") and below :data:`PROBABLY` it is
    "undecided".
    """
    head = f"{a} vs {b}: {points(mean)} points [{points(low)}, {points(high)}]"
    return f"{head}; {comparison_outcome(a, b, posterior)}"


def comparison_outcome(a: str, b: str, posterior: CorrelatedPosterior) -> str:
    """The most probable Bayesian outcome in words (the conclusion of :func:`comparison_verdict`)."""
    outcomes = {
        f"{a} better": posterior.p_a_better,
        "practically equivalent": posterior.p_equivalent,
        f"{b} better": posterior.p_b_better,
    }
    label, p = max(outcomes.items(), key=lambda kv: kv[1])
    if p >= DECISIVE:
        words = f"{label} (P = {p:.2f})"
    elif p >= PROBABLY:
        words = f"probably {label} (P = {p:.2f})"
    else:
        words = f"undecided (P: {a} better {posterior.p_a_better:.2f}, equivalent {posterior.p_equivalent:.2f}, {b} better {posterior.p_b_better:.2f})"
    return words


# A difference of two scores in [0, 1] lies in [-1, 1]: the interval is clipped there (its method says so).
DIFFERENCE_RANGE = (-1.0, 1.0)


def compare_paired(
    a: str,
    b: str,
    a_scores,
    b_scores,
    *,
    n_train: float,
    n_test: float,
    folds: int,
    repeats: int = 1,
    rope: float = DEFAULT_ROPE,
    metric: str = "balanced_accuracy",
    confidence: float = CONFIDENCE,
    control: str = "",
) -> Comparison:
    """Compare two models' per-split scores on identical splits.

    The corrected t gives the interval and p-value, the Bayesian correlated t the probabilities that
    ``a`` is better by more than ``rope``, practically equivalent, or worse; the verdict says both.

    Examples
    --------
    >>> c = compare_paired("x", "y", [0.8, 0.8, 0.8], [0.8, 0.8, 0.8], n_train=20, n_test=10, folds=3)
    >>> c.verdict
    'x vs y: +0.0 points [+0.0, +0.0]; practically equivalent (P = 1.00)'
    """
    diffs = paired_differences(a_scores, b_scores)
    ci, p = corrected_t(
        diffs, n_train, n_test, folds=folds, repeats=repeats, confidence=confidence, bounds=DIFFERENCE_RANGE
    )
    post = bayesian_correlated_t(diffs, n_train, n_test, rope=rope)
    method = f"{ci.method}; {BAYES_METHOD.format(rope=rope)}"
    return Comparison(
        a=a,
        b=b,
        metric=metric,
        mean_difference=ci.mean,
        ci_low=ci.low,
        ci_high=ci.high,
        p_value=p,
        p_a_better=post.p_a_better,
        p_equivalent=post.p_equivalent,
        p_b_better=post.p_b_better,
        rope=float(rope),
        method=method,
        verdict=comparison_verdict(a, b, ci.mean, ci.low, ci.high, post),
        outcome=comparison_outcome(a, b, post),
        sd_difference=float(np.std(diffs, ddof=1)) if diffs.size > 1 else 0.0,
        n_splits=int(diffs.size),
        folds=int(folds),
        n_train=float(n_train),
        n_test=float(n_test),
        control=control,
    )


FIXED_SPLIT_BOOTSTRAP = 2000  # paired bootstrap resamples of the test series for the difference's interval


def compare_fixed_split(
    a: str,
    b: str,
    y_true,
    pred_a,
    pred_b,
    *,
    metric: str = "balanced_accuracy",
    confidence: float = CONFIDENCE,
    seed: int = 0,
    rope: float = DEFAULT_ROPE,
    control: str = "",
) -> Comparison:
    """Compare two models trained once on one fixed train/test split (Dietterich 1998: McNemar).

    The p-value is McNemar's (do the models err on different test series?); the interval of the metric
    difference is a paired percentile bootstrap over the test series. There is no Bayesian posterior
    for a single split, so the three probabilities are None.
    """
    y, pa, pb = (np.asarray(v).ravel() for v in (y_true, pred_a, pred_b))
    k = int(max(y.max(), pa.max(), pb.max())) + 1
    diff = lambda idx: (
        classification_metrics(y[idx], pa[idx], k)[metric] - classification_metrics(y[idx], pb[idx], k)[metric]
    )
    observed = diff(np.arange(y.size))
    rng = np.random.default_rng(seed)
    boot = [diff(rng.integers(0, y.size, y.size)) for _ in range(FIXED_SPLIT_BOOTSTRAP)]
    low, high = np.clip(np.percentile(boot, [50 * (1 - confidence), 50 * (1 + confidence)]), *DIFFERENCE_RANGE)
    test = mcnemar(y, pa, pb)
    if test.p_value <= ALPHA:
        words = f"{a if test.a_only_correct > test.b_only_correct else b} better (McNemar p = {test.p_value:.3g})"
    else:
        words = f"no detectable difference (McNemar p = {test.p_value:.3g})"
    method = (
        f"{test.method} on one fixed split ({y.size} test series); paired percentile bootstrap "
        f"{confidence:.0%} interval ({FIXED_SPLIT_BOOTSTRAP} resamples)"
    )
    return Comparison(
        a=a,
        b=b,
        metric=metric,
        mean_difference=float(observed),
        ci_low=float(low),
        ci_high=float(high),
        p_value=test.p_value,
        p_a_better=None,
        p_equivalent=None,
        p_b_better=None,
        rope=float(rope),
        method=method,
        verdict=f"{a} vs {b}: {points(observed)} points [{points(low)}, {points(high)}]; {words}",
        outcome=words,
        n_splits=1,
        n_test=float(y.size),
        control=control,
    )
