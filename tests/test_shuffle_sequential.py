"""The sequential label-shuffle test (Besag & Clifford 1991): stops early on noise, never on clear signal,
rests on the fixed design's first draws, and keeps max-T over several heads."""

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifierCV

from signal_diagnostics.checks.shuffle import shuffle_test
from signal_diagnostics.checks.shuffle_rounds import round_ends
from signal_diagnostics.data import synthetic
from signal_diagnostics.errors import DataError

ALPHAS = np.logspace(-3, 3, 10)


def _noise(n=160, p=40, seed=0):
    """Pure noise with a dominant class (half of the series in class 0 of 4)."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(4), [n // 2, n // 6, n // 6, n - n // 2 - 2 * (n // 6)]))
    return rng.standard_normal((n, p)), y


def test_on_noise_the_draws_stop_early_and_rest_on_the_fixed_designs_first_permutations():
    X, y = _noise()
    args = dict(model=RidgeClassifierCV(alphas=ALPHAS), n_permutations=999, random_state=3)
    seq = shuffle_test(X, y, **args)
    fixed = shuffle_test(X, y, sequential_h=0, **args)
    assert seq.stopped_early and seq.sequential_h == 20 and seq.permutations_max == 999
    assert seq.permutations_drawn <= 999 // 3 and len(seq.null_scores) == seq.permutations_drawn
    assert seq.p_value == pytest.approx(20 / seq.permutations_drawn)
    np.testing.assert_allclose(seq.null_scores, fixed.null_scores[: seq.permutations_drawn])
    assert fixed.permutations_drawn == 999 and not fixed.stopped_early
    assert seq.observed == fixed.observed and seq.p_value > 0.05 and fixed.p_value > 0.05


def test_a_clear_signal_draws_every_permutation_and_gets_the_smallest_p():
    rng = np.random.default_rng(1)
    y = np.arange(120) % 3
    X = rng.standard_normal((120, 30)) + 2.0 * y[:, None] * (np.arange(30) < 3)
    r = shuffle_test(X, y, model=RidgeClassifierCV(alphas=ALPHAS), n_permutations=599)
    assert not r.stopped_early and r.permutations_drawn == 599 and r.p_value == pytest.approx(1 / 600)


def test_several_heads_stop_on_the_maximum_and_keep_adjusted_above_own_p_values():
    d = synthetic.noise(n=90, T=20, C=2, classes=3, imbalance=3.0, seed=4)
    r = shuffle_test(d.X, d.y_codes, model=["summary_ridge", "raw_ridge"], n_permutations=999, random_state=0)
    assert r.stopped_early and r.permutations_drawn <= 333
    best = next(h for h in r.heads if h["name"] == r.best_head)
    assert best["p_adjusted"] == pytest.approx(r.p_value)
    assert all(h["p_adjusted"] >= h["p_value"] - 1e-12 for h in r.heads)
    assert json_round_trip(r.to_dict())["permutations_drawn"] == r.permutations_drawn


def json_round_trip(d):
    import json

    return json.loads(json.dumps(d))


def test_fewer_permutations_than_h_is_the_fixed_design_and_bad_h_is_refused():
    X, y = _noise(n=60, p=10)
    r = shuffle_test(X, y, model=RidgeClassifierCV(), n_permutations=15)
    assert r.permutations_drawn == 15 and not r.stopped_early
    assert round_ends(1000, 20, fast=True) == [128, 1000] and round_ends(199, 0, fast=True) == [199]
    with pytest.raises(DataError, match="sequential_h"):
        shuffle_test(X, y, model=RidgeClassifierCV(), n_permutations=15, sequential_h=-1)


def test_the_length_leak_stops_early_when_length_says_nothing_and_says_so():
    from signal_diagnostics.checks.health import length_leak

    ds = synthetic.noise(n=120, T=30, C=1, classes=3, variable_length=True, seed=6)
    r = length_leak(ds, n_permutations=999)
    assert r.value["permutations_max"] == 999 and r.value["sequential_h"] == 20
    assert r.value["permutations_drawn"] < 999 and f"stopped after {r.value['permutations_drawn']} of 999" in r.message


def test_a_short_last_round_joins_the_one_before_and_changes_no_number(monkeypatch):
    """200 permutations run as one round, not 128 then 72 (each round refits every head's features on every fold,
    which cost more than the draws a second round could save); the stop and the p rest on the same draws."""
    from signal_diagnostics.checks import shuffle_rounds

    d = synthetic.bump(n=90, T=30, C=2, seed=5)
    assert round_ends(200, 20, fast=True) == [200]
    one = shuffle_test(d.X, d.y_codes, n_permutations=200, random_state=1)
    monkeypatch.setattr(shuffle_rounds, "round_ends", lambda n, h, fast: [128, 200])  # the schedule before
    two = shuffle_test(d.X, d.y_codes, n_permutations=200, random_state=1)
    assert one.p_value == two.p_value and one.permutations_drawn == two.permutations_drawn == 200
    np.testing.assert_allclose(one.null_scores, two.null_scores, rtol=1e-12)
