"""Run a model with one attention layer's call changed: the layer returns its weights, or uses others.

:func:`attention_model` calls the model's own layers anew, one after the other
(``keras.models.clone_model`` with the layers themselves and a ``call_function``: the weights are
shared, nothing is copied), with the attention layer called through :class:`AttentionCall`, so that
it also returns its weights; the result is a ``keras.Model`` whose outputs are ``[the model's output,
those weights]``. With ``mode`` ``"uniform"`` the layer uses uniform weights over the keys it allowed,
with ``"permute"`` its weights shuffled along the real keys of each series (Jain & Wallace 2019).
How the layer is asked depends on its probe's kind (:mod:`signal_diagnostics.models.attention_probe`):

- ``"own"``: call arguments, ``return_attention_scores=True``, ``attention_override=mode`` and
  ``override_seed=seed``;
- ``"multi_head"``, ``"dense"``, ``"scores_only"``: ``return_attention_scores=True``;
- to replace Keras's weights (``"multi_head"``, ``"dense"``), and to read keras-self-attention's
  (``"return_attention"``: they come back only when the layer was built with ``return_attention=True``),
  that one instance's weight computation (``_compute_attention``, ``_apply_scores``, ``call``) is
  routed through a replacement for the duration of the :class:`AttentionCall`'s call only; the class
  keeps its own. A layer whose weights cannot be replaced raises :class:`ProbeError`.

:func:`run_attention` calls that model on data batch by batch in inference mode (a new model, so
no compiled graph of the original stands in the way; with this toolkit's and Keras's layers
``predict`` works on it as well);
:func:`record_weights` keeps the weights.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import numpy as np

from signal_diagnostics.models.backend import select_backend

select_backend()

import keras  # noqa: E402
from keras import ops  # noqa: E402

from signal_diagnostics.models.attention import permutation_keys  # noqa: E402
from signal_diagnostics.models.attention_probe import Probe, ProbeError, flat_layers, layer_class  # noqa: E402

MODES = (None, "uniform", "permute")


def _key_mask(mask, like):
    """``(B, S)`` float mask of the keys from a ``(B, S)`` or ``(B, Q, S)`` boolean mask; ones if none."""
    if mask is None:
        return ops.ones((ops.shape(like)[0], ops.shape(like)[-1]), like.dtype)
    m = ops.cast(mask, like.dtype)
    while len(m.shape) > 2:
        m = ops.max(m, axis=-2)
    return m


def _uniform(a, key_mask):
    """Uniform weights over the keys each row allowed (non-zero weight) that are real."""
    km = ops.reshape(key_mask, (ops.shape(key_mask)[0],) + (1,) * (len(a.shape) - 2) + (ops.shape(key_mask)[-1],))
    allowed = ops.cast(a > 0, a.dtype) * km
    fallback = ops.cast(a > 0, a.dtype)
    allowed = ops.where(ops.sum(allowed, axis=-1, keepdims=True) > 0, allowed, fallback)
    return allowed / ops.maximum(ops.sum(allowed, axis=-1, keepdims=True), 1.0)


def _permuted(a, key_mask, seed: int):
    """``a`` with its keys shuffled along the real keys of each series (padded keys stay in place)."""
    order = permutation_keys(key_mask, seed)  # (B, S)
    order = ops.reshape(order, (ops.shape(order)[0],) + (1,) * (len(a.shape) - 2) + (ops.shape(order)[-1],))
    return ops.take_along_axis(a, ops.broadcast_to(order, ops.shape(a)), axis=-1)


def _replace(a, mode: str | None, key_mask, seed: int):
    if mode is None:
        return a
    if mode == "uniform":
        return _uniform(a, key_mask)
    return _permuted(a, key_mask, seed)


def _weighted_values(a, inputs):
    """What a layer that uses its inputs as values outputs for weights ``a``."""
    if len(a.shape) == 3:
        return ops.matmul(a, inputs)
    return ops.sum(ops.expand_dims(a, -1) * inputs, axis=1)


def _values_or_none(x):
    """``x`` as NumPy, or None while Keras traces the call on symbolic tensors to infer its output."""
    try:
        return np.asarray(ops.convert_to_numpy(x))
    except Exception:  # noqa: BLE001  symbolic: the check runs when the model is called on data
        return None


def _check_weighted_inputs(layer, v, a, inputs):
    check = _weighted_values(a, inputs)
    same = tuple(check.shape) == tuple(v.shape)
    if same:
        got, want = _values_or_none(check), _values_or_none(v)
        same = got is None or want is None or np.allclose(got, want, atol=1e-4)
    if not same:
        raise ProbeError(
            f"layer {layer.name!r} ({layer_class(layer)}) does not output its weighted inputs: its "
            "weights cannot be replaced"
        )


@contextmanager
def _shadowed(layer: Any, attribute: str, fn):
    """Shadow a method of one layer instance by ``fn``; the class's method is back afterwards."""
    object.__setattr__(layer, attribute, fn)
    try:
        yield
    finally:
        try:
            object.__delattr__(layer, attribute)
        except AttributeError:
            pass


def _routed(layer, kind: str, mode: str | None, seed: int, seen: list):
    """The replacement of ``layer``'s weight computation: appends the weights it uses to ``seen``."""
    if kind == "return_attention":
        original = type(layer).call.__get__(layer)

        def call(inputs, mask=None, **kwargs):
            was = layer.return_attention
            layer.return_attention = True
            try:
                out = original(inputs, mask=mask, **kwargs) if mask is not None else original(inputs, **kwargs)
            finally:
                layer.return_attention = was
            v, a = out[0], out[1]
            if mode is not None:
                _check_weighted_inputs(layer, v, a, inputs)
                a = _replace(a, mode, _key_mask(mask, a), seed)
                v = _weighted_values(a, inputs)
            seen.append(a)
            return [v, a] if was else v

        return _shadowed(layer, "call", call)
    if kind == "multi_head":
        original = type(layer)._compute_attention.__get__(layer)

        def compute_attention(
            query, key, value, attention_mask=None, training=None, return_attention_scores=False, **kwargs
        ):
            out, a = original(query, key, value, attention_mask, training, True, **kwargs)
            if mode == "uniform":
                a = layer._masked_softmax(ops.zeros_like(a), attention_mask)
            elif mode == "permute":
                a = _replace(a, mode, _key_mask(attention_mask, a), seed)
            if mode is not None:
                out = ops.einsum(layer._combine_equation, a, value)
            seen.append(a)
            return out, a

        return _shadowed(layer, "_compute_attention", compute_attention)
    if kind == "dense":
        original = type(layer)._apply_scores.__get__(layer)

        def apply_scores(scores, value, scores_mask=None, training=False):
            if mode == "uniform":
                scores = ops.zeros_like(scores)
            out, a = original(scores, value, scores_mask=scores_mask, training=training)
            if mode == "permute":
                a = _replace(a, mode, _key_mask(scores_mask, a), seed)
                out = ops.matmul(a, value)
            seen.append(a)
            return out, a

        return _shadowed(layer, "_apply_scores", apply_scores)
    raise ProbeError(f"layer {layer.name!r} ({layer_class(layer)}) offers no way to replace its weights")


class AttentionCall(keras.layers.Layer):
    """Calls an attention layer and returns ``(what it returns in the model, the weights it used)``.

    The layer stands in the rebuilt model for the attention layer, whose weights it shares: this
    toolkit's layers are called with ``attention_override``, ``override_seed`` and
    ``return_attention_scores=True``; Keras's with ``return_attention_scores=True`` to read their
    weights; to replace theirs, and to read keras-self-attention's, their weight computation is routed
    through a replacement for the duration of this call only.

    Parameters
    ----------
    layer : the attention layer.
    kind : its probe's kind (:data:`~signal_diagnostics.models.attention_probe.KINDS`, not ``"none"``).
    mode : None, ``"uniform"`` or ``"permute"``: the weights the layer uses.
    seed : seed of the ``"permute"`` shuffle.
    """

    def __init__(self, layer, kind: str, mode: str | None = None, seed: int = 0, **kwargs):
        super().__init__(dtype=layer.dtype_policy, **kwargs)
        self.inner, self.kind, self.mode, self.seed = layer, kind, mode, seed
        self.supports_masking = True  # the attention layer sets its output's mask itself
        self.built = True

    def call(self, *args, **kwargs):
        wanted = bool(kwargs.pop("return_attention_scores", False))  # the model takes the scores itself
        if self.kind == "own":
            out = self.inner(
                *args, attention_override=self.mode, override_seed=self.seed, return_attention_scores=True, **kwargs
            )
            return (out if getattr(self.inner, "return_attention", False) or wanted else out[0]), out[1]
        if self.kind != "return_attention" and self.mode is None:
            out, a = self.inner(*args, return_attention_scores=True, **kwargs)
            return ((out, a) if wanted else out), a
        seen: list = []
        with _routed(self.inner, self.kind, self.mode, self.seed, seen):
            out = self.inner(*args, **({**kwargs, "return_attention_scores": True} if wanted else kwargs))
        if not seen:
            raise ProbeError(
                f"layer {self.inner.name!r} ({layer_class(self.inner)}) computed no attention weights "
                "where its probe looked for them"
            )
        return out, seen[0]

    def compute_mask(self, *args, **kwargs):
        return None


def _as_graph(model):
    """``model`` itself, or a Sequential's layers as a functional model; ProbeError for a subclassed one."""
    if isinstance(model, keras.Sequential):
        try:
            inputs, outputs = model.inputs, model.outputs
            return keras.Model(
                inputs[0] if len(inputs) == 1 else inputs, outputs[0] if len(outputs) == 1 else outputs, name=model.name
            )
        except (AttributeError, ValueError) as err:
            raise ProbeError(f"Sequential model {model.name!r} has no input shape: build it first") from err
    if not hasattr(model, "inputs") or not hasattr(model, "outputs"):
        raise ProbeError(
            f"model {getattr(model, 'name', '?')!r} ({type(model).__name__}) is a subclassed model: its "
            "layers cannot be called one by one, so its attention weights cannot be read"
        )
    return model


def attention_model(model, probe: Probe, mode: str | None = None, seed: int = 0):
    """``model``'s own layers called anew with ``probe``'s layer also returning its weights.

    Parameters
    ----------
    model : a functional or Sequential ``keras.Model`` (nested models included).
    probe : the attention layer, from :func:`~signal_diagnostics.models.attention_probe.find_attention`.
    mode : None (the layer's own weights), ``"uniform"`` or ``"permute"``.
    seed : seed of the ``"permute"`` shuffle.

    Returns
    -------
    keras.Model with outputs ``[model's output, weights]``; weights ``(batch, Q, K)``, ``(batch, K)``
    (pooling) or ``(batch, heads, Q, K)``. A layer called more than once gives its first call's weights
    and every call runs with ``mode``.

    Raises
    ------
    ProbeError
        For a subclassed model, a layer the model does not call, an ablation the layer cannot do.
    """
    if mode not in MODES:
        raise ValueError(f"attention override must be None, 'uniform' or 'permute'; got {mode!r}")
    if not probe.can_record or (mode is not None and not probe.can_ablate):
        raise ProbeError(probe.limitation)
    graph = _as_graph(model)
    seen: list = []

    def call_function(layer, *args, **kwargs):
        if layer is probe.layer:
            out, a = AttentionCall(layer, probe.kind, mode, seed)(*args, **kwargs)
        elif isinstance(layer, keras.Model) and any(inner is probe.layer for inner in flat_layers(layer)):
            out, a = attention_model(layer, probe, mode, seed)(*args, **kwargs)
        else:
            return layer(*args, **kwargs)
        seen.append(a)
        return out

    rebuilt = keras.models.clone_model(graph, clone_function=lambda layer: layer, call_function=call_function)
    if not seen:
        raise ProbeError(f"layer {probe.name!r} ({probe.layer_class}) was not called in the forward pass")
    return keras.Model(rebuilt.input, [rebuilt.output, seen[0]], name=f"{graph.name}_with_{probe.name}_weights")


def overridden_model(model, probes: list[Probe], mode: str = "uniform", seed: int = 0):
    """``model``'s own layers called anew with every layer of ``probes`` using ``mode``'s weights in every call.

    Unlike :func:`attention_model` the override holds in training too (the rebuilt model is what gets
    trained): with ``"uniform"`` each attention layer's weights are uniform over the keys it allows
    that are real steps, whatever its scores, so the model learns everything but where to attend (the
    trained-uniform control of Wiegreffe & Pinter 2019, section 4). The layers and their weights are
    shared with ``model``; the result outputs what ``model`` outputs.

    Raises
    ------
    ProbeError
        For a subclassed model, a layer whose weights cannot be replaced, a layer the model does not call.
    """
    if mode not in MODES or mode is None:
        raise ValueError(f"attention override must be 'uniform' or 'permute'; got {mode!r}")
    for probe in probes:
        if not probe.can_ablate:
            raise ProbeError(probe.limitation)
    graph = _as_graph(model)
    by_layer = {id(p.layer): p for p in probes}
    called: set[int] = set()

    def call_function(layer, *args, **kwargs):
        probe = by_layer.get(id(layer))
        if probe is not None:
            called.add(id(layer))
            return AttentionCall(layer, probe.kind, mode, seed)(*args, **kwargs)[0]
        nested = flat_layers(layer) if isinstance(layer, keras.Model) else ()
        inner = [by_layer[id(sub)] for sub in nested if id(sub) in by_layer]
        if inner:
            called.update(id(p.layer) for p in inner)
            return overridden_model(layer, inner, mode, seed)(*args, **kwargs)
        return layer(*args, **kwargs)

    rebuilt = keras.models.clone_model(graph, clone_function=lambda layer: layer, call_function=call_function)
    missing = [p.name for p in probes if id(p.layer) not in called]
    if missing:
        raise ProbeError(f"layer {missing[0]!r} was not called in the forward pass: its weights cannot be replaced")
    return rebuilt


def _numpy(x) -> np.ndarray:
    if isinstance(x, (list, tuple)) and len(x) == 1:  # a model built with outputs=[probabilities]
        x = x[0]
    return np.asarray(ops.convert_to_numpy(x))


def forward(model, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """``model``'s outputs on ``X``, called batch by batch in inference mode."""
    return np.concatenate([_numpy(model(X[i : i + batch_size], training=False)) for i in range(0, len(X), batch_size)])


def run_attention(
    model, probe: Probe, X: np.ndarray, *, mode: str | None = None, seed: int = 0, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """``model``'s outputs on ``X`` and the weights ``probe``'s layer used, replaced as ``mode`` says.

    Runs :func:`attention_model` batch by batch; the weights are float64, ``(n, Q, K)``, ``(n, K)``
    (pooling) or ``(n, heads, Q, K)``. The model itself is left as it was.
    """
    net = attention_model(model, probe, mode, seed)
    outputs, weights = [], []
    for i in range(0, len(X), batch_size):
        out, a = net(X[i : i + batch_size], training=False)
        outputs.append(_numpy(out))
        weights.append(_numpy(a).astype(np.float64))
    return np.concatenate(outputs), np.concatenate(weights)


def record_weights(model, probe: Probe, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The weights ``probe``'s layer uses on ``X`` in a forward pass of ``model``.

    Returns ``(n, Q, K)`` (self-attention: ``Q = K = T``; pooling: ``Q = 1``) or, for multi-head
    layers, ``(n, heads, Q, K)``, float64.
    """
    weights = run_attention(model, probe, X, batch_size=batch_size)[1]
    return weights[:, None, :] if weights.ndim == 2 else weights


__all__ = [
    "AttentionCall",
    "MODES",
    "ProbeError",
    "attention_model",
    "forward",
    "overridden_model",
    "record_weights",
    "run_attention",
]
