"""What a model is made of: its stack of layers, its attention layers and its plain counterpart.

The plain counterpart of an attention model is found from the models that ran, not from a name: the
model whose stack is the same once attention (and what exists only to serve it: a residual ``Add``,
the pooling or ``Flatten`` that follows it) is taken out. ``bilstm_attention`` and
``bilstm_attention_pool`` both reduce to ``bilstm``'s Masking -> BiLSTM -> BiLSTM -> Dense.
"""

from __future__ import annotations

from typing import Any

# Layers that carry no weights of the stack, or only connect attention to it: left out of a signature.
_IGNORED = {
    "InputLayer",
    "Dropout",
    "SpatialDropout1D",
    "GaussianNoise",
    "ZeroPadded",
    "Add",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "Activation",
    "Reshape",
}


def _layers(model: Any) -> list:
    out = []
    for layer in getattr(model, "layers", []):
        if hasattr(layer, "layers") and not hasattr(layer, "forward_layer"):  # a nested model, not Bidirectional
            out.extend(_layers(layer))
        else:
            out.append(layer)
    return out


def _describe_layer(layer: Any) -> str:
    inner = getattr(layer, "forward_layer", None)  # Bidirectional
    name = type(layer).__name__
    if inner is not None:
        return f"{name}({_describe_layer(inner)})"
    units = getattr(layer, "units", None)
    return f"{name}:{units}" if isinstance(units, int) else name


def describe(model: Any) -> dict:
    """``{"signature", "attention_layers", "has_attention"}`` of a built Keras model.

    ``signature`` lists the stack's layers (class and units, the output layer's units left out) without
    attention layers and the layers in :data:`_IGNORED`.
    """
    from signal_diagnostics.models.attention_probe import find_attention

    layers = _layers(model)
    probes = {id(p.layer) for p in find_attention(model)}  # attention layers by what they can return, any class
    attention = [layer.name for layer in layers if id(layer) in probes]
    kept = [layer for layer in layers if id(layer) not in probes and type(layer).__name__ not in _IGNORED]
    signature = [_describe_layer(layer) for layer in kept]
    if signature:
        signature[-1] = type(kept[-1]).__name__  # the output layer: its width is the number of classes
    return {"signature": signature, "attention_layers": attention, "has_attention": bool(attention)}


def plain_counterparts(structures: dict[str, dict], reference: str | None = None) -> dict[str, str | None]:
    """The model each model is compared with: ``reference`` when given, else for each attention model
    the first model without attention that has the same signature (None when no such model ran)."""
    out: dict[str, str | None] = {}
    for name, s in structures.items():
        if reference is not None:
            out[name] = reference if name != reference else None
        elif s.get("has_attention"):
            out[name] = next(
                (
                    other
                    for other, o in structures.items()
                    if other != name and not o.get("has_attention") and o.get("signature") == s.get("signature")
                ),
                None,
            )
        else:
            out[name] = None
    return out
