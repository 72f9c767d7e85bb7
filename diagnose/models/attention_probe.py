"""Find the attention layers of any Keras model by what they can return, record and ablate their weights.

A layer counts as attention when it can hand back its attention weights, whatever its class:

- ``"own"``: this toolkit's :class:`~diagnose.models.SeqSelfAttention` and
  :class:`~diagnose.models.AttentionPooling` (an ``attention_weights`` method and an
  ``attention_override`` switch);
- ``"return_attention"``: layers whose config has ``return_attention`` and that then return
  ``[output, weights]``, with the inputs as values (keras-self-attention's ``SeqSelfAttention`` and
  ``SeqWeightedAttention``);
- ``"multi_head"``: ``keras.layers.MultiHeadAttention`` and its subclasses (``return_attention_scores``
  and ``_compute_attention``);
- ``"dense"``: ``keras.layers.Attention`` and ``AdditiveAttention`` (``return_attention_scores`` and
  ``_apply_scores``);
- ``"scores_only"``: any other layer whose ``call`` takes ``return_attention_scores``: its weights can be
  read, not replaced.

A layer whose class name says attention but that offers none of these becomes a probe of kind
``"none"``, so the diagnostics can say that it cannot give its weights instead of staying silent.

:meth:`Probe.patched` swaps, for the duration of a ``with`` block, the method through which the layer
computes its weights, so that an eager forward pass of the whole model records the weights the layer
really used (with the masks the model passes it) and, when asked, replaces them by uniform weights
over the keys the layer allowed or shuffles them along the real keys (Jain & Wallace 2019).
"""
from __future__ import annotations

import inspect
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from diagnose.models.backend import select_backend

select_backend()

import keras  # noqa: E402
from keras import ops  # noqa: E402

from diagnose.models.attention import permutation_keys  # noqa: E402

# score activations with a bounded range: scores confined to [lo, hi] cap any two weights' ratio at e^(hi - lo)
BOUNDED_ACTIVATIONS = {"sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
                       "softsign": (-1.0, 1.0), "hard_tanh": (-1.0, 1.0)}
KINDS = ("own", "return_attention", "multi_head", "dense", "scores_only", "none")


class ProbeError(RuntimeError):
    """A layer's weights cannot be read or replaced the way its probe assumed."""


def layer_class(layer: Any) -> str:
    """``"package.ClassName"``: ``keras_self_attention.SeqSelfAttention``, ``keras.MultiHeadAttention``."""
    cls = type(layer)
    return f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def activation_name(layer: Any) -> str | None:
    """The name of the activation applied to the attention scores, or None (none, or linear)."""
    fn = getattr(layer, "attention_activation", None)
    if fn is None:
        return None
    name = getattr(fn, "__name__", None) or str(fn)
    return None if name == "linear" else name


def _kind(layer: Any) -> str | None:
    if callable(getattr(layer, "attention_weights", None)) and hasattr(layer, "attention_override"):
        return "own"
    try:
        config = layer.get_config()
    except Exception:  # a layer without a usable config can still take return_attention_scores
        config = {}
    if "return_attention" in config:
        return "return_attention"
    try:
        params = inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        params = {}
    if "return_attention_scores" in params:
        if callable(getattr(layer, "_compute_attention", None)) and hasattr(layer, "_combine_equation"):
            return "multi_head"
        if callable(getattr(layer, "_apply_scores", None)):
            return "dense"
        return "scores_only"
    if "attention" in type(layer).__name__.lower():
        return "none"
    return None


def _flat_layers(model: Any) -> Iterator[Any]:
    for layer in getattr(model, "layers", []):
        yield layer
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer)


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
    if mode == "permute":
        return _permuted(a, key_mask, seed)
    raise ValueError(f"attention override must be None, 'uniform' or 'permute'; got {mode!r}")


def _weighted_values(a, inputs):
    """What a layer that uses its inputs as values outputs for weights ``a``."""
    if len(a.shape) == 3:
        return ops.matmul(a, inputs)
    return ops.sum(ops.expand_dims(a, -1) * inputs, axis=1)


@dataclass
class Probe:
    """One attention layer of a model and how to read (and replace) its weights."""

    layer: Any
    kind: str

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def layer_class(self) -> str:
        return layer_class(self.layer)

    @property
    def activation(self) -> str | None:
        return activation_name(self.layer)

    @property
    def bounded_activation(self) -> bool:
        return self.activation in BOUNDED_ACTIVATIONS

    @property
    def can_record(self) -> bool:
        return self.kind != "none"

    @property
    def can_ablate(self) -> bool:
        return self.kind not in ("none", "scores_only")

    @property
    def limitation(self) -> str:
        """Why the weights cannot be read or replaced ("" when they can)."""
        if self.kind == "none":
            return (f"layer {self.name!r} ({self.layer_class}) cannot return its attention weights (no "
                    "return_attention option, no return_attention_scores argument): its entropy, ablation and "
                    "padding share cannot be measured")
        if self.kind == "scores_only":
            return (f"layer {self.name!r} ({self.layer_class}) returns its attention scores but offers no way to "
                    "replace them: the uniform and permuted ablations cannot be run")
        return ""

    @contextmanager
    def patched(self, record: list | None = None, mode: str | None = None, seed: int = 0):
        """Within the block, eager calls of the model append this layer's weights (NumPy) to ``record``
        and, with ``mode`` ``"uniform"`` or ``"permute"``, run with the weights replaced."""
        if mode is not None and not self.can_ablate:
            raise ProbeError(self.limitation)
        if not self.can_record:
            raise ProbeError(self.limitation)
        layer = self.layer

        def keep(a):
            if record is not None:
                record.append(np.asarray(ops.convert_to_numpy(a), dtype=np.float64))
            return a

        if self.kind == "own":
            original = type(layer).attention_weights.__get__(layer)

            def attention_weights(inputs, mask=None):
                return keep(original(inputs, mask))

            previous = (layer.attention_override, layer.override_seed)
            layer.attention_override, layer.override_seed = mode, seed
            with _swapped(layer, "attention_weights", attention_weights):
                try:
                    yield
                finally:
                    layer.attention_override, layer.override_seed = previous
            return

        if self.kind == "return_attention":
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
                    check = _weighted_values(a, inputs)
                    if tuple(check.shape) != tuple(v.shape) or not np.allclose(
                            ops.convert_to_numpy(check), ops.convert_to_numpy(v), atol=1e-4):
                        raise ProbeError(f"layer {layer.name!r} ({layer_class(layer)}) does not output its weighted "
                                         "inputs: its weights cannot be replaced")
                    a = _replace(a, mode, _key_mask(mask, a), seed)
                    v = _weighted_values(a, inputs)
                keep(a)
                return [v, a] if was else v

            with _swapped(layer, "call", call):
                yield
            return

        if self.kind == "multi_head":
            original = type(layer)._compute_attention.__get__(layer)

            def compute_attention(query, key, value, attention_mask=None, training=None,
                                  return_attention_scores=False, **kwargs):
                out, a = original(query, key, value, attention_mask, training, True)
                if mode is not None:
                    if mode == "uniform":
                        a = layer._masked_softmax(ops.zeros_like(a), attention_mask)
                    else:
                        a = _replace(a, mode, _key_mask(attention_mask, a), seed)
                    out = ops.einsum(layer._combine_equation, a, value)
                keep(a)
                return out, a

            with _swapped(layer, "_compute_attention", compute_attention):
                yield
            return

        if self.kind == "dense":
            original = type(layer)._apply_scores.__get__(layer)

            def apply_scores(scores, value, scores_mask=None, training=False):
                if mode == "uniform":
                    scores = ops.zeros_like(scores)
                out, a = original(scores, value, scores_mask=scores_mask, training=training)
                if mode == "permute":
                    a = _replace(a, mode, _key_mask(scores_mask, a), seed)
                    out = ops.matmul(a, value)
                keep(a)
                return out, a

            with _swapped(layer, "_apply_scores", apply_scores):
                yield
            return

        original = type(layer).call.__get__(layer)  # scores_only: read the weights, never replace them

        def scores_call(*args, return_attention_scores=False, **kwargs):
            out, a = original(*args, return_attention_scores=True, **kwargs)
            keep(a)
            return (out, a) if return_attention_scores else out

        with _swapped(layer, "call", scores_call):
            yield


@contextmanager
def _swapped(layer: Any, attribute: str, fn):
    """Shadow a method of one layer instance by ``fn``; the class's method is back afterwards."""
    object.__setattr__(layer, attribute, fn)
    try:
        yield
    finally:
        try:
            object.__delattr__(layer, attribute)
        except AttributeError:
            pass


def find_attention(model: Any) -> list[Probe]:
    """A :class:`Probe` for every attention layer of ``model`` (nested models included), in layer order.

    Layers are recognised by what they can return (see the module docstring), not by their class;
    layers named attention that cannot return weights get a probe of kind ``"none"``.
    """
    probes, seen = [], set()
    for layer in _flat_layers(model):
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        kind = _kind(layer)
        if kind is not None:
            probes.append(Probe(layer, kind))
    return probes


def record_weights(model: Any, probe: Probe, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The weights ``probe``'s layer uses on ``X`` in an eager forward pass of ``model``.

    Returns ``(n, Q, K)`` (self-attention: ``Q = K = T``; pooling: ``Q = 1``) or, for multi-head
    layers, ``(n, heads, Q, K)``, float64.
    """
    parts: list[np.ndarray] = []
    with probe.patched(record=parts):
        for i in range(0, len(X), batch_size):
            before = len(parts)
            model(X[i:i + batch_size], training=False)
            if len(parts) == before:
                raise ProbeError(f"layer {probe.name!r} ({probe.layer_class}) was not called in the forward pass")
            del parts[before + 1:]  # a layer called twice (shared) counts its first call
    weights = np.concatenate(parts)
    return weights[:, None, :] if weights.ndim == 2 else weights


def padding_share(weights: np.ndarray, lengths: np.ndarray) -> float | None:
    """Mean share of each real query row's weight that falls on padded keys; None without padding.

    ``weights`` is ``(n, Q, T)`` or ``(n, heads, Q, T)``; a row is real when ``Q = 1`` (pooling) or
    its index is below the series' length. None too when the keys are not the timesteps.
    """
    lengths = np.asarray(lengths).astype(int)
    if weights.ndim == 4:
        weights = weights.reshape(-1, *weights.shape[2:])
        lengths = np.repeat(lengths, len(weights) // len(lengths))
    T = weights.shape[-1]
    if not np.any(lengths < T) or lengths.max() > T:
        return None
    shares = []
    for w, L in zip(weights, lengths):
        rows = w if w.shape[0] == 1 else w[:L]
        total = rows.sum(axis=1)
        shares.append(rows[:, L:].sum(axis=1) / np.maximum(total, 1e-300))
    return float(np.mean(np.concatenate(shares)))


__all__ = ["BOUNDED_ACTIVATIONS", "KINDS", "Probe", "ProbeError", "find_attention", "layer_class",
           "activation_name", "padding_share", "record_weights"]
