"""A masked bidirectional LSTM that keeps Keras's fused (cuDNN) kernel on every backend.

Keras 3's torch and JAX backends refuse a mask in their cuDNN LSTM and fall back to a per-step
loop (``keras/src/backend/{torch,jax}/rnn.py``: ``lstm`` raises ``NotImplementedError`` when
``mask is not None``), so the motivating model (``Masking(0.0)`` + BiLSTM) trains at loop speed on a
GPU. For right-padded series no mask is needed: the forward direction reads the real steps first,
and the backward direction reads each series reversed within its own length. This layer does that
and gives the same outputs as ``Bidirectional(LSTM(return_sequences=True))`` under the same
right-padded mask.

A mask with a gap inside a series (a real all-zero step, which ``Masking(0.0)`` drops: the health
check's mask-value collision) is not right-padded. By default such a step is read as the zero vector
it is (the length is one past the last real step), which keeps the fused kernel; with
``exact_mask=True`` such a batch takes Keras's masked loop instead and drops the step as
``Masking`` + ``Bidirectional`` would.
"""

from __future__ import annotations

from signal_diagnostics.models.backend import select_backend

select_backend()  # KERAS_BACKEND is set before Keras starts

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402


def _lengths(mask):
    """Per series, one past the last real step (0 for a series with none)."""
    steps = ops.arange(1, ops.shape(mask)[1] + 1, dtype="int32")
    return ops.max(ops.where(mask, steps[None, :], 0), axis=1)


def _reversal_index(lengths, T):
    """``(n, T)`` indices that reverse the first ``lengths[i]`` steps of row i and keep the rest.

    The map is its own inverse, so the same index turns the backward outputs back into step order.
    """
    t = ops.arange(T, dtype="int32")[None, :]
    L = lengths[:, None]
    return ops.where(t < L, L - 1 - t, t)


@keras.saving.register_keras_serializable(package="diagnose")
class MaskedBidirectionalLSTM(layers.Layer):
    """``Bidirectional(LSTM(units, return_sequences=True))`` for right-padded, masked series.

    Args:
        units: LSTM width per direction (the output has ``2 * units`` features, forward first).
        dropout: input dropout of each direction's LSTM.
        exact_mask: False (default): steps masked inside a series are read as inputs, and the fused
            kernel always runs; True: a batch whose mask is not right-padded takes the masked loop,
            so such steps are skipped exactly as ``Bidirectional`` skips them.

    Call arguments:
        inputs: ``(batch, T, features)``.
        mask: ``(batch, T)`` booleans, True on real steps (from ``Masking``); None means all real.
        training: passed to the LSTMs (dropout).

    Output shape:
        ``(batch, T, 2 * units)``; masked steps are exactly 0, as ``Bidirectional`` gives with
        ``return_sequences=True``. The mask is passed on unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((2, 5, 3), "float32"); x[0, :3] = 1.0; x[1, :5] = 0.5
    >>> layer = MaskedBidirectionalLSTM(4)
    >>> tuple(layer(x, mask=np.any(x != 0, axis=-1)).shape)
    (2, 5, 8)
    """

    def __init__(self, units: int, dropout: float = 0.0, exact_mask: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.dropout = float(dropout)
        self.exact_mask = bool(exact_mask)
        self.supports_masking = True
        self.forward_layer = layers.LSTM(self.units, return_sequences=True, dropout=self.dropout, name="forward_lstm")
        self.backward_layer = layers.LSTM(self.units, return_sequences=True, dropout=self.dropout, name="backward_lstm")

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        self.backward_layer.build(input_shape)

    def _directions(self, x, reverse, mask, training):
        # ``x`` is a new tensor without the ``_keras_mask`` that Keras would otherwise hand the LSTM
        forward = self.forward_layer(x, mask=mask, training=training)
        x_rev = ops.take_along_axis(x, reverse[:, :, None], axis=1)
        mask_rev = None if mask is None else ops.take_along_axis(mask, reverse, axis=1)
        backward = self.backward_layer(x_rev, mask=mask_rev, training=training)
        backward = ops.take_along_axis(backward, reverse[:, :, None], axis=1)
        return ops.concatenate([forward, backward], axis=-1)

    def call(self, inputs, mask=None, training=None):
        T = ops.shape(inputs)[1]
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        mask = ops.cast(mask, "bool")
        lengths = _lengths(mask)
        reverse = _reversal_index(lengths, T)
        # masked steps read as zeros; a new tensor, so Keras cannot pass the inputs' mask on to the LSTMs
        inputs = ops.where(mask[:, :, None], inputs, ops.zeros_like(inputs))
        if not self.exact_mask:  # no mask reaches the LSTMs: the fused kernel
            out = self._directions(inputs, reverse, None, training)
        else:  # Keras's masked loop where the mask has gaps inside a series
            right_padded = ops.all(ops.equal(mask, ops.arange(T, dtype="int32")[None, :] < lengths[:, None]))
            out = ops.cond(
                right_padded,
                lambda: self._directions(inputs, reverse, None, training),
                lambda: self._directions(inputs, reverse, mask, training),
            )
        return out * ops.cast(mask, out.dtype)[:, :, None]

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], 2 * self.units)

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "dropout": self.dropout, "exact_mask": self.exact_mask}


__all__ = ["MaskedBidirectionalLSTM"]
