"""The accuracy ceiling: 1-NN error and the Cover-Hart lower bound on the Bayes error."""

import json

import numpy as np
import pytest

from signal_diagnostics.checks.ceiling import bayes_error_bounds, cover_hart_lower
from signal_diagnostics.data import synthetic


def test_well_separated_classes_have_a_ceiling_near_one():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 40)
    F = rng.standard_normal((120, 4)) + 8.0 * np.eye(3, 4)[y]
    r = bayes_error_bounds(None, y, features=F)
    assert r.one_nn_error < 0.02
    assert r.bayes_error_lower < 0.01


@pytest.mark.parametrize("K", [2, 4])
def test_noise_has_one_nn_error_near_chance(K):
    rng = np.random.default_rng(K)
    n = 400
    y = np.arange(n) % K
    r = bayes_error_bounds(None, y, features=rng.standard_normal((n, 5)))
    chance = (K - 1) / K
    assert abs(r.one_nn_error - chance) < 3 * np.sqrt(chance * (1 - chance) / n) + 0.02
    assert 1 - r.bayes_error_lower < 1 / K + 0.25


def test_cover_hart_bound_matches_the_formula_and_its_limits():
    assert cover_hart_lower(0.0, 3) == 0.0
    assert cover_hart_lower(2 / 3, 3) == pytest.approx(2 / 3)
    assert cover_hart_lower(0.9, 3) == pytest.approx(2 / 3)  # worse than chance: bound stops at chance
    r1 = 0.2
    assert cover_hart_lower(r1, 2) == pytest.approx(0.5 * (1 - np.sqrt(1 - 2 * r1)))
    assert cover_hart_lower(r1, 2) <= r1  # the lower bound never exceeds the 1-NN error


def test_small_classes_carry_a_caveat_and_large_ones_do_not():
    rng = np.random.default_rng(1)
    y_small = np.repeat([0, 1], 12)
    small = bayes_error_bounds(None, y_small, features=rng.standard_normal((24, 3)), folds=3)
    assert small.min_class_size == 12 and "12 series" in small.caveat
    y_big = np.repeat([0, 1], 40)
    big = bayes_error_bounds(None, y_big, features=rng.standard_normal((80, 3)))
    assert big.caveat is None


def test_minirocket_features_find_a_planted_bump():
    d = synthetic.bump(n=60, T=30, C=1, start=10, stop=20, amplitude=3.0, seed=0)
    r = bayes_error_bounds(d.X, d.y_codes, folds=3)
    assert r.features == "minirocket"
    assert r.bayes_error_lower < 0.1
    assert json.loads(json.dumps(r.to_dict()))["n_classes"] == 2


def test_no_subsample_below_the_cap():
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], 60)
    F = rng.standard_normal((120, 3)) + y[:, None]
    capped, uncapped = bayes_error_bounds(None, y, features=F), bayes_error_bounds(None, y, features=F, max_series=None)
    assert capped == uncapped
    assert capped.n_used == capped.n_series == 120


def test_large_data_use_a_recorded_stratified_subsample():
    rng = np.random.default_rng(4)
    y = np.repeat([0, 1, 2], [300, 200, 100])
    F = rng.standard_normal((600, 3)) + 4.0 * np.eye(3)[y]
    r = bayes_error_bounds(None, y, features=F, max_series=150)
    assert (r.n_series, r.n_used) == (600, 150)
    assert r.min_class_size == 25  # 100 / 600 of 150
    assert "subsample of 150 of 600 series" in r.caveat
    assert r.bayes_error_lower < 0.1  # rows still match their labels


def test_no_reported_ceiling_sits_below_the_achieved_accuracy():
    from signal_diagnostics.checks.ceiling import accuracy_ceilings

    bounds = {"one_nn_error": 0.025, "bayes_error_lower": 0.0127}  # JapaneseVowels: 1 - 0.0127 < 0.989 achieved
    dup = {"accuracy_ceiling": 0.99, "n_conflicting": 4}
    labels = {"share": 0.02, "interval": {"low": 0.01, "high": 0.03}}
    c = accuracy_ceilings(bounds, dup, labels, achieved=0.989)
    assert c["accuracy_ceiling"] == pytest.approx(0.99) and c["accuracy_ceiling"] >= 0.989
    by = {x["source"]: x for x in c["ceilings"]}
    assert by["conflicting_duplicates"]["holds"] and not by["label_noise"]["holds"]
    assert "no ceiling here" in by["label_noise"]["words"] and "not a ceiling" in c["message"]
    assert accuracy_ceilings(bounds, None, None, achieved=0.989)["accuracy_ceiling"] is None  # nothing caps it
    json.dumps(c, allow_nan=False)


def _grouped(seed: int = 0):
    """40 groups of 5 near-identical series; labels drawn per group, so nothing carries over to a new group."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(40), 5)
    y = np.repeat(rng.permutation(np.arange(40) % 2), 5)
    centres = rng.standard_normal((40, 20, 1))
    X = (centres[groups] + 0.05 * rng.standard_normal((200, 20, 1))).astype(np.float32)
    return X, y, groups


def test_groups_keep_each_series_from_its_own_groups_neighbours():
    X, y, groups = _grouped()
    F = X.reshape(len(X), -1)
    leaky = bayes_error_bounds(None, y, features=F)
    grouped = bayes_error_bounds(None, y, features=F, groups=groups)
    assert leaky.one_nn_error < 0.05  # each series' nearest neighbour is a group mate with its label
    assert 0.3 < grouped.one_nn_error < 0.7  # new groups: chance


def test_the_runs_groups_reach_the_ceiling():
    from signal_diagnostics.data.dataset import Dataset
    from signal_diagnostics.pipeline.assemble import run_signal_document
    from signal_diagnostics.pipeline.config import Config

    X, y, groups = _grouped()
    cfg = Config(
        n_permutations=19, folds=5, baselines=["chance_prior"], learning_curve=False, label_checks=False, deep=False
    )
    doc = run_signal_document(Dataset(X, y, groups=groups), cfg)
    assert doc["signal"]["ceiling"]["one_nn_error"] > 0.3
