"""SeqSelfAttention matches keras-self-attention 0.51; its call returns its weights and its override
arguments do what they say, with no attribute set on the layer."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from signal_diagnostics.models import SeqSelfAttention  # noqa: E402

T, F = 7, 5
CONFIGS = {
    "multiplicative": dict(attention_type="multiplicative"),
    "additive": dict(attention_type="additive"),
    "width": dict(attention_type="additive", attention_width=3),
    "sigmoid": dict(attention_type="multiplicative", attention_activation="sigmoid"),
    "history_only": dict(attention_type="multiplicative", history_only=True),
    "history_width": dict(attention_type="additive", history_only=True, attention_width=2),
    "return_attention": dict(attention_type="multiplicative", return_attention=True),
    "no_biases": dict(attention_type="additive", use_additive_bias=False, use_attention_bias=False),
}


def padded_batch(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, T, F)).astype("float32")
    x[0, 4:] = 0.0
    x[1, 6:] = 0.0
    return x


def model_with(layer, masked):
    inputs = keras.Input((T, F))
    h = keras.layers.Masking(0.0)(inputs) if masked else inputs
    return keras.Model(inputs, layer(h))


def as_list(out):
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "mask"])
@pytest.mark.parametrize("config", list(CONFIGS))
def test_outputs_match_keras_self_attention(config, masked):
    original = pytest.importorskip("keras_self_attention")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("keras-self-attention runs on the TensorFlow backend only")
    theirs = model_with(original.SeqSelfAttention(units=6, **CONFIGS[config]), masked)
    ours = model_with(SeqSelfAttention(units=6, **CONFIGS[config]), masked)
    rng = np.random.default_rng(1)  # scale up their random weights so the scores are far from uniform
    theirs.layers[-1].set_weights([w * 3 + rng.normal(0, 0.1, w.shape) for w in theirs.layers[-1].get_weights()])
    ours.layers[-1].set_weights(theirs.layers[-1].get_weights())
    x = padded_batch()
    for a, b in zip(as_list(theirs.predict(x, verbose=0)), as_list(ours.predict(x, verbose=0))):
        np.testing.assert_allclose(b, a, atol=1e-5)


def test_attention_regularizer_loss_matches_keras_self_attention():
    original = pytest.importorskip("keras_self_attention")
    x = padded_batch()
    theirs = original.SeqSelfAttention(attention_type="multiplicative", attention_regularizer_weight=0.1)
    ours = SeqSelfAttention(attention_type="multiplicative", attention_regularizer_weight=0.1)
    theirs(x)
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    ours(x)
    assert float(ours.losses[0]) > 0
    np.testing.assert_allclose(float(ours.losses[0]), float(theirs.losses[0]), rtol=1e-5)


def test_masked_query_rows_put_no_weight_on_masked_keys():
    layer = SeqSelfAttention(attention_type="multiplicative")
    x = padded_batch()
    mask = np.any(x != 0, axis=-1)
    a = keras.ops.convert_to_numpy(layer.attention_weights(x, mask))
    assert a[0, 4:, 4:].max() < 1e-3  # series 0 is padded from step 4


def test_output_mask_is_input_mask():
    layer = SeqSelfAttention()
    mask = np.array([[True, True, False]])
    assert layer.compute_mask(np.zeros((1, 3, 2)), mask) is mask


def test_uniform_override_spreads_weight_evenly_over_real_keys():
    layer = SeqSelfAttention(attention_type="multiplicative")
    x = padded_batch()
    mask = np.any(x != 0, axis=-1)
    a = keras.ops.convert_to_numpy(layer.attention_weights(x, mask, attention_override="uniform"))
    np.testing.assert_allclose(a[0, :4, :4], 0.25, atol=1e-6)
    np.testing.assert_allclose(a[0, :4, 4:], 0.0, atol=1e-6)
    np.testing.assert_allclose(a[2], 1.0 / T, atol=1e-6)


def test_permute_override_shuffles_real_keys_and_keeps_each_row():
    layer = SeqSelfAttention(
        attention_type="multiplicative", kernel_initializer=keras.initializers.RandomNormal(0, 1, seed=3)
    )
    x = padded_batch()
    mask = np.any(x != 0, axis=-1)
    plain = keras.ops.convert_to_numpy(layer.attention_weights(x, mask))
    shuffled = keras.ops.convert_to_numpy(layer.attention_weights(x, mask, attention_override="permute"))
    np.testing.assert_allclose(np.sort(shuffled[0, :, :4], axis=-1), np.sort(plain[0, :, :4], axis=-1), atol=1e-6)
    np.testing.assert_allclose(shuffled[0, :, 4:], plain[0, :, 4:], atol=1e-6)  # padded keys stay put
    assert not np.allclose(shuffled, plain)


def test_permute_override_is_reproducible_for_a_seed_and_varies_across_seeds():
    layer = SeqSelfAttention(
        attention_type="multiplicative", kernel_initializer=keras.initializers.RandomNormal(0, 1, seed=3)
    )
    x = padded_batch()
    draws = {}
    for seed in (0, 0, 1):
        a = layer.attention_weights(x, attention_override="permute", override_seed=seed)
        draws.setdefault(seed, []).append(keras.ops.convert_to_numpy(a))
    np.testing.assert_array_equal(draws[0][0], draws[0][1])
    assert not np.allclose(draws[0][0], draws[1][0])


def test_unknown_override_is_refused():
    layer = SeqSelfAttention()
    with pytest.raises(ValueError, match="attention_override"):
        layer(padded_batch(), attention_override="shuffle")


@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "mask"])
def test_call_returns_the_weights_it_used(masked):
    layer = SeqSelfAttention(
        attention_type="multiplicative", kernel_initializer=keras.initializers.RandomNormal(0, 1, seed=3)
    )
    x = padded_batch()
    mask = np.any(x != 0, axis=-1) if masked else None
    v, a = layer(x, mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(layer.attention_weights(x, mask))
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(v), keras.ops.convert_to_numpy(layer(x, mask=mask)), atol=1e-6
    )
    np.testing.assert_allclose(keras.ops.convert_to_numpy(v), np.matmul(keras.ops.convert_to_numpy(a), x), atol=1e-5)


def test_call_arguments_ablate_with_no_attribute_set():
    layer = SeqSelfAttention(
        attention_type="multiplicative", kernel_initializer=keras.initializers.RandomNormal(0, 1, seed=3)
    )
    x = padded_batch()
    mask = np.any(x != 0, axis=-1)
    plain = keras.ops.convert_to_numpy(layer(x, mask=mask))
    v, a = layer(x, mask=mask, attention_override="uniform", return_attention_scores=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(a)[0, :4, :4], 0.25, atol=1e-6)
    assert not np.allclose(keras.ops.convert_to_numpy(v), plain)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, mask=mask)), plain)  # nothing stays behind
    assert not hasattr(layer, "attention_override") and not hasattr(layer, "override_seed")


def test_symbolic_call_with_the_arguments_builds_a_model_that_ablates_when_compiled():
    """The arguments are part of the graph: a model built with them ablates in predict, no eager call needed."""
    inputs = keras.Input((T, F))
    layer = SeqSelfAttention(
        attention_type="multiplicative", kernel_initializer=keras.initializers.RandomNormal(0, 1, seed=3)
    )
    h = keras.layers.Masking(0.0)(inputs)
    v, a = layer(h, attention_override="permute", override_seed=4, return_attention_scores=True)
    assert tuple(v.shape) == (None, T, F) and tuple(a.shape) == (None, T, T)
    x = padded_batch()
    out, weights = keras.Model(inputs, [v, a]).predict(x, verbose=0)
    mask = np.any(x != 0, axis=-1)
    expected = keras.ops.convert_to_numpy(
        layer.attention_weights(x, mask, attention_override="permute", override_seed=4)
    )
    np.testing.assert_allclose(weights, expected, atol=1e-6)
    np.testing.assert_allclose(out, np.matmul(expected, x), atol=1e-5)


def test_attention_pooling_call_returns_and_replaces_its_weights():
    from signal_diagnostics.models import AttentionPooling

    layer = AttentionPooling(units=4, kernel_initializer=keras.initializers.RandomNormal(0, 1, seed=3))
    x = padded_batch()
    mask = np.any(x != 0, axis=-1)
    pooled, a = layer(x, mask=mask, return_attention_scores=True)
    a = keras.ops.convert_to_numpy(a)
    assert a.shape == (4, T) and np.allclose(a.sum(axis=1), 1.0, atol=1e-6) and a[0, 4:].max() == 0.0
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(pooled), keras.ops.convert_to_numpy(layer(x, mask=mask)), atol=1e-6
    )
    _, uniform = layer(x, mask=mask, attention_override="uniform", return_attention_scores=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(uniform)[0], [0.25] * 4 + [0.0] * 3, atol=1e-6)
    assert not hasattr(layer, "attention_override")


def test_unknown_attention_type_is_refused_as_the_original_does():
    with pytest.raises(NotImplementedError, match="attention type"):
        SeqSelfAttention(attention_type="dot")


def test_config_round_trip_rebuilds_the_same_layer():
    layer = SeqSelfAttention(
        units=5,
        attention_type="additive",
        attention_width=4,
        history_only=True,
        attention_activation="sigmoid",
        kernel_regularizer="l2",
        attention_regularizer_weight=1e-3,
    )
    clone = SeqSelfAttention.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.attention_width == 4 and clone.history_only and clone.units == 5


def test_keras_file_round_trip_gives_the_same_outputs(tmp_path):
    model = model_with(
        SeqSelfAttention(attention_type="multiplicative", attention_activation="sigmoid", return_attention=True),
        masked=True,
    )
    x = padded_batch()
    path = tmp_path / "attention.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    for a, b in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0)):
        np.testing.assert_allclose(b, a, atol=1e-6)
