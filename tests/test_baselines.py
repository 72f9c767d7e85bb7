"""The classical baselines: registry, estimator contract, padding, and behaviour on data with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from signal_diagnostics import baselines
from signal_diagnostics.baselines.features import SummaryFeatures
from signal_diagnostics.baselines.series import to_aeon
from signal_diagnostics.data import synthetic
from signal_diagnostics.evaluation.scores import evaluate
from signal_diagnostics.evaluation.splits import make_splits

FAST = ["chance_prior", "chance_stratified", "features_gb", "logistic"]
STRONG = ["features_gb", "logistic"]
OWN = FAST + ["dtw_1nn"]  # "minirocket" is tested in test_minirocket.py


@pytest.fixture(scope="module")
def bump():
    return synthetic.bump(n=120, T=30, C=2, start=10, stop=20, seed=0)


@pytest.fixture(scope="module")
def noise():
    return synthetic.noise(n=120, T=30, C=2, seed=0)


def _cv_balanced_accuracy(name, ds):
    splits = make_splits(ds.y_codes, folds=5, random_state=0)
    return evaluate(baselines.make(name, random_state=0), ds.X, ds.y_codes, splits, name=name).balanced_accuracy


def test_available_lists_every_contract_name_with_a_one_line_description():
    names = baselines.available()
    assert set(names) >= {"chance_prior", "chance_stratified", "minirocket", "dtw_1nn", "features_gb", "logistic"}
    assert all(desc and "\n" not in desc for desc in names.values())


def test_unknown_name_raises_value_error_listing_known_names():
    with pytest.raises(ValueError, match=r"unknown baseline 'nope'; known: .*logistic"):
        baselines.make("nope")


def test_register_adds_a_buildable_baseline():
    from signal_diagnostics.baselines.chance import ChanceClassifier
    from signal_diagnostics.baselines.registry import _REGISTRY

    baselines.register(
        "test_chance_uniform",
        lambda random_state=0, **p: ChanceClassifier("uniform", random_state),
        "uniform random labels",
    )
    try:
        assert baselines.available()["test_chance_uniform"] == "uniform random labels"
        assert baselines.make("test_chance_uniform", random_state=3).random_state == 3
    finally:
        _REGISTRY.pop("test_chance_uniform")


@pytest.mark.parametrize("name", OWN)
def test_make_passes_random_state_and_params_to_the_estimator(name):
    model = baselines.make(name, random_state=7)
    assert model.get_params()["random_state"] == 7


@pytest.mark.parametrize("name", OWN)
def test_clone_gives_an_unfitted_copy_with_equal_params(name):
    model = baselines.make(name, random_state=1)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()


@pytest.mark.parametrize("name", FAST)
def test_fast_baseline_fits_and_predicts_known_labels(name, bump):
    model = baselines.make(name).fit(bump.X[:90], bump.y_codes[:90])
    pred = model.predict(bump.X[90:])
    assert pred.shape == (30,) and set(pred.tolist()) <= {0, 1}
    proba = model.predict_proba(bump.X[90:])
    assert proba.shape == (30, 2) and np.allclose(proba.sum(axis=1), 1.0)


def test_dtw_1nn_fits_and_beats_chance_on_a_tiny_bump():
    ds = synthetic.bump(n=60, T=30, C=2, start=10, stop=20, amplitude=2.0, seed=0)
    model = baselines.make("dtw_1nn").fit(ds.X[:40], ds.y_codes[:40])
    pred = model.predict(ds.X[40:])
    assert pred.shape == (20,)
    assert (pred == ds.y_codes[40:]).mean() >= 0.7


def test_dtw_1nn_handles_padded_variable_length_series():
    ds = synthetic.bump(n=40, T=24, C=2, start=4, stop=12, amplitude=2.0, variable_length=True, seed=1)
    assert ds.lengths.min() < 24
    pred = baselines.make("dtw_1nn").fit(ds.X[:30], ds.y_codes[:30]).predict(ds.X[30:])
    assert pred.shape == (10,)


def test_to_aeon_transposes_to_channels_first():
    X = np.arange(2 * 5 * 3, dtype=float).reshape(2, 5, 3) + 1.0
    A = to_aeon(X, trim_padding=True)
    assert A.shape == (2, 3, 5) and A[1, 2, 4] == X[1, 4, 2]


def test_to_aeon_trims_right_padding_per_series():
    X = np.ones((2, 6, 2))
    X[0, 4:] = 0.0
    parts = to_aeon(X, trim_padding=True)
    assert [p.shape for p in parts] == [(2, 4), (2, 6)]


@pytest.mark.parametrize("name", STRONG)
def test_strong_baseline_beats_chance_clearly_on_a_planted_bump(name, bump):
    assert _cv_balanced_accuracy(name, bump) > 0.72


@pytest.mark.parametrize("name", STRONG)
def test_strong_baseline_stays_near_chance_on_pure_noise(name, noise):
    assert abs(_cv_balanced_accuracy(name, noise) - 0.5) < 0.15


def test_chance_prior_predicts_the_training_majority():
    X = np.zeros((5, 4, 1))
    y = np.array([2, 2, 2, 0, 1])
    assert baselines.make("chance_prior").fit(X, y).predict(np.zeros((3, 4, 1))).tolist() == [2, 2, 2]


def test_chance_stratified_is_reproducible_for_a_seed(bump):
    a = baselines.make("chance_stratified", random_state=4).fit(bump.X, bump.y_codes).predict(bump.X)
    b = baselines.make("chance_stratified", random_state=4).fit(bump.X, bump.y_codes).predict(bump.X)
    assert np.array_equal(a, b)


def test_summary_features_ignore_right_zero_padding():
    rng = np.random.default_rng(0)
    series = rng.standard_normal((1, 20, 2)) + 0.5
    padded = np.concatenate([series, np.zeros((1, 12, 2))], axis=1)
    f = SummaryFeatures().fit(series)
    assert np.allclose(f.transform(series), SummaryFeatures().fit(padded).transform(padded), equal_nan=True)


def test_summary_features_see_a_scale_difference():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 30, 1))
    X[1] *= 4.0
    F = SummaryFeatures().fit_transform(X)
    std_col = SummaryFeatures().fit(X).feature_names_.index("c0_std")
    assert F[1, std_col] > 2.5 * F[0, std_col]


def test_2d_input_is_read_as_univariate(bump):
    X2 = bump.X[:, :, 0]
    pred = baselines.make("logistic").fit(X2, bump.y_codes).predict(X2)
    assert pred.shape == (len(X2),)


def test_vectorised_summary_features_equal_the_per_series_reference(monkeypatch):
    import signal_diagnostics.baselines.features as features
    from signal_diagnostics.baselines.features import _series_features

    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 30, 2)) + 0.3
    lengths = rng.integers(0, 31, size=40)
    lengths[:6] = [0, 1, 2, 3, 5, 30]
    for i, L in enumerate(lengths):
        X[i, L:] = 0.0
    X[7, :20, 1] = 2.0  # a constant channel: no autocorrelation
    X[7, 20:] = 0.0
    monkeypatch.setattr(features, "BLOCK_VALUES", 7 * 30 * 2)  # blocks of 7 series
    got = SummaryFeatures().fit(X).transform(X)
    true_len = baselines.series.true_lengths(X)
    want = np.array(
        [[v for c in range(2) for v in _series_features(x[:L, c], (1, 2, 4, 8), 4)] for x, L in zip(X, true_len)]
    )
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)
    assert np.isnan(got[0]).all() and not np.isnan(got[5]).any()


def test_logistic_equals_the_scikit_learn_pipeline_and_leaves_its_input_alone(bump):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = bump.X.astype(np.float64)
    before = X.copy()
    ours = baselines.make("logistic").fit(X[:90], bump.y_codes[:90])
    ref = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=0))
    ref.fit(X[:90].reshape(90, -1), bump.y_codes[:90])
    flat = X[90:].reshape(len(X) - 90, -1)
    np.testing.assert_allclose(ours.decision_function(X[90:]), ref.decision_function(flat), atol=1e-10)
    np.testing.assert_array_equal(ours.predict(X[90:]), ref.predict(flat))
    np.testing.assert_array_equal(X, before)  # standardised in a copy, never in the caller's array


def test_summary_features_take_univariate_two_dimensional_series():
    rng = np.random.default_rng(0)
    X2 = rng.standard_normal((12, 20))
    f2 = SummaryFeatures().fit(X2)
    f3 = SummaryFeatures().fit(X2[:, :, None])
    assert f2.feature_names_ == f3.feature_names_ and f2.n_channels_ == 1
    np.testing.assert_array_equal(f2.transform(X2), f3.transform(X2[:, :, None]))


def test_tags_say_what_a_baseline_can_do_and_the_run_asks_for_tags_not_names():
    """A baseline registered with the tags of a built-in one is treated alike: a head of the shuffle test,
    left out of large runs, never the best baseline."""
    from signal_diagnostics.baselines.registry import _REGISTRY
    from signal_diagnostics.pipeline.config import Config, baseline_names, shuffle_heads

    assert baselines.has_tag("minirocket", "ridge_fast") and not baselines.has_tag("logistic", "ridge_fast")
    assert not baselines.has_tag(object(), "chance") and not baselines.has_tag("nope", "chance")
    assert set(baselines.tagged("chance")) == {"chance_prior", "chance_stratified"}
    with pytest.raises(ValueError, match="unknown baseline tags"):
        baselines.register("bad", lambda random_state=0: None, "x", tags=("fastest",))
    with pytest.raises(ValueError, match="unknown baseline tag 'fastest'"):
        baselines.has_tag("minirocket", "fastest")

    baselines.register("my_ridge", lambda random_state=0, **p: None, "a ridge of mine", tags=("ridge_fast",))
    try:
        assert shuffle_heads(Config(), ["logistic", "my_ridge"])[-1] == "my_ridge"
        assert "logistic" not in shuffle_heads(Config(), ["logistic", "my_ridge"])
    finally:
        _REGISTRY.pop("my_ridge")

    class Big:  # only what baseline_names reads
        n_series, n_timesteps = 100_000, 200

    class Small:
        n_series, n_timesteps = 200, 50

    assert "dtw_1nn" in baseline_names(Small(), Config()) and "dtw_1nn" not in baseline_names(Big(), Config())


def test_features_gb_boosts_on_one_openmp_thread_with_bins_the_data_can_fill(bump, monkeypatch):
    # two OpenMP threads were slower than one at every size measured (a parallel region per node), and
    # bins past about one per 8 training series only lengthen the split search
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_info

    seen = []
    fit = HistGradientBoostingClassifier.fit

    def spy(self, X, y, **kw):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"})
        return fit(self, X, y, **kw)

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", spy)
    model = baselines.make("features_gb", max_iter=5).fit(bump.X, bump.y)
    assert seen == [{1}]
    assert model.model_.max_bins == 64  # 120 series: the floor
    big = np.repeat(bump.X, 20, axis=0)[:2400]
    assert baselines.make("features_gb", max_iter=2).fit(big, np.resize(bump.y, 2400)).model_.max_bins == 255
    assert baselines.make("features_gb", max_iter=2, max_bins=40).fit(bump.X, bump.y).model_.max_bins == 40
