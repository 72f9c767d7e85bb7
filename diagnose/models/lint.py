"""Model lint: read a user's Keras model before training and say what will hurt.

Checks (each finding ``{model, check, status, message, evidence, fix}``, status ``"warn"`` or ``"info"``):

- ``flatten_after_masking``: ``Flatten`` (or ``Reshape``) of a sequence after ``Masking``. Flatten
  destroys the mask, so every padded step feeds the classifier (an LSTM repeats its last output
  over padded steps), the classifier's weights are tied to absolute positions, and the series
  length leaks into the prediction. (A ``Dense`` on a sequence is applied per step and keeps the
  mask; the ``Dense`` after the Flatten is where the padded steps arrive.)
- ``bounded_attention``: an attention layer whose score activation is bounded (sigmoid, tanh,
  softsign, hard_sigmoid): no weight in a row can exceed ``e^(hi - lo)`` times another, so the
  attention is near-uniform by construction.
- ``attention_on_padding``: measured on the data given: the mean share of each real query row's
  weight that falls on padded keys (keras-self-attention masks only pairs whose query *and* key are
  padded).
- ``accuracy_only_metric``: the model is compiled with accuracy as its only metric on imbalanced data
  (accuracy rewards predicting the majority class).
- ``no_attention_weights``: a layer named attention that cannot return its weights (nothing about it
  can be checked).

Class weights are a ``fit`` argument, invisible in a model; the toolkit always trains with balanced
class weights, so no finding is made about them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from signal_diagnostics.models.backend import select_backend

select_backend()

import keras  # noqa: E402

from signal_diagnostics.models.attention_probe import BOUNDED_ACTIVATIONS, ProbeError, find_attention, padding_share  # noqa: E402
from signal_diagnostics.models.attention_run import record_weights  # noqa: E402
from signal_diagnostics.pipeline.verdicts.thresholds import LINT_IMBALANCE_RATIO, PADDING_SHARE_WARN  # noqa: E402

LINT_SAMPLE = 256  # series the padding share is measured on


def _finding(model: str, check: str, status: str, message: str, evidence: dict, fix: str) -> dict:
    return {"model": model, "check": check, "status": status, "message": message, "evidence": evidence, "fix": fix}


def _layers_in_order(model: Any) -> list:
    out = []
    for layer in getattr(model, "layers", []):
        if (
            isinstance(layer, keras.Model)
            and not isinstance(layer, keras.Sequential)
            and hasattr(layer, "layers")
            and layer.layers
        ):
            out.extend(_layers_in_order(layer))
        elif isinstance(layer, keras.Sequential):
            out.extend(_layers_in_order(layer))
        else:
            out.append(layer)
    return out


def _input_rank(layer: Any) -> int | None:
    try:
        shape = layer.input.shape
    except (AttributeError, ValueError):  # a layer used more than once, or never called
        return None
    return len(shape)


def _flatten_after_masking(name: str, model: Any) -> list[dict]:
    masking, found = None, []
    for layer in _layers_in_order(model):
        if isinstance(layer, keras.layers.Masking):
            masking = masking or layer
            continue
        if masking is None:
            continue
        if isinstance(layer, (keras.layers.Flatten, keras.layers.Reshape)) and _input_rank(layer) == 3:
            found.append(layer)
    if not found:
        return []
    first = found[0]
    kind = type(first).__name__
    return [
        _finding(
            name,
            "flatten_after_masking",
            "warn",
            f"{kind} layer {first.name!r} comes after Masking layer {masking.name!r}: {kind} drops the mask, so padded "
            "steps feed the classifier, its weights are tied to absolute positions, and the series length leaks "
            "into the prediction",
            {
                "masking_layer": masking.name,
                "layers": [layer.name for layer in found],
                "layer_classes": [type(layer).__name__ for layer in found],
            },
            "pool over the real steps instead (GlobalAveragePooling1D or GlobalMaxPooling1D honour the mask, or "
            "AttentionPooling), or an LSTM with return_sequences=False as the last recurrent layer",
        )
    ]


def _attention_checks(
    name: str, model: Any, X: np.ndarray | None, lengths: np.ndarray | None, state: str
) -> list[dict]:
    found = []
    for probe in find_attention(model):
        if not probe.can_record:
            found.append(
                _finding(
                    name,
                    "no_attention_weights",
                    "info",
                    probe.limitation,
                    {"layer": probe.name, "layer_class": probe.layer_class},
                    "use a layer that can return its weights (return_attention=True or "
                    "return_attention_scores=True) to have it checked",
                )
            )
            continue
        if probe.bounded_activation:
            lo, hi = BOUNDED_ACTIVATIONS[probe.activation]
            cap = float(np.exp(hi - lo))
            found.append(
                _finding(
                    name,
                    "bounded_attention",
                    "warn",
                    f"attention layer {probe.name!r} ({probe.layer_class}) applies attention_activation="
                    f"'{probe.activation}' to its scores: every score lies in [{lo:g}, {hi:g}], so no weight in a row "
                    f"can exceed {cap:.2f} times another and the attention is near-uniform by construction",
                    {
                        "layer": probe.name,
                        "layer_class": probe.layer_class,
                        "activation": probe.activation,
                        "max_weight_ratio_cap": cap,
                    },
                    "drop the activation (attention_activation=None) or use attention pooling",
                )
            )
        if X is None or lengths is None or not np.any(np.asarray(lengths) < X.shape[1]):
            continue
        try:
            weights = record_weights(model, probe, X)
        except (ProbeError, ValueError, TypeError) as err:  # a model whose layers cannot be called anew here
            found.append(
                _finding(
                    name,
                    "attention_on_padding",
                    "info",
                    f"the share of attention on padded steps of layer {probe.name!r} could not be measured ({err})",
                    {"layer": probe.name},
                    "",
                )
            )
            continue
        if weights.shape[-1] != X.shape[1]:
            continue
        share = padding_share(weights, lengths)
        if share is not None and share > PADDING_SHARE_WARN:
            found.append(
                _finding(
                    name,
                    "attention_on_padding",
                    "warn",
                    f"attention layer {probe.name!r} ({probe.layer_class}) gives {share:.0%} of each real step's weight "
                    f"to padded steps on these data (measured with the {state} weights): the padding is averaged into "
                    "every output",
                    {
                        "layer": probe.name,
                        "layer_class": probe.layer_class,
                        "padding_share": share,
                        "series": int(len(X)),
                        "padded_series": int(np.sum(np.asarray(lengths) < X.shape[1])),
                    },
                    "mask the keys as well as the queries (keras.layers.MultiHeadAttention or Attention honour the "
                    "mask on keys), or trim the padding with per-length batches",
                )
            )
    return found


def _metrics_check(name: str, model: Any, y: np.ndarray | None) -> list[dict]:
    if y is None or not getattr(model, "compiled", False):
        return []
    try:
        metrics = model.get_compile_config().get("metrics")
    except Exception:  # compiled by hand in a way Keras cannot describe
        return []
    flat = [m for m in (metrics if isinstance(metrics, (list, tuple)) else [metrics]) if m is not None]
    names = [str(m if isinstance(m, str) else getattr(m, "name", m)).lower() for m in flat]
    if not names or any(
        n not in ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy") for n in names
    ):
        return []
    counts = np.bincount(np.asarray(y))
    counts = counts[counts > 0]
    ratio = float(counts.max() / counts.min()) if len(counts) > 1 else 1.0
    if ratio < LINT_IMBALANCE_RATIO:
        return []
    return [
        _finding(
            name,
            "accuracy_only_metric",
            "warn",
            f"the model is compiled with accuracy as its only metric, on data whose largest class is {ratio:.1f}x "
            "its smallest: predicting the majority class scores well on accuracy",
            {"metrics": names, "class_counts": counts.tolist(), "imbalance_ratio": ratio},
            "watch balanced accuracy or macro F1 (this toolkit reports both) and train with class weights",
        )
    ]


def lint_model(
    name: str,
    model: Any,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    lengths: np.ndarray | None = None,
    *,
    weights: str = "untrained",
) -> list[dict]:
    """Findings for one built (untrained or trained) Keras model on the data given.

    Parameters
    ----------
    name : the model's label in reports.
    model : a ``keras.Model``.
    X : ``(n, T, C)`` series as the model sees them (standardised), for the padding share; None skips it.
    y : class codes, for the imbalance check; None skips it.
    lengths : real lengths of ``X``.
    weights : what the model's weights are (``"untrained"``, ``"trained"``), for the messages.

    Returns
    -------
    list of dict ``{model, check, status, message, evidence, fix}``.
    """
    findings = _flatten_after_masking(name, model)
    sample = None if X is None else np.asarray(X[:LINT_SAMPLE], dtype=np.float32)
    sample_lengths = None if lengths is None else np.asarray(lengths[:LINT_SAMPLE])
    findings += _attention_checks(name, model, sample, sample_lengths, weights)
    findings += _metrics_check(name, model, y)
    return findings


def lint(
    spec: Any,
    X: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray,
    n_classes: int,
    *,
    label: str | None = None,
    hyper: dict | None = None,
    seed: int = 0,
) -> list[dict]:
    """Build the model ``spec`` names (zoo name, ``file.py:fn``, ``model.keras``, builder) and lint it.

    The padding share is measured on the first :data:`LINT_SAMPLE` series, standardised as training
    standardises them, with the weights the model starts from (a trained file: its trained weights).
    """
    from signal_diagnostics.models.resolve import ModelSpec, as_spec
    from signal_diagnostics.models.training import Standardiser, new_network

    X = np.asarray(X, dtype=np.float32)
    keras.utils.set_random_seed(seed)
    weights = "untrained"
    if not isinstance(spec, keras.Model):
        spec = as_spec(spec)
    if isinstance(spec, ModelSpec) and spec.kind == "file":
        name, net, weights = spec.label, spec.trained(), "trained"
    else:
        options = {k: v for k, v in (hyper or {}).items() if k not in ("learning_rate", "lr")}  # fit's, not the model's
        name, net = new_network(spec, X.shape[1:], n_classes, options)
    Xs = Standardiser.fit(X).transform(X)
    try:
        return lint_model(label or name, net, Xs, y, lengths, weights=weights)
    finally:
        keras.backend.clear_session()


__all__ = ["lint", "lint_model", "LINT_IMBALANCE_RATIO", "PADDING_SHARE_WARN"]
