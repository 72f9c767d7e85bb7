"""Attention importance: how much attention each key timestep receives.

For a model with an attention layer of any class that can return its weights (keras-self-attention's
``SeqSelfAttention`` / ``SeqWeightedAttention``, Keras's ``MultiHeadAttention`` / ``Attention`` /
``AdditiveAttention``, this toolkit's layers; :mod:`signal_diagnostics.models.attention_probe`), the weights are
recorded in a forward pass of the model on the standardised series
(:func:`~signal_diagnostics.models.attention_run.record_weights`: the layer sees the masks the model gives it),
then averaged per key step over the real query rows (and heads). The keys are the layer's inputs, which after a BiLSTM are hidden states that already mix neighbouring steps:
attention to step ``t`` is not importance of input ``t`` alone (Jain & Wallace 2019), which the
agreement with Shapley values and gradients measures.
"""

from __future__ import annotations

import time

import numpy as np

from signal_diagnostics.attribution.adapters import keras_network
from signal_diagnostics.baselines.series import step_mask
from signal_diagnostics.errors import DataError


def attention_probes_of(model) -> list:
    """The attention probes (:class:`signal_diagnostics.models.attention_probe.Probe`) of a TrainedModel or
    keras.Model, those that cannot give weights included; empty when it is not a Keras model."""
    parts = keras_network(model)
    if parts is None:
        return []
    from signal_diagnostics.models.attention_probe import find_attention

    return find_attention(parts[0])


def attention_layers_of(model) -> list:
    """The attention layers of a TrainedModel or keras.Model that can return their weights (empty when
    there are none or it is not a Keras model)."""
    return [p.layer for p in attention_probes_of(model) if p.can_record]


def attention_importance(
    model, X: np.ndarray, lengths: np.ndarray, *, layer: str | None = None, batch_size: int = 256
) -> tuple[np.ndarray, dict]:
    """Mean attention each real key step receives from the real query rows, ``(n, T)``.

    Parameters
    ----------
    model : a TrainedModel or keras.Model with an attention layer.
    X : ``(n, T, C)`` raw series; lengths : real lengths.
    layer : name of the attention layer; default the first one that can give its weights.

    Returns
    -------
    importance ``(n, T)``, 0 on padded keys (each real row renormalised over the real keys), info
    (``layer``, ``layer_class``, ``activation``, ``padded_key_share``: the attention real queries spend
    on padded keys, which keras-self-attention's SeqSelfAttention does not mask).

    Raises
    ------
    DataError
        When the model has no attention layer that can give its weights (the message names the
        layers that cannot), or no layer named ``layer``.
    """
    from signal_diagnostics.models.attention_probe import ProbeError, padding_share
    from signal_diagnostics.models.attention_run import record_weights

    probes = attention_probes_of(model)
    usable = [p for p in probes if p.can_record]
    if not usable:
        if probes:
            raise DataError("; ".join(p.limitation for p in probes) + ": use shap or occlusion")
        raise DataError(
            f"model {getattr(model, 'name', type(model).__name__)!r} has no layer that returns attention "
            "weights (SeqSelfAttention, SeqWeightedAttention, MultiHeadAttention, Attention, "
            "AdditiveAttention, AttentionPooling): attention attributions need one; use shap or occlusion"
        )
    if layer is not None:
        usable = [p for p in usable if p.name == layer]
        if not usable:
            raise DataError(f"no attention layer named {layer!r}; the model has {', '.join(p.name for p in probes)}")
    probe = usable[0]
    net, standardise = keras_network(model)
    start = time.perf_counter()
    Z = standardise(X) if standardise is not None else np.asarray(X, np.float32)
    try:
        weights = record_weights(net, probe, Z, batch_size)
    except ProbeError as err:
        raise DataError(f"{err}: use shap or occlusion") from err
    if weights.ndim == 4:  # multi-head: the heads' mean
        weights = weights.mean(axis=1)
    T = X.shape[1]
    if weights.shape[-1] != T:
        raise DataError(
            f"layer {probe.name!r} attends over {weights.shape[-1]} keys, not the {T} timesteps: "
            "its weights are no timestep importance; use shap or occlusion"
        )
    real = step_mask(lengths, T)
    n, Q = weights.shape[:2]
    rows = real[:, :Q] if Q == T else np.ones((n, Q), dtype=bool)
    on_real = np.where(real[:, None, :], weights, 0.0)
    on_real = on_real / np.maximum(on_real.sum(axis=2, keepdims=True), 1e-300)
    importance = (on_real * rows[:, :, None]).sum(axis=1) / np.maximum(rows.sum(axis=1), 1)[:, None]
    share = padding_share(weights, lengths)
    info = {
        "layer": probe.name,
        "layer_type": type(probe.layer).__name__,
        "layer_class": probe.layer_class,
        "activation": probe.activation,
        "bounded_activation": probe.bounded_activation,
        "padded_key_share": 0.0 if share is None else share,
        "seconds": time.perf_counter() - start,
    }
    return importance, info
