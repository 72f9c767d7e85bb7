"""Permutations that respect groups, and why the cluster test needs them."""

import numpy as np

from signal_diagnostics.checks.timemap import cluster_test
from signal_diagnostics.evaluation.exchange import Relabeller


def test_labels_move_between_whole_groups_or_within_mixed_groups():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(6), 5)
    one_label = Relabeller(np.repeat([0, 1, 0, 1, 0, 1], 5), groups)
    drawn = one_label.draw(rng)
    assert one_label.scheme == "between groups"
    assert all(len(set(drawn[groups == g])) == 1 for g in range(6)) and np.bincount(drawn).tolist() == [15, 15]
    mixed_y = np.tile([0, 1, 1, 0, 1], 6)
    mixed = Relabeller(mixed_y, groups)
    drawn = mixed.draw(rng)
    assert mixed.scheme == "within groups"
    assert all(sorted(drawn[groups == g]) == sorted(mixed_y[groups == g]) for g in range(6))
    assert Relabeller(mixed_y).scheme == "series"


def test_subject_effects_give_no_window_once_permutations_respect_subjects():
    rng = np.random.default_rng(1)
    subjects = np.repeat(np.arange(8), 15)  # 8 subjects, each with its own offset in steps 5-14
    y = subjects % 2  # each subject holds one class; the class itself changes nothing
    X = rng.standard_normal((120, 20, 1)).astype(np.float32)
    X[:, 5:15, 0] += rng.normal(0, 1.0, 8)[subjects][:, None]
    naive = cluster_test(X, y, n_permutations=199, random_state=0).clusters
    grouped = cluster_test(X, y, n_permutations=199, groups=subjects, random_state=0)
    assert any(c["significant"] for c in naive)  # series-level shuffles mistake subjects for classes
    assert not any(c["significant"] for c in grouped.clusters) and "between groups" in grouped.method


# ------------------------------------------------------------------------ sequential Monte Carlo p-values
def _sequential_nulls(reps: int, n_max: int, h: int, draw, seed: int, ties: bool = True):
    """``reps`` sequential p-values under the null: observed and null statistics drawn alike by ``draw``."""
    from signal_diagnostics.evaluation.exchange import SequentialP

    rng = np.random.default_rng(seed)
    out, drawn = [], []
    for _ in range(reps):
        seq = SequentialP(draw(rng, 1)[0], n_max, h, u=rng.random() if ties else None, jitter=rng, tol=1e-12)
        while not seq.update(draw(rng, 37)):  # blocks of 37: the stop falls inside a block
            pass
        out.append(seq.p)
        drawn.append(seq.drawn)
    return np.asarray(out), np.asarray(drawn)


def _assert_exact(p, n_max, h, seed=0):
    """P(p <= s) = s at every value p takes (binomial bounds), and KS on the p spread over its gaps."""
    from scipy.stats import binom, kstest

    from signal_diagnostics.evaluation.exchange import sequential_support, uniform_jitter

    support = sequential_support(n_max, h)
    for a in (0.01, 0.05, 0.1, 0.25, 0.5, 0.8):
        s = support[support <= a].max()  # the largest value p can take at or below a
        lo, hi = binom.interval(0.999, len(p), s)
        assert lo <= np.sum(p <= s + 1e-12) <= hi, f"P(p <= {s:.3f}) = {np.mean(p <= s + 1e-12):.3f}"
    spread = uniform_jitter(p, support, np.random.default_rng(seed))
    assert kstest(spread, "uniform").pvalue > 0.01


def test_sequential_p_is_exact_under_the_null_and_stops_early_on_it():
    p, drawn = _sequential_nulls(4000, 199, 10, lambda rng, k: rng.random(k), seed=1)
    _assert_exact(p, 199, 10)
    assert drawn.mean() < 199 / 3  # about h (1 + ln(N / h)) = 40 draws


def test_sequential_p_stays_exact_when_scores_tie_often():
    # a balanced accuracy near chance takes few values: most null scores tie with the observed one
    p, _ = _sequential_nulls(4000, 99, 10, lambda rng, k: rng.integers(0, 3, k) / 4, seed=2)
    _assert_exact(p, 99, 10)


def test_sequential_p_counting_every_tie_against_the_observed_is_conservative():
    p, _ = _sequential_nulls(3000, 99, 10, lambda rng, k: rng.integers(0, 3, k) / 4, seed=3, ties=False)
    for a in (0.05, 0.2, 0.5):
        assert np.mean(p <= a) <= a + 0.01


def test_sequential_p_never_stops_early_on_a_statistic_the_null_does_not_reach():
    from signal_diagnostics.evaluation.exchange import SequentialP

    rng = np.random.default_rng(4)
    seq = SequentialP(2.0, n_max=500, h=20)
    for _ in range(10):
        seq.update(rng.random(64))
    assert seq.done and not seq.stopped_early and seq.drawn == 500 and seq.p == 1 / 501


def test_sequential_p_without_h_is_the_fixed_design():
    from signal_diagnostics.evaluation.exchange import SequentialP, permutation_p

    null = np.random.default_rng(5).random(99)
    seq = SequentialP(0.3, n_max=99, h=None)
    seq.update(null)
    assert seq.drawn == 99 and seq.p == permutation_p(0.3, null)
