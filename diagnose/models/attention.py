"""Attention layers written with ``keras.ops`` only, so they run on every Keras 3 backend.

:class:`SeqSelfAttention` reproduces keras-self-attention 0.51's layer (same parameters, weights in
the same order, same numbers); :class:`AttentionPooling` is the usual learned-score pooling over
time. Both take, as Keras's ``MultiHeadAttention`` does, call arguments that return the weights
(``return_attention_scores=True``) and replace them for one call (``attention_override="uniform"`` or
``"permute"``, with ``override_seed``): the attention diagnostics use them to ask whether the weights
matter (Jain & Wallace 2019).
"""

from __future__ import annotations

from signal_diagnostics.models.backend import select_backend

select_backend()  # KERAS_BACKEND is set before Keras starts

import keras  # noqa: E402
from keras import ops  # noqa: E402

# keras-self-attention adds -10000 to the scores of pairs it masks out (seq_self_attention.py).
MASK_PENALTY = 10000.0
OVERRIDES = (None, "uniform", "permute")


def _check_override(value: str | None) -> str | None:
    if value not in OVERRIDES:
        raise ValueError(f"attention_override must be one of {OVERRIDES}; got {value!r}")
    return value


def permutation_keys(key_mask, seed: int):
    """Per series, a random permutation of the real steps that leaves padded steps in place.

    ``key_mask`` is ``(batch, T)`` with 1 on real steps (right padding assumed). Real steps get a
    uniform random sort key in [0, 1), padded steps a key above 1 that keeps their order, so the
    argsort lists the real steps shuffled, then the padded steps where they were.
    """
    T = ops.shape(key_mask)[1]
    noise = keras.random.uniform(ops.shape(key_mask), seed=seed)
    position = ops.cast(ops.arange(T), noise.dtype)[None, :] / ops.cast(T, noise.dtype)
    keys = ops.where(key_mask > 0, noise, 2.0 + position)
    return ops.argsort(keys, axis=-1)


@keras.saving.register_keras_serializable(package="diagnose")
class SeqSelfAttention(keras.layers.Layer):
    """Sequence self-attention with the parameters and arithmetic of keras-self-attention 0.51.

    Scores: multiplicative ``e[t, t'] = x_t^T W_a x_t' + b_a``; additive
    ``e[t, t'] = W_a tanh(x_t W_t + x_t' W_x + b_h) + b_a``. ``attention_activation`` is applied to
    ``e``, then the local-width window and the mask subtract 10000, then a softmax over ``t'`` gives
    ``a``; the output is ``v_t = sum_t' a[t, t'] x_t'`` (the inputs are the values: no projection).

    Args:
        units: size of the additive hidden layer (unused by multiplicative attention).
        attention_width: width of local attention; ``None`` attends to every step.
        attention_type: ``"additive"`` or ``"multiplicative"``.
        return_attention: also return the ``(batch, T, T)`` weights.
        history_only: attend only to steps ``t' <= t`` (within ``attention_width`` when given).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: as for ``keras.layers.Dense``.
        use_additive_bias: use ``b_h`` in additive attention.
        use_attention_bias: use ``b_a``.
        attention_activation: activation applied to the scores before the softmax. A bounded one
            (``"sigmoid"``) caps the ratio of any two weights in a row at ``e``: near-uniform
            attention by construction.
        attention_regularizer_weight: weight of ``||A A^T - I||^2 / batch`` added as a loss.

    Call arguments:
        inputs: ``(batch, T, features)``.
        mask: optional ``(batch, T)`` boolean mask. As in the original, only pairs whose query
            *and* key are both masked are penalised; real queries still see padded keys.
        attention_override: ``None``, ``"uniform"`` (uniform weights over the allowed, unmasked
            keys) or ``"permute"`` (the weights shuffled along the real keys of each series), for
            this call only; for inference.
        override_seed: seed of the ``"permute"`` shuffle.
        return_attention_scores: also return the ``(batch, T, T)`` weights this call used (those of
            ``attention_override`` when given), as ``[output, weights]``.

    Output shape:
        ``(batch, T, features)``, and ``(batch, T, T)`` weights when ``return_attention`` or
        ``return_attention_scores``. The output mask is the input mask.

    A drop-in for ``keras_self_attention.SeqSelfAttention``: the same constructor arguments and
    defaults, the constants ``ATTENTION_TYPE_ADD`` / ``ATTENTION_TYPE_MUL``, ``get_custom_objects()``
    and ``NotImplementedError`` for an unknown ``attention_type``; swapping the import is enough.
    """

    ATTENTION_TYPE_ADD = "additive"
    ATTENTION_TYPE_MUL = "multiplicative"

    def __init__(
        self,
        units: int = 32,
        attention_width: int | None = None,
        attention_type: str = ATTENTION_TYPE_ADD,
        return_attention: bool = False,
        history_only: bool = False,
        kernel_initializer="glorot_normal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_additive_bias: bool = True,
        use_attention_bias: bool = True,
        attention_activation=None,
        attention_regularizer_weight: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if attention_type not in (self.ATTENTION_TYPE_ADD, self.ATTENTION_TYPE_MUL):
            # the original raises NotImplementedError here (seq_self_attention.py), so code that catches it still works
            raise NotImplementedError(
                f"No implementation for attention type : {attention_type} "
                f"(use {self.ATTENTION_TYPE_ADD!r} or {self.ATTENTION_TYPE_MUL!r})"
            )
        self.supports_masking = True
        self.units = units
        self.attention_width = attention_width
        self.attention_type = attention_type
        self.return_attention = return_attention
        self.history_only = history_only
        if history_only and attention_width is None:
            self.attention_width = int(1e9)  # the original's stand-in for "all of the past"
        self.use_additive_bias = use_additive_bias
        self.use_attention_bias = use_attention_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.attention_activation = keras.activations.get(attention_activation)
        self.attention_regularizer_weight = attention_regularizer_weight

    def _kernel(self, shape, name):
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )

    def _bias(self, shape, name):
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    def build(self, input_shape):
        # weights are created in the original's order so get_weights/set_weights line up
        feature_dim = int(input_shape[-1])
        if self.attention_type == self.ATTENTION_TYPE_ADD:
            self.Wt = self._kernel((feature_dim, self.units), "Add_Wt")
            self.Wx = self._kernel((feature_dim, self.units), "Add_Wx")
            self.bh = self._bias((self.units,), "Add_bh") if self.use_additive_bias else None
            self.Wa = self._kernel((self.units, 1), "Add_Wa")
            self.ba = self._bias((1,), "Add_ba") if self.use_attention_bias else None
        else:
            self.Wa = self._kernel((feature_dim, feature_dim), "Mul_Wa")
            self.ba = self._bias((1,), "Mul_ba") if self.use_attention_bias else None

    def _scores(self, inputs):
        if self.attention_type == self.ATTENTION_TYPE_ADD:
            q = ops.expand_dims(ops.matmul(inputs, self.Wt), 2)  # (B, T, 1, U)
            k = ops.expand_dims(ops.matmul(inputs, self.Wx), 1)  # (B, 1, T, U)
            h = ops.tanh(q + k + self.bh) if self.bh is not None else ops.tanh(q + k)
            e = ops.squeeze(ops.matmul(h, self.Wa), -1)
            return e + self.ba[0] if self.ba is not None else e
        e = ops.matmul(ops.matmul(inputs, self.Wa), ops.transpose(inputs, (0, 2, 1)))
        return e + self.ba[0] if self.ba is not None else e

    def _window(self, T, dtype):
        """``(T, T)`` 1/0 matrix of the keys each query may see under ``attention_width``."""
        if self.attention_width is None:
            return None
        steps = ops.arange(T)
        if self.history_only:
            lower = steps - (self.attention_width - 1)
        else:
            lower = steps - self.attention_width // 2
        lower = ops.expand_dims(lower, -1)
        upper = lower + self.attention_width
        keys = ops.expand_dims(steps, 0)
        return ops.cast(lower <= keys, dtype) * ops.cast(keys < upper, dtype)

    def attention_weights(self, inputs, mask=None, attention_override: str | None = None, override_seed: int = 0):
        """The ``(batch, T, T)`` attention weights for ``inputs``, replaced as ``attention_override`` says."""
        inputs = ops.convert_to_tensor(inputs, dtype=self.compute_dtype)
        if not self.built:
            self.build(inputs.shape)
            self.built = True
        T = ops.shape(inputs)[1]
        dtype = inputs.dtype
        e = self.attention_activation(self._scores(inputs))
        window = self._window(T, dtype)
        if window is not None:
            e = e - MASK_PENALTY * (1.0 - window)
        m = None
        if mask is not None:
            m = ops.expand_dims(ops.cast(mask, dtype), -1)  # (B, T, 1)
            e = e - MASK_PENALTY * ((1.0 - m) * (1.0 - ops.transpose(m, (0, 2, 1))))
        e = ops.exp(e - ops.max(e, axis=-1, keepdims=True))
        a = e / ops.sum(e, axis=-1, keepdims=True)
        return self._override(a, window, m, attention_override, override_seed)

    @staticmethod
    def _override(a, window, m, attention_override, override_seed):
        if _check_override(attention_override) is None:
            return a
        key_mask = ops.ones(ops.shape(a)[:2], a.dtype) if m is None else m[..., 0]  # (B, T)
        if attention_override == "uniform":
            allowed = ops.ones_like(a) * ops.expand_dims(key_mask, 1)
            if window is not None:
                allowed = allowed * window
            return allowed / ops.maximum(ops.sum(allowed, axis=-1, keepdims=True), 1.0)
        order = permutation_keys(key_mask, override_seed)  # (B, T)
        order = ops.broadcast_to(ops.expand_dims(order, 1), ops.shape(a))
        return ops.take_along_axis(a, order, axis=-1)

    def call(
        self,
        inputs,
        mask=None,
        attention_override: str | None = None,
        override_seed: int = 0,
        return_attention_scores: bool = False,
    ):
        a = self.attention_weights(inputs, mask, attention_override, override_seed)
        v = ops.matmul(a, inputs)
        if self.attention_regularizer_weight > 0.0:
            self.add_loss(self._attention_regularizer(a))
        if self.return_attention or return_attention_scores:
            return [v, a]
        return v

    def _attention_regularizer(self, a):
        batch = ops.cast(ops.shape(a)[0], a.dtype)
        eye = ops.eye(ops.shape(a)[-1], dtype=a.dtype)
        gram = ops.matmul(a, ops.transpose(a, (0, 2, 1)))
        return self.attention_regularizer_weight * ops.sum(ops.square(gram - eye)) / batch

    def compute_output_shape(self, input_shape):
        if self.return_attention:
            return [tuple(input_shape), (input_shape[0], input_shape[1], input_shape[1])]
        return tuple(input_shape)

    def compute_output_spec(
        self, inputs, mask=None, attention_override=None, override_seed=0, return_attention_scores=False
    ):
        _check_override(attention_override)
        v = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if not (self.return_attention or return_attention_scores):
            return v
        shape = inputs.shape
        return [v, keras.KerasTensor((shape[0], shape[1], shape[1]), dtype=self.compute_dtype)]

    def compute_mask(self, inputs, mask=None):
        if self.return_attention:
            return [mask, None]
        return mask

    @staticmethod
    def get_custom_objects() -> dict:
        """``{"SeqSelfAttention": SeqSelfAttention}``, for ``load_model(..., custom_objects=...)`` as in the original."""
        return {"SeqSelfAttention": SeqSelfAttention}

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "attention_width": self.attention_width,
                "attention_type": self.attention_type,
                "return_attention": self.return_attention,
                "history_only": self.history_only,
                "use_additive_bias": self.use_additive_bias,
                "use_attention_bias": self.use_attention_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
                "bias_constraint": keras.constraints.serialize(self.bias_constraint),
                "attention_activation": keras.activations.serialize(self.attention_activation),
                "attention_regularizer_weight": self.attention_regularizer_weight,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="diagnose")
class AttentionPooling(keras.layers.Layer):
    """Attention pooling over time: a learned score per step, a masked softmax, a weighted sum.

    ``s_t = v^T tanh(W x_t + b)``; ``a = softmax(s)`` over the real steps; output ``sum_t a_t x_t``.

    Args:
        units: size of the scoring layer.
        kernel_initializer: initializer of ``W`` and ``v``.

    Call arguments:
        inputs: ``(batch, T, features)``.
        mask: optional ``(batch, T)`` mask; masked steps get zero weight.
        attention_override, override_seed: as for :class:`SeqSelfAttention`.
        return_attention_scores: also return the ``(batch, T)`` weights, as ``[output, weights]``.

    Output shape:
        ``(batch, features)``, and ``(batch, T)`` weights when ``return_attention_scores``; the mask is
        consumed.
    """

    def __init__(self, units: int = 32, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.units = units
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        feature_dim = int(input_shape[-1])
        self.W = self.add_weight(shape=(feature_dim, self.units), name="W", initializer=self.kernel_initializer)
        self.b = self.add_weight(shape=(self.units,), name="b", initializer="zeros")
        self.v = self.add_weight(shape=(self.units, 1), name="v", initializer=self.kernel_initializer)

    def attention_weights(self, inputs, mask=None, attention_override: str | None = None, override_seed: int = 0):
        """The ``(batch, T)`` pooling weights for ``inputs``, replaced as ``attention_override`` says."""
        inputs = ops.convert_to_tensor(inputs, dtype=self.compute_dtype)
        if not self.built:
            self.build(inputs.shape)
            self.built = True
        s = ops.squeeze(ops.matmul(ops.tanh(ops.matmul(inputs, self.W) + self.b), self.v), -1)
        key_mask = ops.ones_like(s) if mask is None else ops.cast(mask, s.dtype)
        s = s - MASK_PENALTY * (1.0 - key_mask)
        s = ops.exp(s - ops.max(s, axis=-1, keepdims=True)) * key_mask
        a = s / ops.maximum(ops.sum(s, axis=-1, keepdims=True), 1e-7)
        if _check_override(attention_override) == "uniform":
            return key_mask / ops.maximum(ops.sum(key_mask, axis=-1, keepdims=True), 1.0)
        if attention_override == "permute":
            return ops.take_along_axis(a, permutation_keys(key_mask, override_seed), axis=-1)
        return a

    def call(
        self,
        inputs,
        mask=None,
        attention_override: str | None = None,
        override_seed: int = 0,
        return_attention_scores: bool = False,
    ):
        a = self.attention_weights(inputs, mask, attention_override, override_seed)
        pooled = ops.sum(ops.expand_dims(a, -1) * inputs, axis=1)
        return [pooled, a] if return_attention_scores else pooled

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def compute_output_spec(
        self, inputs, mask=None, attention_override=None, override_seed=0, return_attention_scores=False
    ):
        _check_override(attention_override)
        shape = inputs.shape
        pooled = keras.KerasTensor((shape[0], shape[-1]), dtype=self.compute_dtype)
        if not return_attention_scores:
            return pooled
        return [pooled, keras.KerasTensor((shape[0], shape[1]), dtype=self.compute_dtype)]

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"units": self.units, "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}
        )
        return config
