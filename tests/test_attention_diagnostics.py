"""Attention diagnostics: a sigmoid on the scores makes attention near-uniform; without it, it focuses."""

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from signal_diagnostics.data import synthetic  # noqa: E402
from signal_diagnostics.models.inspect_attention import attention_diagnostics, sharpness  # noqa: E402
from signal_diagnostics.models.training import fit  # noqa: E402

# small enough for the default suite: T = 30, 16 LSTM units, 20 epochs (~7 s per model on 2 cores)
HYPER = dict(units=16, learning_rate=1e-2)


@pytest.fixture(scope="module")
def bump():
    return synthetic.bump(n=240, T=30, C=2, start=10, stop=16, amplitude=1.5, seed=0)


def diagnose_attention(data, activation):
    train, test = np.arange(180), np.arange(180, 240)
    trained = fit(
        "bilstm_attention",
        data.X[train],
        data.y_codes[train],
        n_classes=2,
        epochs=20,
        seed=0,
        validation_fraction=0,
        hyper={**HYPER, "attention_activation": activation},
    )
    return attention_diagnostics(trained, data.X[test], data.y_codes[test], data.lengths[test])


@pytest.fixture(scope="module")
def with_sigmoid(bump):
    return diagnose_attention(bump, "sigmoid")


@pytest.fixture(scope="module")
def without_activation(bump):
    return diagnose_attention(bump, None)


def test_sigmoid_attention_is_flagged_near_uniform(with_sigmoid):
    (diag,) = with_sigmoid
    assert diag.normalized_entropy >= 0.95
    assert diag.status == "warn"
    assert "sigmoid" in diag.verdict and "2.72" in diag.verdict


def test_attention_without_activation_is_sharper(with_sigmoid, without_activation):
    assert without_activation[0].normalized_entropy < with_sigmoid[0].normalized_entropy - 0.05
    assert without_activation[0].max_weight_ratio > with_sigmoid[0].max_weight_ratio


def test_diagnostic_carries_a_heatmap_of_the_longest_series(with_sigmoid, bump):
    diag = with_sigmoid[0]
    L = int(bump.lengths[180:][diag.example_index])
    weights = np.array(diag.weights_example)
    assert weights.shape == (L, L)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-3)


def test_diagnostic_is_plain_json(without_activation):
    doc = json.loads(json.dumps(without_activation[0].to_dict()))
    assert doc["layer"] == "self_attention" and doc["status"] in ("pass", "warn")


def test_sharpness_of_uniform_rows_is_one_and_of_one_hot_rows_is_zero():
    lengths = np.array([4, 2])
    uniform = np.zeros((2, 4, 4))
    uniform[0] = 0.25
    uniform[1, :, :2] = 0.5
    entropy, ratio, rows = sharpness(uniform, lengths)
    assert entropy == pytest.approx(1.0) and ratio == pytest.approx(1.0) and rows == 6
    one_hot = np.zeros((1, 4, 4))
    one_hot[0, :, 0] = 1.0
    entropy, ratio, _ = sharpness(one_hot, np.array([4]))
    assert entropy == pytest.approx(0.0) and ratio == pytest.approx(4.0)


def test_sharpness_ignores_padded_keys():
    weights = np.full((1, 4, 4), 0.1)
    weights[0, :, :2] = 0.4  # the weight on the two padded keys is dropped and the rest renormalised
    entropy, _, rows = sharpness(weights, np.array([2]))
    assert entropy == pytest.approx(1.0) and rows == 2


def test_attention_pooling_is_diagnosed_and_its_ablation_changes_nothing_for_uniform_weights():
    data = synthetic.bump(n=40, T=12, C=2, start=4, stop=8, amplitude=2.0, variable_length=True, seed=2)
    trained = fit("bilstm_attention_pool", data.X, data.y_codes, n_classes=2, epochs=1, hyper=dict(units=4, depth=1))
    layer = trained.model.get_layer("attention_pool")
    layer.v.assign(np.zeros_like(keras.ops.convert_to_numpy(layer.v)))  # constant scores -> uniform pooling
    (diag,) = attention_diagnostics(trained, data.X, data.y_codes, data.lengths)
    assert diag.layer == "attention_pool"
    assert diag.normalized_entropy == pytest.approx(1.0, abs=1e-6)
    assert diag.uniform_ablation_delta == 0.0


def test_model_without_attention_gives_no_diagnostics():
    data = synthetic.bump(n=20, T=10, C=1, start=2, stop=6, seed=3)
    trained = fit("bilstm", data.X, data.y_codes, n_classes=2, epochs=1, hyper=dict(units=2, depth=1))
    assert attention_diagnostics(trained, data.X, data.y_codes, data.lengths) == []


@pytest.mark.slow
def test_at_field_notes_size_sigmoid_is_uniform_and_plain_scores_focus():
    # the configuration of the field notes: T = 40, BiLSTM 32 units, 30 epochs, Adam's default rate
    data = synthetic.bump(n=300, T=40, C=3, start=15, stop=25, amplitude=1.0, seed=4)
    train, test = np.arange(225), np.arange(225, 300)
    entropy = {}
    for activation in ("sigmoid", None):
        trained = fit(
            "bilstm_attention",
            data.X[train],
            data.y_codes[train],
            n_classes=2,
            epochs=30,
            seed=0,
            validation_fraction=0,
            hyper={"units": 32, "attention_activation": activation},
        )
        (diag,) = attention_diagnostics(trained, data.X[test], data.y_codes[test], data.lengths[test])
        entropy[activation] = diag.normalized_entropy
    assert entropy["sigmoid"] >= 0.95
    assert entropy[None] < entropy["sigmoid"] - 0.05
