"""Attention layers are found by what they can return, whatever their class; their weights are read
as the model uses them and can be replaced, by calling the model's layers anew; a layer that cannot
give weights says so."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from signal_diagnostics.models import AttentionPooling, SeqSelfAttention  # noqa: E402
from signal_diagnostics.models.attention_probe import find_attention, padding_share  # noqa: E402
from signal_diagnostics.models.attention_run import attention_model, record_weights, run_attention  # noqa: E402

T, C = 6, 3
LENGTHS = np.array([4, 3, 6, 6, 5])


def padded_series(seed=0):
    X = np.random.default_rng(seed).standard_normal((len(LENGTHS), T, C)).astype("float32")
    for i, L in enumerate(LENGTHS):
        X[i, L:] = 0.0
    return X


def model_around(attend):
    inputs = keras.Input((T, C))
    h = keras.layers.LSTM(4, return_sequences=True)(keras.layers.Masking(0.0)(inputs))
    out = attend(h)
    if len(out.shape) == 3:
        out = keras.layers.GlobalAveragePooling1D()(out)
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(out))


KERAS_LAYERS = {
    "MultiHeadAttention": (lambda h: keras.layers.MultiHeadAttention(2, 4, name="att")(h, h), "multi_head", 4),
    "Attention": (lambda h: keras.layers.Attention(name="att")([h, h]), "dense", 3),
    "AdditiveAttention": (lambda h: keras.layers.AdditiveAttention(name="att")([h, h]), "dense", 3),
    "SeqSelfAttention (ours)": (lambda h: SeqSelfAttention(name="att")(h), "own", 3),
    "AttentionPooling (ours)": (lambda h: AttentionPooling(name="att")(h), "own", 3),
}


@pytest.mark.parametrize("name", list(KERAS_LAYERS))
def test_keras_and_own_attention_layers_are_found_and_their_weights_read(name):
    attend, kind, ndim = KERAS_LAYERS[name]
    model = model_around(attend)
    (probe,) = find_attention(model)
    assert probe.kind == kind and probe.name == "att" and probe.can_ablate
    w = record_weights(model, probe, padded_series())
    assert w.ndim == ndim and w.shape[-1] == T
    rows = w if ndim == 3 else w.mean(axis=1)
    for i, L in enumerate(LENGTHS):  # every real row is a distribution
        np.testing.assert_allclose(rows[i, : min(L, rows.shape[1])].sum(axis=-1), 1.0, atol=1e-5)
    if kind != "own" or name.startswith("AttentionPooling"):
        assert padding_share(w, LENGTHS) == pytest.approx(0.0, abs=1e-6)  # these mask the padded keys


@pytest.mark.parametrize("name", list(KERAS_LAYERS))
def test_uniform_override_gives_uniform_weights_and_changes_the_output(name):
    attend, _, _ = KERAS_LAYERS[name]
    model = model_around(attend)
    (probe,) = find_attention(model)
    X = padded_series()
    before = keras.ops.convert_to_numpy(model(X))
    overridden, w = run_attention(model, probe, X, mode="uniform")
    w = w[:, None, :] if w.ndim == 2 else (w[:, 0] if w.ndim == 4 else w)  # (n, Q, T); multi-head: head 0
    np.testing.assert_allclose(w[2, 0], np.full(T, 1 / T), atol=1e-6)  # series 2 is unpadded: 1/6 each
    normal, _ = run_attention(model, probe, X)
    np.testing.assert_allclose(normal, before, atol=1e-6)  # without an override: the model's own output
    assert not np.allclose(normal, overridden)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model(X)), before)  # the model is left as it was
    assert not hasattr(probe.layer, "attention_override")


@pytest.mark.parametrize("name", list(KERAS_LAYERS))
def test_the_rebuilt_model_ablates_in_a_compiled_predict_too(name):
    """No eager call is needed: the ablation is part of the rebuilt model's graph."""
    attend, _, _ = KERAS_LAYERS[name]
    model = model_around(attend)
    (probe,) = find_attention(model)
    X = padded_series()
    eager_out, eager_w = run_attention(model, probe, X, mode="permute", seed=2)
    out, w = attention_model(model, probe, mode="permute", seed=2).predict(X, batch_size=len(X), verbose=0)
    np.testing.assert_allclose(out, eager_out, atol=1e-5)
    np.testing.assert_allclose(w, eager_w, atol=1e-5)


def test_constant_scores_spread_a_real_row_over_padded_keys_as_keras_self_attention_does():
    """With W = 0 every score is sigmoid(0): real rows weigh all T keys alike, padded ones included."""
    layer = SeqSelfAttention(
        attention_type=SeqSelfAttention.ATTENTION_TYPE_MUL, attention_activation="sigmoid", kernel_initializer="zeros"
    )
    model = model_around(layer)
    (probe,) = find_attention(model)
    share = padding_share(record_weights(model, probe, padded_series()), LENGTHS)
    expected = sum(L * (T - L) / T for L in LENGTHS) / LENGTHS.sum()
    assert share == pytest.approx(expected, abs=1e-6)
    assert probe.activation == "sigmoid" and probe.bounded_activation


class OpaqueAttention(keras.layers.Layer):
    """An attention layer that keeps its weights to itself."""

    def call(self, inputs):
        return inputs * 2.0


def test_a_layer_that_cannot_give_weights_gets_an_error_entry_not_silence():
    from signal_diagnostics.models.inspect_attention import attention_diagnostics
    from signal_diagnostics.models.training import Standardiser, TrainedModel

    model = model_around(lambda h: OpaqueAttention(name="opaque")(h))
    trained = TrainedModel(
        name="theirs",
        model=model,
        standardiser=Standardiser(np.zeros(C), np.ones(C)),
        n_classes=2,
        epochs_run=0,
        train_seconds=0.0,
        device="cpu",
        backend="tensorflow",
    )
    X = padded_series()
    (diag,) = attention_diagnostics(trained, X, np.array([0, 1, 0, 1, 0]), LENGTHS)
    assert diag.status == "error" and diag.layer == "opaque"
    assert "cannot return its attention weights" in diag.verdict
    assert diag.to_dict()["normalized_entropy"] is None  # NaN -> null


def test_explain_says_why_attention_was_not_attributed(tmp_path):
    from signal_diagnostics.attribution.explain import explain_models
    from signal_diagnostics.data import synthetic

    model = model_around(lambda h: OpaqueAttention(name="opaque")(h))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    path = tmp_path / "opaque.keras"
    keras.saving.register_keras_serializable("test")(OpaqueAttention)
    model.save(path)
    data = synthetic.bump(n=24, T=T, C=C, start=1, stop=3, amplitude=2.0, seed=0)
    (row,) = explain_models(data, [str(path)], methods=["attention"], samples=4)
    assert row["status"] == "error" and "opaque" in row["message"] and row["timestep_importance"] == []


def test_keras_self_attention_layers_are_found_by_their_return_attention_option():
    ksa = pytest.importorskip("keras_self_attention")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("keras-self-attention runs on the TensorFlow backend only")
    for attend, ndim in (
        (lambda h: ksa.SeqSelfAttention(name="att")(h), 3),
        (lambda h: ksa.SeqWeightedAttention(name="att")(h), 3),
        (lambda h: ksa.SeqSelfAttention(return_attention=True, name="att")(h)[0], 3),
    ):
        model = model_around(attend)
        (probe,) = find_attention(model)
        assert probe.kind == "return_attention" and probe.layer_class.startswith("keras_self_attention.")
        X = padded_series()
        w = record_weights(model, probe, X)
        assert w.ndim == ndim and w.shape[-1] == T
        normal = keras.ops.convert_to_numpy(model(X))
        permuted, _ = run_attention(model, probe, X, mode="permute", seed=3)
        assert not np.allclose(normal, permuted)


def test_sequential_and_nested_models_are_called_anew_with_their_own_layers():
    X = padded_series()
    sequential = keras.Sequential(
        [
            keras.Input((T, C)),
            keras.layers.Masking(0.0),
            SeqSelfAttention(name="att"),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(2),
        ]
    )
    inner_in = keras.Input((T, 4))
    inner = keras.Model(inner_in, AttentionPooling(name="att")(inner_in), name="inner")
    nested = model_around(lambda h: inner(h))
    for model in (sequential, nested):
        (probe,) = find_attention(model)
        w = record_weights(model, probe, X)
        assert w.shape == (len(X), T if model is sequential else 1, T)
        out, _ = run_attention(model, probe, X)
        np.testing.assert_allclose(out, keras.ops.convert_to_numpy(model(X)), atol=1e-6)
        _, uniform = run_attention(model, probe, X, mode="uniform")
        np.testing.assert_allclose(uniform.reshape(len(X), -1, T)[2], 1 / T, atol=1e-6)


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.att = SeqSelfAttention(name="att")
        self.out = keras.layers.Dense(2)

    def call(self, x):
        return self.out(keras.ops.mean(self.att(x), axis=1))


def test_a_subclassed_model_says_its_layers_cannot_be_called_anew():
    from signal_diagnostics.models.attention_probe import ProbeError

    model = Subclassed()
    model(padded_series())
    (probe,) = find_attention(model)
    with pytest.raises(ProbeError, match="subclassed"):
        record_weights(model, probe, padded_series())
