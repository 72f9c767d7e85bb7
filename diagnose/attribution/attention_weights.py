"""Attention weights read as importance: how much attention each key timestep receives.

For a model with a :class:`~diagnose.models.SeqSelfAttention` or
:class:`~diagnose.models.AttentionPooling` layer, the weights are computed on the layer's own input
(a sub-model up to the layer) with the padding mask, then averaged per key step over the real query
rows. The keys are the layer's inputs, which after a BiLSTM are hidden states that already mix
neighbouring steps: attention to step ``t`` is not importance of input ``t`` alone (Jain & Wallace
2019), which the agreement with Shapley values and gradients measures.
"""
from __future__ import annotations

import time

import numpy as np

from diagnose.attribution.adapters import keras_network, step_mask
from diagnose.errors import DataError


def attention_layers_of(model) -> list:
    """The attention layers of a TrainedModel or keras.Model (empty when there are none or it is
    not a Keras model)."""
    parts = keras_network(model)
    if parts is None:
        return []
    from diagnose.models.inspect_attention import attention_layers

    return attention_layers(parts[0])


def attention_importance(model, X: np.ndarray, lengths: np.ndarray, *, layer: str | None = None,
                         batch_size: int = 256) -> tuple[np.ndarray, dict]:
    """Mean attention each real key step receives from the real query rows, ``(n, T)``.

    Parameters
    ----------
    model : a TrainedModel or keras.Model with an attention layer.
    X : ``(n, T, C)`` raw series; lengths : real lengths.
    layer : name of the attention layer; default the first one.

    Returns
    -------
    importance ``(n, T)``, 0 on padded keys (each real row renormalised over the real keys), info
    (with ``padded_key_share``: the attention real queries spend on padded keys, which
    SeqSelfAttention does not mask).
    """
    import keras

    found = attention_layers_of(model)
    if not found:
        raise DataError(f"model {getattr(model, 'name', type(model).__name__)!r} has no SeqSelfAttention or "
                        "AttentionPooling layer: attention attributions need one; use shap or occlusion")
    if layer is not None:
        found = [a for a in found if a.name == layer]
        if not found:
            raise DataError(f"no attention layer named {layer!r}; the model has "
                            f"{', '.join(a.name for a in attention_layers_of(model))}")
    att = found[0]
    net, standardise = keras_network(model)
    start = time.perf_counter()
    Z = standardise(X) if standardise is not None else np.asarray(X, np.float32)
    source = att.input
    if isinstance(source, (list, tuple)):  # Keras 3 lists the propagated mask after the tensor
        source = source[0]
    inputs = keras.Model(net.inputs, source).predict(Z, batch_size=batch_size, verbose=0)
    mask = np.any(Z != 0, axis=2)  # what Masking(0.0) passes on
    parts = [keras.ops.convert_to_numpy(att.attention_weights(inputs[i:i + batch_size], mask[i:i + batch_size]))
             for i in range(0, len(Z), batch_size)]
    weights = np.concatenate(parts).astype(np.float64)
    if weights.ndim == 2:  # pooling: one query row per series
        weights = weights[:, None, :]
    T = X.shape[1]
    real = step_mask(lengths, T)
    n, Q = weights.shape[:2]
    rows = real[:, :Q] if Q == T else np.ones((n, Q), dtype=bool)
    on_real = np.where(real[:, None, :], weights, 0.0)
    padded_share = 1.0 - on_real.sum(axis=2)  # per row
    on_real = on_real / np.maximum(on_real.sum(axis=2, keepdims=True), 1e-300)
    importance = (on_real * rows[:, :, None]).sum(axis=1) / np.maximum(rows.sum(axis=1), 1)[:, None]
    info = {"layer": att.name, "layer_type": type(att).__name__,
            "padded_key_share": float(padded_share[rows].mean()) if rows.any() else 0.0,
            "seconds": time.perf_counter() - start}
    return importance, info
