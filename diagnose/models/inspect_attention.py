"""Does a trained model's attention focus, and do its weights matter to the prediction?

For each :class:`SeqSelfAttention` or :class:`AttentionPooling` layer: the normalised entropy of the
attention rows (1 = uniform), how far the largest weight stands above uniform, and what happens to
the score when the weights are replaced by uniform ones or shuffled along the keys (Jain & Wallace
2019, "Attention is not Explanation").
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from diagnose.errors import DataError
from diagnose.models.backend import select_backend
from diagnose.results import short_repr, to_jsonable

select_backend()

import keras  # noqa: E402

from diagnose.models.attention import AttentionPooling, SeqSelfAttention  # noqa: E402

NEAR_UNIFORM = 0.95  # normalised entropy at or above which attention is called near-uniform
# output range of bounded activations: scores confined to [lo, hi] cap any weight ratio at e^(hi - lo)
BOUNDED = {"sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0),
           "hard_tanh": (-1.0, 1.0)}


@dataclass(frozen=True)
class AttentionDiagnostic:
    """How sharp one attention layer is and whether its weights matter."""

    model: str
    layer: str
    normalized_entropy: float  # mean over real query rows of H(row over real keys) / log(L); 1 = uniform
    max_weight_ratio: float  # mean over rows of (largest weight) / (1 / L)
    uniform_ablation_delta: float  # metric with uniform weights minus the normal metric
    permuted_ablation_delta: float  # metric with weights permuted along the keys minus the normal metric
    status: str  # "pass" | "warn"
    verdict: str
    metric: str = "balanced_accuracy"
    score: float = float("nan")  # the normal metric on the data given
    activation: str = "linear"
    n_rows: int = 0
    example_index: int = -1
    weights_example: list[list[float]] = field(default_factory=list)  # (L, L) or (1, L) for a heatmap

    def to_dict(self) -> dict:
        return to_jsonable(self)

    def __repr__(self) -> str:
        return short_repr(self, ("model", "layer", "normalized_entropy", "max_weight_ratio", "uniform_ablation_delta",
                                 "permuted_ablation_delta", "status", "verdict"))


def _metric(name: str):
    from sklearn import metrics

    table = {
        "balanced_accuracy": metrics.balanced_accuracy_score,
        "accuracy": metrics.accuracy_score,
        "macro_precision": lambda y, p: metrics.precision_score(y, p, average="macro", zero_division=0),
        "macro_f1": lambda y, p: metrics.f1_score(y, p, average="macro", zero_division=0),
    }
    if name not in table:
        raise DataError(f"unknown metric {name!r}: use one of {', '.join(table)}")
    return table[name]


def attention_layers(model) -> list:
    """The SeqSelfAttention and AttentionPooling layers of ``model``, nested models included."""
    found = []
    for layer in model.layers:
        if isinstance(layer, (SeqSelfAttention, AttentionPooling)):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found.extend(attention_layers(layer))
    return found


def _predict_eager(model, X: np.ndarray, batch_size: int) -> np.ndarray:
    """Class codes from eager calls, so a changed ``attention_override`` is seen (no cached graph)."""
    out = [np.asarray(keras.ops.convert_to_numpy(model(X[i:i + batch_size], training=False)))
           for i in range(0, len(X), batch_size)]
    return np.concatenate(out).argmax(axis=1)


def _layer_weights(model, layer, Xs: np.ndarray, mask: np.ndarray, batch_size: int) -> np.ndarray:
    source = layer.input
    if isinstance(source, (list, tuple)):  # Keras 3 lists the propagated mask after the tensor
        source = source[0]
    inputs = keras.Model(model.inputs, source).predict(Xs, batch_size=batch_size, verbose=0)
    parts = [keras.ops.convert_to_numpy(layer.attention_weights(inputs[i:i + batch_size], mask[i:i + batch_size]))
             for i in range(0, len(Xs), batch_size)]
    weights = np.concatenate(parts).astype(np.float64)
    return weights[:, None, :] if weights.ndim == 2 else weights  # pooling: one query row per series


def sharpness(weights: np.ndarray, lengths: np.ndarray) -> tuple[float, float, int]:
    """Mean normalised entropy and mean max-weight ratio of the real rows over the real keys.

    ``weights`` is ``(n, Q, T)`` with ``Q = T`` (self-attention) or 1 (pooling); each row is cut to
    the series' first ``L`` keys and renormalised. Series of length 1 carry no information and are
    skipped. Returns (entropy, ratio, rows counted).
    """
    entropies, ratios = [], []
    for w, L in zip(weights, lengths):
        L = int(L)
        if L < 2:
            continue
        rows = w[: min(L, w.shape[0]), :L]
        p = rows / np.maximum(rows.sum(axis=1, keepdims=True), 1e-300)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
        entropies.append(h / math.log(L))
        ratios.append(p.max(axis=1) * L)
    if not entropies:
        raise DataError("every series has length < 2: attention over one step says nothing")
    return float(np.mean(np.concatenate(entropies))), float(np.mean(np.concatenate(ratios))), sum(map(len, entropies))


def _activation_name(layer) -> str:
    if isinstance(layer, AttentionPooling):
        return "linear"
    name = keras.activations.serialize(layer.attention_activation)
    return name if isinstance(name, str) else str(name)


def _verdict(entropy: float, ratio: float, activation: str, metric: str, d_uniform: float, d_perm: float) -> str:
    effect = (f"uniform weights change {metric} by {d_uniform:+.3f}, permuted weights by {d_perm:+.3f}")
    if entropy < NEAR_UNIFORM:
        matters = "" if max(abs(d_uniform), abs(d_perm)) >= 0.01 else " (the weights barely matter to the prediction)"
        return f"attention focuses (entropy {entropy:.3f} of uniform, largest weight {ratio:.2f}x uniform); {effect}{matters}"
    if activation in BOUNDED:
        lo, hi = BOUNDED[activation]
        cap = math.exp(hi - lo)
        return (f"attention is near-uniform (entropy {entropy:.3f} of uniform, largest weight {ratio:.2f}x uniform): "
                f"attention_activation='{activation}' bounds every score to [{lo:g}, {hi:g}], so no weight in a row "
                f"can exceed e^{hi - lo:g} (~{cap:.2f}) times another and the layer is near-uniform by construction; "
                f"drop the activation (attention_activation=None) or use attention pooling; {effect}")
    return (f"attention is near-uniform (entropy {entropy:.3f} of uniform, largest weight {ratio:.2f}x uniform): "
            f"the layer learned to average rather than focus; {effect}")


def attention_diagnostics(trained, X: np.ndarray, y: np.ndarray, lengths: np.ndarray, *,
                          metric: str = "balanced_accuracy", seed: int = 0, n_permutations: int = 3,
                          batch_size: int = 256) -> list[AttentionDiagnostic]:
    """Diagnose every attention layer of a trained model on held-out data.

    Parameters
    ----------
    trained : a :class:`~diagnose.models.training.TrainedModel`.
    X : raw ``(n, T, C)`` series (standardised here as in training), right-padded with 0.
    y : class codes.
    lengths : true length of each series; rows and keys beyond it are ignored.
    metric : one of balanced_accuracy, accuracy, macro_precision, macro_f1.
    seed : seed of the first permutation; permutation ``i`` uses ``seed + i``.
    n_permutations : permuted-weight runs averaged into ``permuted_ablation_delta``.

    Returns
    -------
    list of AttentionDiagnostic, one per attention layer (empty when the model has none).
    """
    score_fn = _metric(metric)
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    lengths = np.asarray(lengths).astype(int)
    if len(lengths) != len(X) or len(y) != len(X):
        raise DataError(f"X, y and lengths must have one entry per series; got {len(X)}, {len(y)}, {len(lengths)}")
    model = trained.model
    found = attention_layers(model)
    if not found:
        return []
    Xs = trained.standardise(X)
    mask = np.arange(X.shape[1])[None, :] < lengths[:, None]
    base = score_fn(y, _predict_eager(model, Xs, batch_size))
    example = int(np.argmax(lengths))
    results = []
    for layer in found:
        weights = _layer_weights(model, layer, Xs, mask, batch_size)
        entropy, ratio, n_rows = sharpness(weights, lengths)
        try:
            layer.attention_override = "uniform"
            d_uniform = score_fn(y, _predict_eager(model, Xs, batch_size)) - base
            layer.attention_override = "permute"
            deltas = []
            for i in range(n_permutations):
                layer.override_seed = seed + i
                deltas.append(score_fn(y, _predict_eager(model, Xs, batch_size)) - base)
            d_perm = float(np.mean(deltas))
        finally:
            layer.attention_override = None
            layer.override_seed = 0
        activation = _activation_name(layer)
        L = int(lengths[example])
        w = weights[example][: min(L, weights.shape[1]), :L]
        results.append(AttentionDiagnostic(
            model=trained.name, layer=layer.name, normalized_entropy=entropy, max_weight_ratio=ratio,
            uniform_ablation_delta=float(d_uniform), permuted_ablation_delta=d_perm,
            status="warn" if entropy >= NEAR_UNIFORM else "pass",
            verdict=_verdict(entropy, ratio, activation, metric, d_uniform, d_perm),
            metric=metric, score=float(base), activation=activation, n_rows=n_rows, example_index=example,
            weights_example=np.round(w, 5).tolist()))
    return results
