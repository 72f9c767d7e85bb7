"""Data-health checks on generated data with known problems."""

import json

import numpy as np
import pytest

from signal_diagnostics.checks.health import CHECKS, health_checks
from signal_diagnostics.data import synthetic
from signal_diagnostics.data.dataset import Dataset


def by_name(results):
    return {r.check: r for r in results}


def run(ds, **kw):
    kw.setdefault("n_permutations", 19)
    return by_name(health_checks(ds, **kw))


@pytest.fixture(scope="module")
def bump():
    return synthetic.bump(n=120, seed=0)


@pytest.fixture(scope="module")
def imbalanced():
    return synthetic.imbalanced(n=320, seed=0)


def test_every_check_runs_once_in_order(bump):
    assert [r.check for r in health_checks(bump, n_permutations=19)] == list(CHECKS)


def test_balanced_bump_passes_imbalance(bump):
    r = run(bump)["class_imbalance"]
    assert r.status == "pass" and r.value["ratio"] == 1.0


def test_imbalanced_data_warns_with_ratio_and_majority_share(imbalanced):
    r = run(imbalanced)["class_imbalance"]
    counts = np.bincount(imbalanced.y_codes)
    assert r.status == "warn"
    assert r.value["ratio"] == pytest.approx(counts.max() / counts.min())
    assert r.value["majority_share"] == pytest.approx(counts.max() / counts.sum())
    assert "balanced class weights" in r.message and "macro" in r.message


def test_extreme_imbalance_fails():
    ds = synthetic.noise(n=420, classes=2, imbalance=40.0, seed=0)
    assert run(ds)["class_imbalance"].status == "fail"


def test_padding_share_counts_steps_beyond_the_true_length():
    ds = synthetic.noise(n=100, T=40, variable_length=True, seed=1)
    r = run(ds)["padding"]
    assert r.value["share"] == pytest.approx(1 - ds.lengths.sum() / (100 * 40))
    assert r.status == "pass"


def test_planted_dropouts_are_reported_as_mask_collisions(imbalanced):
    r = run(imbalanced)["mask_collision"]
    real = np.arange(imbalanced.n_timesteps)[None, :] < imbalanced.lengths[:, None]
    truth = int((~np.any(imbalanced.X != 0, axis=2) & real).sum())
    assert r.status == "warn"
    assert r.value["count"] == truth
    assert 0.015 < r.value["share"] < 0.045  # 3% planted
    assert "Masking" in r.message


def test_bump_has_no_mask_collision_even_with_padding():
    ds = synthetic.bump(n=100, variable_length=True, seed=2)
    r = run(ds)["mask_collision"]
    assert r.status == "pass" and r.value["count"] == 0


def test_length_leak_passes_without_a_test_when_lengths_are_equal(bump):
    r = run(bump)["length_leak"]
    assert r.status == "pass" and r.value == {"lengths_equal": True}


def test_length_that_predicts_the_label_warns():
    pytest.importorskip("signal_diagnostics.checks.shuffle")
    ds = synthetic.length_leak(n=150, classes=3, seed=0)
    r = run(ds, n_permutations=199)["length_leak"]
    assert r.status == "warn"
    assert r.value["balanced_accuracy"] > r.value["chance"] + 0.2
    assert r.value["p_value"] <= 0.01


def test_random_lengths_do_not_warn_of_a_leak():
    pytest.importorskip("signal_diagnostics.checks.shuffle")
    ds = synthetic.noise(n=150, classes=3, variable_length=True, seed=4)
    r = run(ds, n_permutations=199)["length_leak"]
    assert r.status == "pass"
    assert r.value["p_value"] > 0.01


def test_conflicting_duplicates_fail_with_the_accuracy_ceiling():
    base = synthetic.noise(n=100, seed=3)
    copies = base.X[:10]
    X = np.concatenate([base.X, copies])
    y = np.concatenate([base.y_codes, 1 - base.y_codes[:10]])  # same series, other label
    r = run(Dataset(X, y))["duplicates"]
    assert r.status == "fail"
    assert r.value["n_duplicates"] == 10
    assert r.value["n_conflicting"] == 20
    assert r.value["accuracy_ceiling"] == pytest.approx(100 / 110)


def test_duplicates_with_the_same_label_warn():
    base = synthetic.noise(n=100, seed=3)
    ds = Dataset(np.concatenate([base.X, base.X[:5]]), np.concatenate([base.y_codes, base.y_codes[:5]]))
    r = run(ds)["duplicates"]
    assert r.status == "warn" and r.value["n_duplicates"] == 5 and r.value["accuracy_ceiling"] == 1.0


def test_constant_channel_is_named():
    ds = synthetic.noise(n=60, C=3, seed=0)
    X = ds.X.copy()
    X[:, :, 1] = 5.0
    r = run(Dataset(X, ds.y))["constant_channels"]
    assert r.status == "warn" and r.value["channels"] == [1]


def test_constant_check_ignores_padding():
    ds = synthetic.noise(n=60, C=2, variable_length=True, seed=0)
    X = ds.X.copy()
    real = np.arange(ds.n_timesteps)[None, :] < ds.lengths[:, None]
    X[:, :, 1] = np.where(real, 2.0, 0.0)  # constant where real, zero in the padding
    r = run(Dataset(X, ds.y, lengths=ds.lengths))["constant_channels"]
    assert r.value["channels"] == [1]


def test_channels_on_very_different_scales_warn():
    ds = synthetic.noise(n=60, C=3, seed=0)
    X = ds.X.copy()
    X[:, :, 2] *= 1000.0
    r = run(Dataset(X, ds.y))["channel_scale"]
    assert r.status == "warn" and r.value["ratio"] > 500
    assert run(ds)["channel_scale"].status == "pass"


def test_series_in_both_original_parts_fail_overlap():
    base = synthetic.noise(n=80, seed=6)
    X = np.concatenate([base.X, base.X[:3]])
    y = np.concatenate([base.y_codes, base.y_codes[:3]])
    split = np.array(["train"] * 60 + ["test"] * 20 + ["test"] * 3)
    r = run(Dataset(X, y, meta={"split": split}))["train_test_overlap"]
    assert r.status == "fail" and r.value["n_test_in_train"] == 3


def test_overlap_is_skipped_without_a_split(bump):
    r = run(bump)["train_test_overlap"]
    assert r.status == "pass" and "skipped" in r.message


def test_classes_smaller_than_folds_fail_with_the_fix():
    base = synthetic.noise(n=60, seed=0)
    y = base.y_codes.copy()
    y[:3] = 2  # a third class of 3 series
    r = run(Dataset(base.X, y), folds=5)["small_classes"]
    assert r.status == "fail" and r.value["small"] == {"2": 3}
    assert "--folds" in r.message
    assert run(Dataset(base.X, y), folds=3)["small_classes"].status == "pass"


def test_a_crashing_check_becomes_an_error_and_the_rest_go_on(bump, monkeypatch):
    def boom(ds, **_):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(CHECKS, "duplicates", boom)
    results = by_name(health_checks(bump, n_permutations=19))
    assert results["duplicates"].status == "error" and "disk on fire" in results["duplicates"].message
    assert len(results) == len(CHECKS)
    assert results["channel_scale"].status == "pass"


def test_results_are_plain_json(imbalanced):
    json.dumps([r.to_dict() for r in health_checks(imbalanced, n_permutations=19)], allow_nan=False)


def test_the_runs_permutation_count_reaches_every_permutation_test():
    from signal_diagnostics.pipeline.assemble import run_signal_document
    from signal_diagnostics.pipeline.config import Config

    ds = synthetic.length_leak(n=60, seed=1)
    cfg = Config(n_permutations=83, folds=3, baselines=["chance_prior"], learning_curve=False, deep=False)
    doc = run_signal_document(ds, cfg)
    leak = next(r for r in doc["health"] if r["check"] == "length_leak")
    assert leak["value"]["n_permutations"] == 83
    signal = doc["signal"]
    assert signal["shuffle_test"]["n_permutations"] == 83
    assert "from 83 label permutations" in signal["timestep_map"]["cluster_method"]
    assert signal["class_pairs"]["n_permutations"] == 83  # 3 pairs need 60 (3 / 0.05); the run asks more


# --- advice written once (pipeline/verdicts/advice.py) --------------------------------------------------
def _warned(ds, **kw):
    return [r for r in health_checks(ds, n_permutations=19, **kw) if r.status in ("warn", "fail")]


@pytest.fixture(scope="module")
def messy():
    """Imbalanced, all-zero real steps, a conflicting duplicate and one channel 1000x the others."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 20, 3))
    y = np.array(["a"] * 50 + ["b"] * 6 + ["c"] * 4)
    X[:5, 3] = 0.0
    X[:, :, 2] *= 1000
    X[20] = X[21]
    y[21] = "b"
    return Dataset(X, y)


def test_each_warning_ends_with_its_advice_and_the_recommendation_quotes_the_finding_alone(messy):
    from signal_diagnostics.pipeline.verdicts.advice import ADVICE, finding
    from signal_diagnostics.pipeline.verdicts.recommend import recommendations

    warned = {r.check: r for r in _warned(messy) if r.check in ADVICE}
    assert set(warned) == {"class_imbalance", "mask_collision", "duplicates", "channel_scale"}
    recs = {r["id"]: r for r in recommendations({"health": [r.to_dict() for r in warned.values()]}, {})}
    for check, r in warned.items():
        advice = ADVICE[check]
        action = advice.action_for(r.status, r.value)
        assert r.message.endswith(": " + action)
        rec = recs[advice.rec_id]
        assert rec["text"] == advice.recommendation
        assert rec["evidence"] == finding(r.to_dict()) == r.message[: -len(action) - 2]
        assert action not in rec["evidence"]
    assert warned["duplicates"].status == "fail" and "resolve the conflicting labels" in warned["duplicates"].message
    assert "(which a majority guess puts at 0.82)" in warned["class_imbalance"].message  # 49 of 60


def test_a_class_name_with_a_colon_stays_whole_in_the_finding():
    from signal_diagnostics.pipeline.verdicts.advice import finding

    ds = synthetic.noise(n=160, classes=2, imbalance=5.0, seed=0)
    ds = Dataset(ds.X, np.where(ds.y_codes == ds.y_codes.max(), "kind: b", "kind: a"))
    r = run(ds)["class_imbalance"]
    assert r.status == "warn"
    got = finding(r.to_dict())
    assert got.startswith("class 'kind: ") and got.endswith(f"the smallest class {r.value['minority_class']!r}")


def test_a_message_without_its_advice_is_all_finding():
    from signal_diagnostics.pipeline.verdicts.advice import finding

    old = {"check": "mask_collision", "status": "warn", "value": 3, "message": "3 zero steps: pad with -1"}
    assert finding(old) == "3 zero steps: pad with -1"
    assert finding({"check": "class_imbalance", "status": "warn", "value": {}, "message": "x: y"}) == "x: y"
    assert finding({"check": "small_classes", "status": "fail", "value": None, "message": "a: b"}) == "a: b"
