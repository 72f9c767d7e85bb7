"""A small zoo of Keras sequence classifiers for zero-padded ``(n, T, C)`` series.

Every model starts with ``Masking(0.0)``, so right-padding with zeros is ignored, and ends with a
float32 softmax over ``n_classes``. ``build("path/to/file.py:fn", ...)`` loads a user's own builder.
"""

from __future__ import annotations

from collections.abc import Callable

from signal_diagnostics.models.backend import select_backend

select_backend()  # KERAS_BACKEND is set before Keras starts

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

from signal_diagnostics.errors import DataError  # noqa: E402
from signal_diagnostics.models.attention import AttentionPooling, SeqSelfAttention  # noqa: E402
from signal_diagnostics.models.recurrent import MaskedBidirectionalLSTM  # noqa: E402

CPU_UNITS = 32  # LSTM width on CPU: the motivating 256 takes ~8 s per epoch on 2 cores
GPU_UNITS = 256  # the motivating model's width


@keras.saving.register_keras_serializable(package="diagnose")
class ZeroPadded(layers.Layer):
    """Set masked (padded) steps to exactly 0 and drop the mask, so ``Flatten`` may follow.

    An LSTM repeats its last output over padded steps; zeroing them keeps the flattened vector
    independent of anything but the real steps and the length.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs
        return inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)

    def compute_mask(self, inputs, mask=None):
        return None


@keras.saving.register_keras_serializable(package="diagnose")
class PositionalEmbedding(layers.Layer):
    """Add a learned embedding of the step index to ``(batch, T, d)`` inputs; passes the mask on."""

    def __init__(self, max_len: int, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.max_len = max_len

    def build(self, input_shape):
        self.table = self.add_weight(
            shape=(self.max_len, int(input_shape[-1])),
            name="table",
            initializer=keras.initializers.RandomNormal(stddev=0.02),
        )

    def call(self, inputs, mask=None):
        T = ops.shape(inputs)[1]
        return inputs + ops.cast(self.table[:T], inputs.dtype)[None]

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self) -> dict:
        return {**super().get_config(), "max_len": self.max_len}


def _default_units() -> int:
    from signal_diagnostics.models.backend import on_gpu

    return GPU_UNITS if on_gpu() else CPU_UNITS


def _input(input_shape) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inputs = keras.Input(shape=tuple(input_shape), name="series")
    return inputs, layers.Masking(mask_value=0.0, name="padding")(inputs)


# Backends whose cuDNN LSTM refuses a mask (Keras 3.15): there the masked BiLSTM feeds each direction
# its series in reading order instead of a mask, so the fused kernel runs (signal_diagnostics.models.recurrent).
MASKLESS_BACKENDS = ("torch", "jax")


def _bidirectional(units: int, dropout: float, name: str) -> layers.Layer:
    """A masked ``Bidirectional(LSTM(return_sequences=True))`` that keeps cuDNN on this backend."""
    if keras.backend.backend() in MASKLESS_BACKENDS:
        return MaskedBidirectionalLSTM(units, dropout=dropout, name=name)
    return layers.Bidirectional(layers.LSTM(units, return_sequences=True, dropout=dropout), name=name)


def _bilstms(x, units: int, depth: int, dropout: float, prefix: str = "bilstm"):
    for i in range(depth):
        x = _bidirectional(units, dropout, f"{prefix}_{i + 1}")(x)
    return x


def _head(x, n_classes: int, dropout: float):
    if dropout:
        x = layers.Dropout(dropout)(x)
    return layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities")(x)


def bilstm(
    input_shape, n_classes: int, *, units: int | None = None, depth: int = 2, dropout: float = 0.0
) -> keras.Model:
    """Masking -> BiLSTM x ``depth`` -> Flatten -> softmax: the motivating model."""
    inputs, x = _input(input_shape)
    x = _bilstms(x, units or _default_units(), depth, dropout)
    x = layers.Flatten()(ZeroPadded()(x))
    return keras.Model(inputs, _head(x, n_classes, dropout), name="bilstm")


def bilstm_attention(
    input_shape,
    n_classes: int,
    *,
    units: int | None = None,
    depth: int = 2,
    dropout: float = 0.0,
    attention_type: str = "multiplicative",
    attention_activation: str | None = "sigmoid",
    attention_units: int = 32,
) -> keras.Model:
    """The motivating model with ``SeqSelfAttention(multiplicative, sigmoid)`` after the LSTMs."""
    inputs, x = _input(input_shape)
    x = _bilstms(x, units or _default_units(), depth, dropout)
    x = SeqSelfAttention(
        units=attention_units,
        attention_type=attention_type,
        attention_activation=attention_activation,
        name="self_attention",
    )(x)
    x = layers.Flatten()(ZeroPadded()(x))
    return keras.Model(inputs, _head(x, n_classes, dropout), name="bilstm_attention")


def attention_residual_bilstm(
    input_shape,
    n_classes: int,
    *,
    units: int | None = None,
    depth: int = 2,
    dropout: float = 0.0,
    attention_type: str = "additive",
    attention_activation: str | None = None,
    attention_units: int = 32,
) -> keras.Model:
    """Self-attention on the inputs with a residual ``Add``, then the BiLSTMs, Flatten, softmax."""
    inputs, x = _input(input_shape)
    attended = SeqSelfAttention(
        units=attention_units,
        attention_type=attention_type,
        attention_activation=attention_activation,
        name="self_attention",
    )(x)
    x = layers.Add(name="residual")([x, attended])
    x = _bilstms(x, units or _default_units(), depth, dropout)
    x = layers.Flatten()(ZeroPadded()(x))
    return keras.Model(inputs, _head(x, n_classes, dropout), name="attention_residual_bilstm")


def multihead_bilstm(
    input_shape, n_classes: int, *, units: int | None = None, depth: int = 2, dropout: float = 0.0, heads: int = 3
) -> keras.Model:
    """``heads`` BiLSTMs side by side per level, concatenated (keras-multi-head's ``MultiHead``)."""
    inputs, x = _input(input_shape)
    units = units or _default_units()
    for level in range(depth):
        branches = [_bidirectional(units, dropout, f"head_{level + 1}_{h + 1}")(x) for h in range(heads)]
        x = layers.Concatenate(name=f"heads_{level + 1}")(branches) if heads > 1 else branches[0]
    x = layers.Flatten()(ZeroPadded()(x))
    return keras.Model(inputs, _head(x, n_classes, dropout), name="multihead_bilstm")


def bilstm_attention_pool(
    input_shape,
    n_classes: int,
    *,
    units: int | None = None,
    depth: int = 2,
    dropout: float = 0.0,
    attention_units: int = 32,
) -> keras.Model:
    """BiLSTMs, then attention pooling over the real steps instead of Flatten."""
    inputs, x = _input(input_shape)
    x = _bilstms(x, units or _default_units(), depth, dropout)
    x = AttentionPooling(units=attention_units, name="attention_pool")(x)
    return keras.Model(inputs, _head(x, n_classes, dropout), name="bilstm_attention_pool")


def transformer(
    input_shape, n_classes: int, *, units: int | None = None, depth: int = 1, dropout: float = 0.1, heads: int = 4
) -> keras.Model:
    """Dense projection + positional embedding, ``depth`` masked encoder blocks, masked mean pooling."""
    inputs, x = _input(input_shape)
    d = units or (128 if _default_units() == GPU_UNITS else CPU_UNITS)
    x = layers.Dense(d, name="projection")(x)
    x = PositionalEmbedding(int(input_shape[0]), name="positions")(x)
    for i in range(depth):
        attended = layers.MultiHeadAttention(heads, max(d // heads, 1), dropout=dropout, name=f"mha_{i + 1}")(x, x)
        x = layers.LayerNormalization(name=f"norm_a_{i + 1}")(layers.Add()([x, attended]))
        ff = layers.Dense(2 * d, activation="relu")(x)
        ff = layers.Dense(d)(layers.Dropout(dropout)(ff))
        x = layers.LayerNormalization(name=f"norm_b_{i + 1}")(layers.Add()([x, ff]))
    x = layers.GlobalAveragePooling1D(name="mean_over_real_steps")(x)
    return keras.Model(inputs, _head(x, n_classes, dropout), name="transformer")


MODELS: dict[str, tuple[Callable[..., keras.Model], str]] = {
    "bilstm": (bilstm, "Masking -> BiLSTM x2 -> Flatten -> softmax (the motivating model)"),
    "bilstm_attention": (bilstm_attention, "BiLSTM x2 -> SeqSelfAttention(multiplicative, sigmoid) -> Flatten"),
    "attention_residual_bilstm": (
        attention_residual_bilstm,
        "self-attention + residual Add on the inputs, then BiLSTM x2",
    ),
    "multihead_bilstm": (multihead_bilstm, "3 BiLSTMs side by side per level, concatenated (MultiHead)"),
    "bilstm_attention_pool": (bilstm_attention_pool, "BiLSTM x2 -> attention pooling over the real steps"),
    "transformer": (transformer, "projection + positions, masked multi-head attention, mean pooling"),
}


def available() -> dict[str, str]:
    """Zoo model names and a one-line description of each."""
    return {name: description for name, (_, description) in MODELS.items()}


def build(name: str, input_shape, n_classes: int, **hyper) -> keras.Model:
    """Build a zoo model (a user's ``"file.py:fn"`` is built by :func:`signal_diagnostics.models.resolve.build_user`).

    Parameters
    ----------
    name : a name from :func:`available`.
    input_shape : ``(T, C)``.
    n_classes : number of classes K.
    **hyper : model options such as ``units``, ``depth``, ``dropout``, ``heads``,
        ``attention_activation``.

    Returns
    -------
    keras.Model
        Uncompiled; outputs ``(n, K)`` probabilities.
    """
    if name not in MODELS:
        raise DataError(f"unknown model {name!r}: use one of {', '.join(MODELS)}, 'file.py:function' or 'model.keras'")
    builder = MODELS[name][0]
    try:
        return builder(tuple(input_shape), n_classes, **hyper)
    except TypeError as err:
        raise DataError(
            f"model {name!r} got an option it does not take ({err}): check the options given to its builder (hyper=, --units)"
        ) from err
