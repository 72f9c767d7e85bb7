"""MaskedBidirectionalLSTM gives the masked Bidirectional(LSTM)'s outputs without handing it a mask."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from signal_diagnostics.models.recurrent import MaskedBidirectionalLSTM  # noqa: E402


def _padded(seed: int = 0, n: int = 6, T: int = 9, C: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, T, C)).astype("float32")
    lengths = np.array([9, 7, 4, 1, 0, 5])[:n]
    for i, L in enumerate(lengths):
        X[i, L:] = 0.0
    return X, lengths


def _np(tensor) -> np.ndarray:
    return keras.ops.convert_to_numpy(tensor)


def _pair(C: int, units: int = 5, exact_mask: bool = False):
    """A masked Keras Bidirectional LSTM and our layer with the same weights."""
    inputs = keras.Input((None, C))
    masked = keras.layers.Masking(0.0)(inputs)
    reference = keras.Model(inputs, keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(masked))
    ours_layer = MaskedBidirectionalLSTM(units, exact_mask=exact_mask)
    ours = keras.Model(inputs, ours_layer(masked))
    ours_layer.set_weights(reference.layers[-1].get_weights())
    return reference, ours


@pytest.mark.parametrize("exact_mask", [False, True])
def test_outputs_equal_the_masked_bidirectional_lstm_on_right_padded_series(exact_mask):
    X, lengths = _padded()
    reference, ours = _pair(X.shape[2], exact_mask=exact_mask)
    expected, got = _np(reference(X)), _np(ours(X))
    assert np.abs(expected - got).max() < 1e-5
    assert np.all(got[4] == 0.0) and np.all(got[2, 4:] == 0.0)  # padding is exactly zero
    assert np.abs(got[2, :4]).min() > 0  # and real steps are not


def test_with_exact_mask_a_real_all_zero_step_inside_a_series_is_dropped_as_masking_drops_it():
    X, _ = _padded(seed=1)
    X[0, 3] = 0.0  # Masking(0.0) drops it: the mask is no longer right-padded
    reference, ours = _pair(X.shape[2], exact_mask=True)
    assert np.abs(_np(reference(X)) - _np(ours(X))).max() < 1e-5


def test_by_default_a_real_all_zero_step_inside_a_series_is_read_as_zeros():
    X, lengths = _padded(seed=1)
    X[0, 3] = 0.0
    reference, ours = _pair(X.shape[2])
    got = _np(ours(X))
    assert np.all(got[0, 3] == 0.0)  # the masked step's own output is zero, as Bidirectional gives
    # the other steps equal the reference LSTM fed a right-padded mask, i.e. the zero step as an input
    layer = reference.layers[-1]
    right_padded = np.arange(X.shape[1])[None, :] < lengths[:, None]
    expected = _np(layer(X, mask=right_padded)) * right_padded[:, :, None]
    expected[0, 3] = 0.0
    assert np.abs(expected - got).max() < 1e-5
    assert np.abs(_np(reference(X))[0, :3, 5:] - got[0, :3, 5:]).max() > 1e-4  # Masking's answer differs


def test_gradients_agree_with_the_masked_bidirectional_lstm():
    X, _ = _padded(seed=2)
    reference, ours = _pair(X.shape[2])
    ref_w = reference.trainable_weights
    our_w = ours.trainable_weights

    def grads(model, weights):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = keras.ops.sum(model(X) ** 2)
        return [np.asarray(g) for g in tape.gradient(loss, weights)]

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the gradient check uses TensorFlow's tape")
    for a, b in zip(grads(reference, ref_w), grads(ours, our_w)):
        assert np.abs(a - b).max() < 1e-4


def test_round_trips_through_a_keras_file(tmp_path):
    X, _ = _padded(seed=3)
    _, ours = _pair(X.shape[2])
    path = tmp_path / "bilstm.keras"
    ours.save(path)
    again = keras.models.load_model(path)
    assert np.abs(_np(ours(X)) - _np(again(X))).max() < 1e-6


def test_no_mask_reaches_the_lstms_by_default_so_the_fused_kernel_can_run():
    X, _ = _padded(seed=4)
    X[1, 2] = 0.0  # a gap too: still no mask
    _, ours = _pair(X.shape[2])
    layer = ours.layers[-1]
    seen = []
    for lstm in (layer.forward_layer, layer.backward_layer):
        original = lstm.call

        def spy(sequences, *args, _original=original, **kwargs):
            seen.append(kwargs.get("mask"))
            return _original(sequences, *args, **kwargs)

        lstm.call = spy
    ours(X)
    assert len(seen) == 2 and all(m is None for m in seen)
