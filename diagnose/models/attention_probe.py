"""Find the attention layers of any Keras model by what they can return, and say what can be done with them.

A layer counts as attention when it can hand back its attention weights, whatever its class:

- ``"own"``: this toolkit's :class:`~signal_diagnostics.models.SeqSelfAttention` and
  :class:`~signal_diagnostics.models.AttentionPooling`, and any layer whose ``call`` takes both
  ``return_attention_scores`` and ``attention_override`` (the weights returned and replaced by call
  arguments);
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

Reading and replacing the weights: :mod:`signal_diagnostics.models.attention_run`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from signal_diagnostics.models.backend import select_backend

select_backend()

import keras  # noqa: E402

# score activations with a bounded range: scores confined to [lo, hi] cap any two weights' ratio at e^(hi - lo)
BOUNDED_ACTIVATIONS = {
    "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
    "hard_tanh": (-1.0, 1.0),
}
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
    try:
        params = inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        params = {}
    if "return_attention_scores" in params and "attention_override" in params:
        return "own"
    try:
        config = layer.get_config()
    except Exception:  # a layer without a usable config can still take return_attention_scores
        config = {}
    if "return_attention" in config:
        return "return_attention"
    if "return_attention_scores" in params:
        if callable(getattr(layer, "_compute_attention", None)) and hasattr(layer, "_combine_equation"):
            return "multi_head"
        if callable(getattr(layer, "_apply_scores", None)):
            return "dense"
        return "scores_only"
    if "attention" in type(layer).__name__.lower():
        return "none"
    return None


def flat_layers(model: Any) -> Iterator[Any]:
    """The layers of ``model`` and, depth first, of the models nested in it."""
    for layer in getattr(model, "layers", []):
        yield layer
        if isinstance(layer, keras.Model):
            yield from flat_layers(layer)


@dataclass
class Probe:
    """One attention layer of a model and what can be done with its weights (read, replaced): see
    :func:`~signal_diagnostics.models.attention_run.run_attention`."""

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
            return (
                f"layer {self.name!r} ({self.layer_class}) cannot return its attention weights (no "
                "return_attention option, no return_attention_scores argument): its entropy, ablation and "
                "padding share cannot be measured"
            )
        if self.kind == "scores_only":
            return (
                f"layer {self.name!r} ({self.layer_class}) returns its attention scores but offers no way to "
                "replace them: the uniform and permuted ablations cannot be run"
            )
        return ""


def find_attention(model: Any) -> list[Probe]:
    """A :class:`Probe` for every attention layer of ``model`` (nested models included), in layer order.

    Layers are recognised by what they can return (see the module docstring), not by their class;
    layers named attention that cannot return weights get a probe of kind ``"none"``.
    """
    probes, seen = [], set()
    for layer in flat_layers(model):
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        kind = _kind(layer)
        if kind is not None:
            probes.append(Probe(layer, kind))
    return probes


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


__all__ = [
    "BOUNDED_ACTIVATIONS",
    "KINDS",
    "Probe",
    "ProbeError",
    "find_attention",
    "flat_layers",
    "layer_class",
    "activation_name",
    "padding_share",
]
