"""Paired comparison statistics: corrected t, Bayesian correlated t, McNemar, Comparison verdicts."""

import dataclasses
import json

import numpy as np
import pytest
from scipy import stats

from signal_diagnostics.evaluation.comparison import Comparison, compare_paired
from signal_diagnostics.evaluation.stats import bayesian_correlated_t, corrected_t, mcnemar, nadeau_bengio

FOLDS, REPEATS = 5, 2
N_TEST = 40
N_TRAIN = (FOLDS - 1) * N_TEST  # k-fold sizes: rho = n_test / (n_train + n_test) = 1 / folds


def _scores(seed, shift=0.0, n=FOLDS * REPEATS, sd=0.02):
    rng = np.random.default_rng(seed)
    base = 0.7 + rng.normal(0, sd, n)
    return base, base + shift + rng.normal(0, sd, n)


def _naive_interval(diffs, confidence=0.95):
    m = len(diffs)
    se = diffs.std(ddof=1) / np.sqrt(m)
    t = stats.t.ppf(0.5 + confidence / 2, m - 1)
    return diffs.mean() - t * se, diffs.mean() + t * se


def test_corrected_interval_is_wider_than_naive_paired_t():
    b, a = _scores(0, shift=0.01)
    ci, _ = nadeau_bengio(a, b, N_TRAIN, N_TEST, folds=FOLDS, repeats=REPEATS)
    low, high = _naive_interval(a - b)
    assert ci.low < low and ci.high > high
    assert ci.mean == pytest.approx((a - b).mean())


def test_corrected_p_value_is_larger_than_naive_paired_t():
    b, a = _scores(1, shift=0.01)
    _, p = nadeau_bengio(a, b, N_TRAIN, N_TEST, folds=FOLDS, repeats=REPEATS)
    assert p > stats.ttest_rel(a, b).pvalue


def test_nadeau_bengio_equals_corrected_t_on_differences():
    b, a = _scores(2, shift=0.02)
    ci, p = nadeau_bengio(a, b, N_TRAIN, N_TEST, folds=FOLDS, repeats=REPEATS)
    ci2, p2 = corrected_t(a - b, N_TRAIN, N_TEST, folds=FOLDS, repeats=REPEATS)
    assert (ci, p) == (ci2, p2)


def test_nadeau_bengio_refuses_unpaired_scores():
    with pytest.raises(ValueError, match="one value per split"):
        nadeau_bengio([0.1, 0.2, 0.3], [0.1, 0.2], 20, 10, folds=3)


@pytest.mark.parametrize("shift", [-0.05, 0.0, 0.004, 0.03])
def test_bayesian_probabilities_sum_to_one(shift):
    b, a = _scores(3, shift=shift)
    post = bayesian_correlated_t(a - b, N_TRAIN, N_TEST, rope=0.01)
    assert post.p_a_better + post.p_equivalent + post.p_b_better == pytest.approx(1.0)
    assert min(post.p_a_better, post.p_equivalent, post.p_b_better) >= 0.0


def _baycomp_probs(x, y, rope, runs):
    """baycomp 1.0.3 CorrelatedTTest.compute_statistics + Posterior.probs, recomputed (diff = y - x)."""
    diff = np.asarray(y) - np.asarray(x)
    n = len(diff)
    nfolds = n / runs
    mean = np.mean(diff)
    var = np.var(diff, ddof=1) * (1 / n + 1 / (nfolds - 1))
    pl = stats.t.cdf(-rope, n - 1, mean, np.sqrt(var))
    pr = 1 - stats.t.cdf(rope, n - 1, mean, np.sqrt(var))
    return pl, 1 - pl - pr, pr


@pytest.mark.parametrize("seed,shift", [(4, 0.0), (5, 0.01), (6, -0.02)])
def test_bayesian_correlated_t_matches_baycomp_closed_form(seed, shift):
    b, a = _scores(seed, shift=shift)
    post = bayesian_correlated_t(a - b, N_TRAIN, N_TEST, rope=0.01)
    # baycomp's left is "x better" with diff = y - x: x = a, y = b
    left, rope, right = _baycomp_probs(a, b, 0.01, REPEATS)
    assert post.p_a_better == pytest.approx(left, abs=1e-12)
    assert post.p_equivalent == pytest.approx(rope, abs=1e-12)
    assert post.p_b_better == pytest.approx(right, abs=1e-12)
    assert post.df == FOLDS * REPEATS - 1


def test_bayesian_correlated_t_zero_variance_is_a_point_mass():
    post = bayesian_correlated_t(np.full(6, 0.03), 40, 20, rope=0.01)
    assert (post.p_a_better, post.p_equivalent, post.p_b_better) == (1.0, 0.0, 0.0)
    inside = bayesian_correlated_t(np.zeros(6), 40, 20, rope=0.01)
    assert (inside.p_a_better, inside.p_equivalent, inside.p_b_better) == (0.0, 1.0, 0.0)


def test_bayesian_posterior_is_wider_than_uncorrected():
    diffs = _scores(7, shift=0.01)[1] - _scores(7, shift=0.01)[0]
    post = bayesian_correlated_t(diffs, N_TRAIN, N_TEST)
    assert post.scale > diffs.std(ddof=1) / np.sqrt(len(diffs))


def test_clearly_better_model_is_called_better():
    b, a = _scores(8, shift=0.10, sd=0.01)
    c = compare_paired("big", "small", a, b, n_train=N_TRAIN, n_test=N_TEST, folds=FOLDS, repeats=REPEATS)
    assert c.p_a_better > 0.95 and c.p_value < 0.05
    assert c.ci_low > 0
    assert "big better" in c.verdict and "probably" not in c.verdict


def test_clearly_worse_model_is_called_worse():
    b, a = _scores(9, shift=-0.10, sd=0.01)
    c = compare_paired("new", "old", a, b, n_train=N_TRAIN, n_test=N_TEST, folds=FOLDS, repeats=REPEATS)
    assert c.p_b_better > 0.95
    assert "old better" in c.verdict


def test_identical_scores_are_practically_equivalent():
    scores = _scores(10)[0]
    c = compare_paired("a", "b", scores, scores.copy(), n_train=N_TRAIN, n_test=N_TEST, folds=FOLDS, repeats=REPEATS)
    assert c.p_equivalent == 1.0 and c.p_value == 1.0 and c.mean_difference == 0.0
    assert "practically equivalent (P = 1.00)" in c.verdict


def test_noisy_small_difference_is_not_decided():
    b, a = _scores(11, shift=0.01, sd=0.08)
    c = compare_paired("a", "b", a, b, n_train=N_TRAIN, n_test=N_TEST, folds=FOLDS, repeats=REPEATS)
    assert max(c.p_a_better, c.p_equivalent, c.p_b_better) < 0.95
    assert "probably" in c.verdict or "undecided" in c.verdict


def test_comparison_to_dict_is_plain_json():
    b, a = _scores(12, shift=0.02)
    c = compare_paired("a", "b", a, b, n_train=N_TRAIN, n_test=N_TEST, folds=FOLDS, repeats=REPEATS)
    d = json.loads(json.dumps(c.to_dict(), allow_nan=False))
    assert set(d) == {f.name for f in dataclasses.fields(Comparison)}
    assert d["mean_difference"] == pytest.approx((a - b).mean())


def _predictions(table, seed=0):
    """y_true and two prediction vectors realising a 2 x 2 table [[both right, a only], [b only, neither]]."""
    (both, a_only), (b_only, neither) = table
    n = both + a_only + b_only + neither
    y = np.random.default_rng(seed).integers(0, 3, n)
    wrong = (y + 1) % 3
    ok_a = np.repeat([True, True, False, False], [both, a_only, b_only, neither])
    ok_b = np.repeat([True, False, True, False], [both, a_only, b_only, neither])
    return y, np.where(ok_a, y, wrong), np.where(ok_b, y, wrong)


@pytest.mark.parametrize("table,exact", [([[30, 9], [2, 9]], True), ([[200, 40], [18, 42]], False)])
def test_mcnemar_matches_statsmodels_on_hand_table(table, exact):
    from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

    y, a, b = _predictions(table)
    res = mcnemar(y, a, b)
    expected = sm_mcnemar(np.array(table), exact=exact, correction=True)
    assert res.exact is exact
    assert (res.a_only_correct, res.b_only_correct) == (table[0][1], table[1][0])
    assert res.p_value == pytest.approx(expected.pvalue)
    assert res.statistic == pytest.approx(expected.statistic)
    assert res.accuracy_difference == pytest.approx((table[0][1] - table[1][0]) / np.sum(table))


def test_mcnemar_identical_predictions_give_p_one():
    y, a, _ = _predictions([[20, 5], [0, 5]])
    res = mcnemar(y, a, a.copy())
    assert res.p_value == 1.0 and res.accuracy_difference == 0.0


@pytest.mark.slow
def test_corrected_test_false_positive_rate_is_at_most_alpha_for_equal_models():
    """Same configuration, different seeds, 60 data sets x 5 folds x 2 repeats: p < 0.05 at most 5%."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "compare_fpr.py"
    spec = importlib.util.spec_from_file_location("compare_fpr", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.run(n_datasets=60, folds=5, repeats=2)
    assert result["corrected_fpr_same_config"] <= 0.05
    rows = {(r["scenario"], r["test"]): r for r in result["rates"]}
    assert rows[("different_models_on_noise", "corrected")]["false_positive_rate"] <= 0.05
    assert rows[("same_config:forest", "bayes")]["false_positive_rate"] <= 0.05


def test_score_interval_is_clipped_to_the_metric_range_and_says_so():
    scores = [1.0, 0.97, 1.0, 0.95, 1.0]  # a near-perfect model: the raw t-interval passes 1
    raw, _ = corrected_t(scores, N_TRAIN, N_TEST, folds=5)
    clipped, _ = corrected_t(scores, N_TRAIN, N_TEST, folds=5, bounds=(0.0, 1.0))
    assert raw.high > 1.0
    assert clipped.high == 1.0 and clipped.low == raw.low
    assert "clipped to [0, 1]" in clipped.method


def test_fixed_split_comparison_uses_mcnemar_and_a_paired_bootstrap_interval():
    from signal_diagnostics.evaluation.comparison import compare_fixed_split

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    good = np.where(rng.random(200) < 0.9, y, 1 - y)  # ~90% right
    coin = rng.integers(0, 2, 200)  # ~50% right
    c = compare_fixed_split("good", "coin", y, good, coin, metric="accuracy")
    assert c.mean_difference == pytest.approx((good == y).mean() - (coin == y).mean())
    assert c.ci_low < c.mean_difference < c.ci_high and c.ci_low > 0
    assert c.p_value == pytest.approx(mcnemar(y, good, coin).p_value) and c.p_value < 1e-6
    assert c.p_a_better is None and "McNemar" in c.method and "good better" in c.verdict
    same = compare_fixed_split("a", "b", y, good, good)
    assert same.p_value == 1.0 and "no detectable difference" in same.verdict
