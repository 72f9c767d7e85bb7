"""Learning curves: nested subsets, LCDB curve families, extrapolation and the more-data verdict."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from signal_diagnostics.checks.curves import FAMILIES, _nested_subsets, _sizes, fit_family, learning_curve, pow4
from signal_diagnostics.data import synthetic


def flatten(X):
    return X.reshape(len(X), -1)


def logistic():
    return make_pipeline(FunctionTransformer(flatten), LogisticRegression(max_iter=500))


@pytest.fixture(scope="module")
def rising():
    """A weak bump seen through 120 raw features: logistic regression keeps improving with n."""
    ds = synthetic.bump(n=600, amplitude=0.5, seed=1)
    return learning_curve(ds.X, ds.y_codes, model=logistic(), repeats=5, random_state=0)


def test_default_sizes_are_at_least_six_log_spaced_up_to_the_training_part():
    sizes = _sizes(450, np.array([300, 300]), None)
    assert len(sizes) >= 6 and sizes[-1] == 450
    assert sizes[0] >= 4 and sizes[0] >= 0.1 * 600 - 1
    ratios = sizes[1:] / sizes[:-1]
    assert ratios.max() / ratios.min() < 1.1  # geometric spacing


def test_training_subsets_are_nested_stratified_and_hold_every_class():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [200, 50, 10])
    train = rng.permutation(260)[:200]
    subsets = _nested_subsets(train, y, np.array([12, 30, 80, 200]), np.random.default_rng(1))
    for small, big in zip(subsets, subsets[1:]):
        assert set(small) <= set(big)
    for s in subsets:
        assert set(y[s]) == {0, 1, 2} and set(s) <= set(train)
    share = np.bincount(y[subsets[2]]) / len(subsets[2])
    expected = np.bincount(y[train]) / len(train)
    np.testing.assert_allclose(share, expected, atol=0.03)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_each_family_recovers_the_parameters_of_its_own_curve(name):
    f = FAMILIES[name][0]
    true = {"pow4": [0.9, 0.3, 0.7, 0.05], "mmf4": [0.3, 0.2, 0.9, 1.5], "wbl4": [2.0, 0.5, 0.85, 0.8]}[name]
    x = np.geomspace(0.05, 1.0, 10)
    params, rmse = fit_family(name, x, f(x, *true))
    assert rmse < 1e-6
    np.testing.assert_allclose(params, true, rtol=0.02, atol=0.01)


def test_pow4_fit_extrapolates_a_noisy_pow4_curve():
    rng = np.random.default_rng(0)
    x = np.geomspace(0.1, 1.0, 8)
    y = pow4(x, 0.85, 0.25, 0.8, 0.0) + rng.normal(0, 0.003, x.size)
    params, _ = fit_family("pow4", x, y)
    assert pow4(10.0, *params) == pytest.approx(pow4(10.0, 0.85, 0.25, 0.8, 0.0), abs=0.03)


def test_rising_curve_rises_and_is_not_called_flat(rising):
    assert rising.mean[-1] > rising.mean[0] + 0.03
    assert rising.more_data_helps != "no"
    assert rising.extrapolation["2x"]["mean"] >= rising.mean[-1]


def test_rising_curve_records_the_last_point_baseline(rising):
    sel = rising.selection
    assert rising.family in FAMILIES
    assert sel["family_rmse"][rising.family] == min(v for v in sel["family_rmse"].values() if v is not None)
    assert sel["last_point_rmse"] >= 0 and isinstance(sel["beats_last_point"], bool)


def test_bands_contain_their_extrapolations(rising):
    for e in rising.extrapolation.values():
        assert e["low"] <= e["mean"] + 1e-9 and e["mean"] <= e["high"] + 1e-9
    assert rising.extrapolation["10x"]["size"] == 10 * rising.train_sizes[-1]


def test_saturated_easy_problem_is_flat():
    ds = synthetic.bump(n=240, amplitude=3.0, seed=2)
    r = learning_curve(ds.X, ds.y_codes, model=logistic(), repeats=3)
    assert r.more_data_helps == "no" or abs(r.extrapolation["10x"]["mean"] - r.mean[-1]) <= 0.02


def test_same_seed_gives_the_same_curve():
    ds = synthetic.bump(n=160, amplitude=0.8, seed=3)
    a = learning_curve(ds.X, ds.y_codes, model=logistic(), repeats=3, random_state=7).to_dict()
    b = learning_curve(ds.X, ds.y_codes, model=logistic(), repeats=3, random_state=7).to_dict()
    assert a == b


def test_precomputed_features_replace_the_series():
    ds = synthetic.bump(n=200, amplitude=1.0, seed=4)
    window = ds.X[:, 15:25, 0].mean(axis=1, keepdims=True)
    r = learning_curve(ds.X, ds.y_codes, model=LogisticRegression(), features=window, repeats=3)
    assert r.mean[-1] > 0.8  # one feature holding the whole signal
    assert any("precomputed" in note for note in r.notes)


def test_progress_reports_every_fit():
    ds = synthetic.bump(n=120, amplitude=1.0, seed=5)
    calls = []
    r = learning_curve(ds.X, ds.y_codes, model=logistic(), repeats=2, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (2 * len(r.train_sizes), 2 * len(r.train_sizes)) and len(calls) == calls[-1][1]


def test_to_dict_matches_the_document_schema(rising):
    import jsonschema

    from signal_diagnostics.pipeline.document import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text())["properties"]["signal"]["properties"]["learning_curve"]
    d = rising.to_dict()
    jsonschema.validate(d, schema)
    json.dumps(d, allow_nan=False)


@pytest.mark.slow
def test_minirocket_curve_on_a_bump_reaches_high_accuracy():
    pytest.importorskip("signal_diagnostics.baselines.minirocket")
    ds = synthetic.bump(n=300, amplitude=1.0, seed=0)
    r = learning_curve(ds.X, ds.y_codes, model="minirocket", repeats=3)
    assert r.mean[-1] > 0.8
    assert any("MiniRocket" in note for note in r.notes)


def test_no_subsample_below_the_cap():
    ds = synthetic.bump(n=160, amplitude=0.8, seed=3)
    capped = learning_curve(ds.X, ds.y_codes, model=logistic(), repeats=3, random_state=7)
    uncapped = learning_curve(ds.X, ds.y_codes, model=logistic(), repeats=3, random_state=7, max_series=None)
    assert capped.subsample is None
    assert capped.to_dict() == uncapped.to_dict()


def test_large_data_run_on_a_recorded_stratified_subsample():
    ds = synthetic.bump(n=600, amplitude=0.8, classes=3, seed=2)
    r = learning_curve(ds.X, ds.y_codes, model=logistic(), repeats=2, random_state=0, max_series=200)
    assert r.subsample == {"n_used": 200, "n_total": 600, "cap": 200}
    assert max(r.train_sizes) <= 150 and r.n_test == 50  # 75% / 25% of the subsample
    assert any("subsample of 200 of 600" in note for note in r.notes)
    assert "subsample of 200 of 600 series (cap 200)" in r.method
    d = r.to_dict()
    assert d["subsample"]["n_total"] == 600
    json.dumps(d, allow_nan=False)


def test_subsample_with_precomputed_features_keeps_rows_aligned():
    ds = synthetic.bump(n=400, amplitude=1.0, seed=4)
    window = ds.X[:, 15:25, 0].mean(axis=1, keepdims=True)
    r = learning_curve(ds.X, ds.y_codes, model=LogisticRegression(), features=window, repeats=2, max_series=120)
    assert r.subsample["n_used"] == 120
    assert r.mean[-1] > 0.8  # the rows still match their labels


def test_result_is_short_json_ready_and_escapes_the_model_name_in_html(rising):
    import dataclasses

    from signal_diagnostics.results import Result

    assert isinstance(rising, Result)
    assert len(repr(rising)) < 600 and "more_data_helps" in repr(rising) and "scores=" not in repr(rising)
    assert json.loads(json.dumps(rising.to_dict())) == rising.to_dict()
    html = dataclasses.replace(rising, model="<script>x</script>")._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "2x" in html


def test_family_fits_and_the_answer_live_in_curve_fits_and_are_re_exported():
    from signal_diagnostics.checks import curve_fits, curves

    assert curves.fit_family is curve_fits.fit_family and curves.FAMILIES is curve_fits.FAMILIES
    x = np.array([0.2, 0.3, 0.45, 0.6, 0.8, 1.0])
    flat = np.tile([0.9], (6, 4)) + np.random.default_rng(0).normal(0, 1e-3, (6, 4))
    got = curve_fits.extrapolate(x, (x * 100).astype(int), flat, "pow4", seed=0)
    assert got["more_data_helps"] == "no" and got["extrapolation"]["10x"]["size"] == 1000
    nothing = curve_fits.extrapolate(x, (x * 100).astype(int), flat, None, seed=0)
    assert nothing["family"] is None and nothing["more_data_helps"] == "cannot tell"
