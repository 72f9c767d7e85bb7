"""Attributions of small Keras BiLSTMs (H4's zoo) on a planted window: every method finds it."""

import numpy as np
import pytest

from signal_diagnostics.attribution import attribute, faithfulness, window_precision
from signal_diagnostics.data import synthetic

training = pytest.importorskip("signal_diagnostics.models.training")

START, STOP, T = 12, 18, 30
HYPER = {"units": 16, "depth": 1}


@pytest.fixture(scope="module")
def bump():
    return synthetic.bump(n=300, T=T, C=2, start=START, stop=STOP, amplitude=2.0, variable_length=True, seed=0)


@pytest.fixture(scope="module")
def random_precision(bump):
    """A random ranking's expected precision: window / length, averaged over the explained series."""
    return float(np.mean((STOP - START) / bump.lengths[225:265]))


def _fit(name, d):
    return training.fit(name, d.X[:225], d.y_codes[:225], n_classes=2, epochs=8, seed=0, hyper=HYPER)


@pytest.fixture(scope="module")
def bilstm(bump):
    return _fit("bilstm", bump)


@pytest.fixture(scope="module")
def pooled(bump):
    return _fit("bilstm_attention_pool", bump)


def _explain(model, d, method, **kw):
    return attribute(
        model, d.X[225:265], d.y_codes[225:265], method=method, lengths=d.lengths[225:265], background=d.X[:225], **kw
    )


@pytest.mark.parametrize("method", ["shap", "integrated_gradients", "occlusion"])
def test_bilstm_attributions_find_the_planted_window(bump, bilstm, random_precision, method):
    assert window_precision(_explain(bilstm, bump, method), START, STOP) > random_precision + 0.25


@pytest.mark.parametrize("method", ["shap", "integrated_gradients", "occlusion", "attention"])
def test_attention_pooling_model_attributions_find_the_planted_window(bump, pooled, random_precision, method):
    assert window_precision(_explain(pooled, bump, method), START, STOP) > random_precision + 0.15


def test_integrated_gradients_are_complete(bump, bilstm):
    a = _explain(bilstm, bump, "integrated_gradients")
    assert a.completeness["mean_relative_error"] < 0.05


def test_integrated_gradients_on_a_bare_keras_model_are_complete(bump, bilstm):
    # the inner network on pre-standardised input: same attributions as through the TrainedModel
    Xs = bilstm.standardise(bump.X[225:245])
    bare = attribute(
        bilstm.model,
        Xs,
        bump.y_codes[225:245],
        method="integrated_gradients",
        lengths=bump.lengths[225:245],
        background=bilstm.standardise(bump.X[:225]),
    )
    assert bare.completeness["mean_relative_error"] < 0.05


@pytest.mark.parametrize("method", ["shap", "integrated_gradients", "occlusion", "attention"])
def test_padded_steps_get_exactly_zero_importance(bump, pooled, method):
    a = _explain(pooled, bump, method)
    padded = np.arange(T)[None, :] >= bump.lengths[225:265, None]
    assert padded.any()
    assert np.all(a.values[padded] == 0.0)


def test_attention_is_refused_for_a_model_without_attention(bump, bilstm):
    from signal_diagnostics.errors import DataError

    with pytest.raises(DataError, match="no layer that returns attention weights"):
        _explain(bilstm, bump, "attention")


def test_deleting_top_shap_steps_hurts_more_than_random_steps(bump, bilstm):
    a = _explain(bilstm, bump, "shap")
    f = faithfulness(bilstm, bump.X[225:265], bump.y_codes[225:265], a, background=bump.X[:225], k_max=8)
    assert f["aopc"] > 3 * f["random_aopc"]


def test_attention_importance_is_a_distribution_over_the_real_steps(bump, pooled):
    a = _explain(pooled, bump, "attention")
    np.testing.assert_allclose(a.timestep.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.slow
def test_self_attention_model_attributions_find_the_window(bump, random_precision):
    # SeqSelfAttention(multiplicative, sigmoid): near-uniform weights by construction (NOTES.md), yet their
    # ranking over keys still leans towards the window; real queries also attend to padded keys
    model = training.fit(
        "bilstm_attention", bump.X[:225], bump.y_codes[:225], n_classes=2, epochs=15, seed=0, hyper=HYPER
    )
    for method in ("shap", "integrated_gradients", "occlusion", "attention"):
        assert window_precision(_explain(model, bump, method), START, STOP) > random_precision + 0.15, method
    a = _explain(model, bump, "attention")
    padded = np.arange(T)[None, :] >= bump.lengths[225:265, None]
    assert np.all(a.values[padded] == 0.0)
    assert 0.0 < a.info["padded_key_share"] < 1.0
