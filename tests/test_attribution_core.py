"""Attribution methods on a model-agnostic classifier, faithfulness, window precision, agreement."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from signal_diagnostics.attribution import attribute, faithfulness, kendall_tau, timestep_map_profile, window_precision
from signal_diagnostics.attribution.record import summarise
from signal_diagnostics.data import synthetic
from signal_diagnostics.errors import DataError

START, STOP, T = 8, 12, 20


def _flat(X):
    return X.reshape(len(X), -1)


@pytest.fixture(scope="module")
def bump():
    return synthetic.bump(n=240, T=T, C=2, start=START, stop=STOP, amplitude=2.0, seed=1)


@pytest.fixture(scope="module")
def logistic(bump):
    model = make_pipeline(FunctionTransformer(_flat), LogisticRegression(C=0.1, max_iter=2000))
    return model.fit(bump.X[:180], bump.y_codes[:180])


def _explain(model, d, method, **kw):
    return attribute(model, d.X[180:220], d.y_codes[180:220], method=method, background=d.X[:180], **kw)


@pytest.mark.parametrize("method", ["shap", "occlusion"])
def test_model_agnostic_methods_find_the_planted_window(bump, logistic, method):
    a = _explain(logistic, bump, method)
    random_precision = (STOP - START) / T
    assert window_precision(a, START, STOP) > random_precision + 0.4


def test_shap_is_reproducible_with_the_same_seed(bump, logistic):
    a = _explain(logistic, bump, "shap", random_state=3)
    b = _explain(logistic, bump, "shap", random_state=3)
    np.testing.assert_array_equal(a.values, b.values)


def test_shap_values_of_a_linear_model_sum_to_the_probability_change(bump):
    # with one permutation pass Shapley values are exactly efficient: sum = f(x) - f(background)
    model = make_pipeline(FunctionTransformer(_flat), LogisticRegression(max_iter=2000))
    model.fit(bump.X[:180], bump.y_codes[:180])
    X = bump.X[180:190]
    a = attribute(model, X, method="shap", background=bump.X[:180])
    bg = np.broadcast_to(bump.X[:180].mean(axis=0), X.shape)
    p = model.predict_proba(X)[np.arange(10), a.explained]
    p0 = model.predict_proba(bg)[np.arange(10), a.explained]
    np.testing.assert_allclose(a.timestep.sum(axis=1), p - p0, atol=1e-6)


def test_padded_steps_get_exactly_zero_importance():
    d = synthetic.bump(n=160, T=T, C=2, start=2, stop=6, amplitude=2.0, variable_length=True, seed=2)
    # a model that reads every cell, padded ones included
    model = make_pipeline(FunctionTransformer(_flat), LogisticRegression(max_iter=2000)).fit(d.X, d.y_codes)
    padded = np.arange(T)[None, :] >= d.lengths[:40, None]
    assert padded.any()
    for method in ("shap", "occlusion"):
        a = attribute(model, d.X[:40], d.y_codes[:40], method=method, lengths=d.lengths[:40])
        assert np.all(a.values[padded] == 0.0), method


def test_summaries_leave_padded_steps_out():
    values = np.ones((2, 4, 1))
    values[1] *= 3.0
    a = summarise("occlusion", values, np.array([0, 1]), np.array([4, 2]), 2)
    # steps 0-1: both series (1 and 3) -> 2; steps 2-3: only series 0 -> 1
    np.testing.assert_allclose(a.per_timestep, [2.0, 2.0, 1.0, 1.0])
    np.testing.assert_allclose(a.per_class[1], [3.0, 3.0, np.nan, np.nan])
    assert np.all(a.values[1, 2:] == 0.0)


def test_predicted_class_is_explained_when_y_is_missing(bump, logistic):
    a = attribute(logistic, bump.X[180:200], method="occlusion")
    np.testing.assert_array_equal(a.explained, logistic.predict(bump.X[180:200]))


def test_decision_function_only_models_are_explained_through_a_softmax(bump):
    ridge = make_pipeline(FunctionTransformer(_flat), RidgeClassifier()).fit(bump.X[:180], bump.y_codes[:180])
    a = _explain(ridge, bump, "occlusion")
    assert window_precision(a, START, STOP) > (STOP - START) / T + 0.4


def test_faithful_attributions_beat_random_deletion_orders(bump, logistic):
    a = _explain(logistic, bump, "occlusion")
    f = faithfulness(logistic, bump.X[180:220], bump.y_codes[180:220], a, background=bump.X[:180], k_max=6)
    assert len(f["curve"]) == 6 and len(f["random_curve"]) == 6
    assert f["aopc"] > f["random_aopc"] + 0.05


def test_window_precision_counts_top_steps_inside_the_window():
    values = np.zeros((1, 6, 1))
    values[0, :, 0] = [0.0, 5.0, -4.0, 1.0, 3.0, 0.5]  # |.| ranks steps 1, 2, 4, ...
    a = summarise("shap", values, np.array([0]), np.array([6]), 2)
    assert window_precision(a, 1, 3, k=2) == 1.0
    assert window_precision(a, 1, 3, k=4) == 0.5
    assert window_precision(a, 4, 6, k=2) == 0.0


def test_kendall_tau_ranks_agreement():
    a = np.arange(10.0)
    assert kendall_tau(a, a * 2 + 1) == pytest.approx(1.0)
    assert kendall_tau(a, -a) == pytest.approx(-1.0)
    assert kendall_tau(a, np.ones(10)) is None
    assert kendall_tau([0.0, np.nan, 1.0, 2.0], [0.0, 5.0, 1.0, 2.0]) == pytest.approx(1.0)


def test_timestep_map_profile_sums_the_statistic_over_channels():
    section = {"statistic": [[1.0, 2.0], [None, 4.0], [0.5, 0.5]]}
    np.testing.assert_allclose(timestep_map_profile(section), [3.0, 4.0, 1.0])


def test_unknown_method_is_refused(bump, logistic):
    with pytest.raises(DataError, match="unknown attribution method"):
        attribute(logistic, bump.X[:5], method="lime")


def test_integrated_gradients_needs_a_keras_model(bump, logistic):
    with pytest.raises(DataError, match="needs a Keras model"):
        attribute(logistic, bump.X[:5], method="integrated_gradients")


def test_to_dict_is_plain_json(bump, logistic):
    a = attribute(logistic, bump.X[180:190], method="occlusion")
    doc = json.loads(json.dumps(a.to_dict()))
    assert len(doc["per_timestep"]) == T and len(doc["per_channel"]) == 2
