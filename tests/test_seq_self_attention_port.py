"""Our SeqSelfAttention is a drop-in for keras-self-attention's: its own test module, ported.

Mirrors CyberZHG/keras-self-attention's tests/seq_self_attention (util.check_mask_shape and the
test_activation, test_bias, test_history, test_local, test_loss, test_mask, test_mul and
test_save_load cases) against ``signal_diagnostics.models.SeqSelfAttention``, written anew for pytest; then
checks the public API against the installed original where it is available.
"""

import inspect

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from signal_diagnostics.models import SeqSelfAttention  # noqa: E402

SENTENCES = [
    ["All", "work", "and", "no", "play"],
    ["makes", "Jack", "a", "dull", "boy", "."],
    ["From", "that", "day", "forth", "my", "arm", "changed"],
]


def input_data(seed=0):
    """Token ids right-padded with 0 (the Embedding's mask), some words replaced by <UNK> = 1."""
    rng = np.random.default_rng(seed)
    tokens = {"": 0, "<UNK>": 1}
    data = np.zeros((len(SENTENCES), max(map(len, SENTENCES))), dtype="int32")
    for i, sentence in enumerate(SENTENCES):
        for j, word in enumerate(sentence):
            if word in tokens:
                data[i, j] = tokens[word]
            elif rng.integers(0, 5) == 0:
                data[i, j] = tokens["<UNK>"]
            else:
                data[i, j] = tokens[word] = len(tokens)
    return data, tokens


def get_model(attention, tokens):
    inputs = keras.Input(shape=(None,), name="Input")
    embedded = keras.layers.Embedding(len(tokens), 16, mask_zero=True, name="Embedding")(inputs)
    lstm = keras.layers.Bidirectional(keras.layers.LSTM(16, return_sequences=True), name="Bi-LSTM")(embedded)
    if attention.return_attention:
        att, weights = attention(lstm)
    else:
        att = attention(lstm)
    dense = keras.layers.Dense(5, name="Dense")(att)
    if attention.return_attention:
        model = keras.Model(inputs, [dense, weights])
        model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    else:
        model = keras.Model(inputs, dense)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def check_mask_shape(attention):
    """Every real pair inside the window gets weight, every other real pair none, rows sum to 1."""
    data, tokens = input_data()
    weights = get_model(attention, tokens).predict(data, verbose=0)[1]
    width = 1e9 if attention.attention_width is None else attention.attention_width
    for i, sentence in enumerate(SENTENCES):
        for j in range(len(sentence)):
            for k in range(len(sentence)):
                inside = (0 <= j - k < width) if attention.history_only else (abs(j - k) <= width // 2)
                if inside:
                    assert weights[i][j][k] > 0.0
                else:
                    assert weights[i][j][k] == 0.0
            assert abs(np.sum(weights[i][j]) - 1.0) < 1e-6


def regularised(**kwargs):
    return SeqSelfAttention(
        return_attention=True,
        kernel_regularizer=keras.regularizers.l2(1e-4),
        bias_regularizer=keras.regularizers.l1(1e-4),
        name="Attention",
        **kwargs,
    )


def test_attention_activation():
    check_mask_shape(regularised(attention_width=3, attention_activation="sigmoid"))


def test_no_bias():
    check_mask_shape(
        regularised(attention_width=3, use_additive_bias=False, use_attention_bias=False, attention_activation="relu")
    )


def test_history():
    check_mask_shape(SeqSelfAttention(return_attention=True, attention_width=3, history_only=True, name="Attention"))


def test_infinite_history():
    check_mask_shape(SeqSelfAttention(return_attention=True, history_only=True, name="Attention"))


@pytest.mark.parametrize("attention_type", [SeqSelfAttention.ATTENTION_TYPE_ADD, SeqSelfAttention.ATTENTION_TYPE_MUL])
def test_local(attention_type):
    check_mask_shape(regularised(attention_width=5, attention_type=attention_type))


def test_return_attention():
    check_mask_shape(regularised())


def test_multiplicative():
    check_mask_shape(regularised(attention_width=15, attention_type=SeqSelfAttention.ATTENTION_TYPE_MUL))


def test_not_implemented():
    with pytest.raises(NotImplementedError):
        SeqSelfAttention(return_attention=True, attention_type="random")


def test_loss():
    attention = SeqSelfAttention(
        return_attention=False,
        attention_type=SeqSelfAttention.ATTENTION_TYPE_MUL,
        kernel_regularizer=keras.regularizers.l2(1e-6),
        bias_regularizer=keras.regularizers.l1(1e-6),
        attention_regularizer_weight=1e-4,
        name="Attention",
    )
    data, tokens = input_data()
    model = get_model(attention, tokens)
    history = model.fit(data, np.zeros((len(SENTENCES), data.shape[1], 1)), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        dict(
            return_attention=True,
            attention_width=7,
            attention_type=SeqSelfAttention.ATTENTION_TYPE_MUL,
            kernel_regularizer=keras.regularizers.l2(1e-4),
            bias_regularizer=keras.regularizers.l1(1e-4),
            attention_regularizer_weight=1e-3,
        ),
    ],
    ids=["plain", "with_loss"],
)
def test_save_load(kwargs, tmp_path):
    data, tokens = input_data()
    model = get_model(SeqSelfAttention(name="Attention", **kwargs), tokens)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects=SeqSelfAttention.get_custom_objects())

    def outputs(m):
        out = m.predict(data, verbose=0)
        return out if isinstance(out, list) else [out]

    for a, b in zip(outputs(model), outputs(loaded)):
        np.testing.assert_allclose(b, a, atol=1e-6)


def test_custom_objects_name_the_class_as_the_original_does():
    assert SeqSelfAttention.get_custom_objects() == {"SeqSelfAttention": SeqSelfAttention}
    assert (SeqSelfAttention.ATTENTION_TYPE_ADD, SeqSelfAttention.ATTENTION_TYPE_MUL) == ("additive", "multiplicative")


def _original():
    original = pytest.importorskip("keras_self_attention")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("keras-self-attention runs on the TensorFlow backend only")
    return original.SeqSelfAttention


def test_constructor_takes_the_original_arguments_with_the_same_defaults():
    theirs = inspect.signature(_original().__init__).parameters
    ours = inspect.signature(SeqSelfAttention.__init__).parameters
    assert list(ours) == list(theirs)
    assert {k: p.default for k, p in ours.items()} == {k: p.default for k, p in theirs.items()}


def test_a_file_saved_with_the_original_loads_into_ours_with_the_same_numbers(tmp_path):
    Original = _original()
    data, tokens = input_data()
    model = get_model(
        Original(
            return_attention=True,
            attention_type=Original.ATTENTION_TYPE_MUL,
            attention_activation="sigmoid",
            name="Attention",
        ),
        tokens,
    )
    path = tmp_path / "theirs.keras"
    model.save(path)
    ours = keras.saving.load_model(path, custom_objects=SeqSelfAttention.get_custom_objects())
    assert isinstance(ours.get_layer("Attention"), SeqSelfAttention)
    for a, b in zip(model.predict(data, verbose=0), ours.predict(data, verbose=0)):
        np.testing.assert_allclose(b, a, atol=1e-5)
