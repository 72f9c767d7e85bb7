"""The label-shuffle test over several heads: max-T p-values, each head's own score, blind spots covered."""

import numpy as np
import pytest

from signal_diagnostics import baselines
from signal_diagnostics.checks.shuffle import DEFAULT_HEADS, p_value, shuffle_test
from signal_diagnostics.data import synthetic


@pytest.mark.parametrize("head", ["summary_ridge", "raw_ridge"])
def test_feature_ridge_fast_path_equals_refitting_the_registered_baseline(head):
    d = synthetic.bump(n=60, T=20, C=2, classes=3, start=5, stop=12, amplitude=0.4, variable_length=True, seed=3)
    args = dict(model=head, n_permutations=8, folds=3, random_state=2)
    fast = shuffle_test(d.X, d.y_codes, **args)
    refit = shuffle_test(d.X, d.y_codes, method="refit", **args)
    assert (fast.method, refit.method) == ("ridge-fast", "refit")
    assert fast.observed == pytest.approx(refit.observed, abs=1e-9)
    np.testing.assert_allclose(fast.null_scores, refit.null_scores, atol=1e-9)
    assert head in baselines.available()


def test_statistic_is_the_best_head_and_p_comes_from_the_null_of_the_maximum():
    d = synthetic.bump(n=80, T=24, C=2, classes=2, start=8, stop=16, amplitude=0.35, seed=4)
    r = shuffle_test(d.X, d.y_codes, n_permutations=49, random_state=1)
    singles = {h: shuffle_test(d.X, d.y_codes, model=h, n_permutations=49, random_state=1) for h in DEFAULT_HEADS}
    null_max = np.max([s.null_scores for s in singles.values()], axis=0)
    assert r.model == "max(minirocket, summary_ridge, raw_ridge)"
    assert r.observed == pytest.approx(max(s.observed for s in singles.values()))
    np.testing.assert_allclose(r.null_scores, null_max)
    assert r.p_value == pytest.approx(p_value(r.observed, null_max))
    assert r.best_head == max(singles, key=lambda h: singles[h].observed)
    for h in r.heads:  # each head keeps its own score and p, and a max-T adjusted p that is never smaller
        assert h["observed"] == pytest.approx(singles[h["name"]].observed)
        assert h["p_value"] == pytest.approx(singles[h["name"]].p_value)
        assert h["p_adjusted"] >= h["p_value"]
    assert r.null_mean >= max(s.null_mean for s in singles.values())  # the max's chance level is higher


def test_a_level_only_difference_missed_by_minirocket_is_found_by_the_heads():
    d = synthetic.level(amplitude=0.2, seed=1)  # 4 classes differ only in channel 0's level
    alone = shuffle_test(d.X, d.y_codes, model="minirocket", n_permutations=99, random_state=0)
    both = shuffle_test(d.X, d.y_codes, n_permutations=99, random_state=0)
    assert alone.p_value > 0.05
    assert both.p_value <= 0.02
    assert both.best_head in ("summary_ridge", "raw_ridge")


def test_any_registered_baseline_can_join_the_heads_through_the_refit_path():
    d = synthetic.bump(n=40, T=16, C=1, classes=2, start=4, stop=10, amplitude=1.5, seed=0)
    r = shuffle_test(d.X, d.y_codes, model=["raw_ridge", "chance_prior"], n_permutations=9, folds=3)
    assert r.method == "mixed"
    assert [h["method"] for h in r.heads] == ["ridge-fast", "refit"]
    assert r.best_head == "raw_ridge"


def test_unknown_head_name_and_repeated_heads_are_refused():
    from signal_diagnostics.errors import DataError

    d = synthetic.noise(n=30, T=10, C=1, seed=0)
    with pytest.raises(DataError, match="unknown model 'nosuch'"):
        shuffle_test(d.X, d.y_codes, model=["raw_ridge", "nosuch"], n_permutations=3, folds=3)
    with pytest.raises(DataError, match="repeat"):
        shuffle_test(d.X, d.y_codes, model=["raw_ridge", "raw_ridge"], n_permutations=3, folds=3)


@pytest.mark.slow
def test_max_statistic_rejects_pure_noise_at_the_nominal_rate():
    from scipy.stats import binom

    n_sets = 60
    rejections = 0
    for seed in range(n_sets):
        d = synthetic.noise(
            n=80,
            T=20,
            C=2,
            classes=2 + seed % 3,
            imbalance=1.0 + 2 * (seed % 2),
            variable_length=bool(seed % 2),
            seed=100 + seed,
        )
        r = shuffle_test(d.X, d.y_codes, n_permutations=99, random_state=seed)
        rejections += r.p_value <= 0.05
    lo, hi = binom.interval(0.99, n_sets, 0.05)
    assert lo <= rejections <= hi, f"{rejections}/{n_sets} noise sets had p <= 0.05"
