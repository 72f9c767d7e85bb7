"""The trained-uniform control: the same model trained with its attention weights frozen to uniform.

Replacing a trained model's weights by uniform ones at inference (the uniform ablation of
:mod:`signal_diagnostics.models.inspect_attention`) shows whether *that* model relies on its weights,
not whether *learning* them helps: a model trained end to end with uniform attention may do as well.
Wiegreffe & Pinter 2019 ("Attention is not not Explanation", section 4) make that model the baseline
attention must beat. :class:`UniformAttention` is a builder that builds the model exactly as its
learned counterpart is built (same builder, same seed, so the same initial weights), then calls every
attention layer through :func:`~signal_diagnostics.models.attention_run.overridden_model` with
``"uniform"``: each layer's weights are uniform over the keys it allows that are real (unmasked) steps,
in training and at evaluation. :func:`uniform_support` says beforehand whether a model's attention
layers can be frozen, and why not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from signal_diagnostics.models.backend import select_backend

select_backend()

import keras  # noqa: E402

from signal_diagnostics.models.attention_probe import ProbeError, find_attention  # noqa: E402
from signal_diagnostics.models.attention_run import overridden_model  # noqa: E402

UNIFORM_SUFFIX = " (uniform attention)"
CHECK_SERIES = 2  # series of random data the frozen model is called on once, eagerly, to check the override


def variant_name(label: str) -> str:
    """The name of ``label``'s trained-uniform control: ``"bilstm_attention (uniform attention)"``."""
    return f"{label}{UNIFORM_SUFFIX}"


def _copy_compile(net: Any, frozen: Any) -> None:
    """Compile ``frozen`` as ``net`` was compiled by its builder (nothing when it was not)."""
    if not (getattr(net, "compiled", False) and getattr(net, "optimizer", None) is not None):
        return
    try:
        frozen.compile_from_config(net.get_compile_config())
    except Exception:  # a config that does not round-trip: the same optimizer class, settings and loss
        optimizer = type(net.optimizer).from_config(net.optimizer.get_config())
        frozen.compile(optimizer=optimizer, loss=net.loss)


def freeze_uniform(net: Any, input_shape) -> Any:
    """``net`` with every attention layer's weights frozen to uniform over the real steps (shared layers).

    The frozen model is called once eagerly on random data, so that a layer whose weights cannot be
    replaced says so here rather than deep inside training.

    Raises
    ------
    ProbeError
        No attention layer, or one whose weights cannot be replaced (the message says why).
    """
    probes = find_attention(net)
    if not probes:
        raise ProbeError(f"model {net.name!r} has no attention layer to freeze")
    frozen = overridden_model(net, probes, "uniform")
    rng = np.random.default_rng(0)
    frozen(rng.standard_normal((CHECK_SERIES, *tuple(input_shape))).astype(np.float32), training=False)
    _copy_compile(net, frozen)
    return frozen


class UniformAttention:
    """A model builder: ``model`` built as usual, its attention weights frozen to uniform.

    Parameters
    ----------
    model : a :class:`~signal_diagnostics.models.resolve.ModelSpec`, or what
        :func:`~signal_diagnostics.models.resolve.resolve` takes (zoo name, ``"file.py:fn"``, ``"model.keras"``,
        a builder); kept as a ModelSpec (plain data: it pickles to worker processes).

    Called as ``builder(input_shape, n_classes, **hyper)`` it returns the frozen ``keras.Model``, compiled
    as the model's builder compiled it (or not at all); ``__name__`` is :func:`variant_name` of the model's.
    """

    def __init__(self, model: Any):
        from signal_diagnostics.models.resolve import as_spec

        self.model = as_spec(model)
        self.__name__ = variant_name(self.model.label)

    def __call__(self, input_shape, n_classes: int, **hyper) -> Any:
        net = self.model.build(input_shape, n_classes, **hyper)
        return freeze_uniform(net, input_shape)


def uniform_support(model: Any, input_shape, n_classes: int, hyper: dict | None = None) -> dict | None:
    """Can ``model``'s attention be frozen to uniform? None when it has no attention layer.

    Returns
    -------
    dict : ``{"layers": [attention layer names], "unsupported": [{"layer", "reason"}]}``; the control
    runs only when ``unsupported`` is empty (a model half frozen is not the uniform control).
    """
    from signal_diagnostics.models.training import build_model

    _, net = build_model(model, input_shape, n_classes, hyper)
    probes = find_attention(net)
    if not probes:
        keras.backend.clear_session()
        return None
    unsupported = [{"layer": p.name, "reason": p.limitation} for p in probes if not p.can_ablate]
    if not unsupported:
        try:
            freeze_uniform(net, input_shape)
        except ProbeError as err:
            unsupported = [{"layer": p.name, "reason": str(err)} for p in probes if p.name in str(err)] or [
                {"layer": probes[0].name, "reason": str(err)}
            ]
    keras.backend.clear_session()
    return {"layers": [p.name for p in probes], "unsupported": unsupported}


__all__ = ["UNIFORM_SUFFIX", "UniformAttention", "freeze_uniform", "uniform_support", "variant_name"]
