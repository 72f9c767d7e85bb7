"""Does a trained model's attention focus, and do its weights matter to the prediction?

For every attention layer of the model, whatever its class (keras-self-attention's
``SeqSelfAttention`` and ``SeqWeightedAttention``, Keras's ``MultiHeadAttention``, ``Attention`` and
``AdditiveAttention``, this toolkit's layers: see :mod:`signal_diagnostics.models.attention_probe`): the
normalised entropy of the attention rows (1 = uniform), how far the largest weight stands above
uniform, the share of each real row's weight that falls on padded keys, and what happens to the score
when the weights are replaced by uniform ones or shuffled along the keys (Jain & Wallace 2019,
"Attention is not Explanation"). The weights and the ablations come from
:func:`~signal_diagnostics.models.attention_run.run_attention`. A layer that cannot give its weights gets an
``error`` entry that says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from signal_diagnostics.errors import DataError
from signal_diagnostics.models.backend import select_backend
from signal_diagnostics.results import Result

select_backend()

from signal_diagnostics.models.attention_probe import (  # noqa: E402
    BOUNDED_ACTIVATIONS,
    Probe,
    ProbeError,
    find_attention,
    padding_share,
)
from signal_diagnostics.models.attention_run import forward, record_weights, run_attention  # noqa: E402
from signal_diagnostics.pipeline.verdicts.thresholds import DEFAULT_ROPE, NEAR_UNIFORM, PADDING_SHARE_WARN  # noqa: E402

# output range of bounded activations: scores confined to [lo, hi] cap any weight ratio at e^(hi - lo)
BOUNDED = BOUNDED_ACTIVATIONS


@dataclass(frozen=True, repr=False)
class AttentionDiagnostic(Result):
    """How sharp one attention layer is and whether its weights matter."""

    model: str
    layer: str
    normalized_entropy: float  # mean over real query rows of H(row over real keys) / log(L); 1 = uniform
    max_weight_ratio: float  # mean over rows of (largest weight) / (1 / L)
    uniform_ablation_delta: float  # metric with uniform weights minus the normal metric
    permuted_ablation_delta: float  # metric with weights permuted along the keys minus the normal metric
    status: str  # "pass" | "warn" | "error" (the layer cannot give its weights; the verdict says why)
    verdict: str
    metric: str = "balanced_accuracy"
    score: float = float("nan")  # the normal metric on the data given
    activation: str | None = None  # the score activation's name; None: none (linear)
    layer_class: str = ""  # e.g. "keras_self_attention.SeqSelfAttention"
    bounded_activation: bool = False  # sigmoid/tanh/softsign/hard_sigmoid: near-uniform weights by construction
    padding_share: float | None = None  # mean share of each real query row's weight on padded keys; None: no padding
    n_rows: int = 0
    example_index: int = -1
    weights_example: list[list[float]] = field(default_factory=list)  # (L, L) or (1, L) for a heatmap

    repr_fields = (
        "model",
        "layer",
        "normalized_entropy",
        "max_weight_ratio",
        "uniform_ablation_delta",
        "permuted_ablation_delta",
        "status",
        "verdict",
    )


def attention_layers(model) -> list:
    """The layers of ``model`` (nested models included) that can return attention weights, any class."""
    return [p.layer for p in find_attention(model) if p.can_record]


def sharpness(weights: np.ndarray, lengths: np.ndarray) -> tuple[float, float, int]:
    """Mean normalised entropy and mean max-weight ratio of the real rows over the real keys.

    ``weights`` is ``(n, Q, T)`` with ``Q = T`` (self-attention) or 1 (pooling); each row is cut to
    the series' first ``L`` keys and renormalised. Series of length 1 carry no information and are
    skipped. Returns (entropy, ratio, rows counted).
    """
    if weights.ndim == 4:  # multi-head: every head's rows count
        lengths = np.repeat(np.asarray(lengths), weights.shape[1])
        weights = weights.reshape(-1, *weights.shape[2:])
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


def _verdict(
    entropy: float,
    ratio: float,
    activation: str | None,
    metric: str,
    d_uniform: float,
    d_perm: float,
    share: float | None = None,
) -> str:
    if math.isnan(d_uniform):
        effect = "its weights cannot be replaced, so the ablations were not run"
    else:
        effect = f"uniform weights change {metric} by {d_uniform:+.3f}, permuted weights by {d_perm:+.3f}"
    if share is not None and share > PADDING_SHARE_WARN:
        effect += (
            f"; {share:.0%} of each real step's attention falls on padded steps (mask both query and key, "
            "or pool over the real steps)"
        )
    if entropy < NEAR_UNIFORM:
        matters = (
            ""
            if math.isnan(d_uniform) or max(abs(d_uniform), abs(d_perm)) >= DEFAULT_ROPE  # below: within the ROPE
            else " (the weights barely matter to the prediction)"
        )
        return f"attention focuses (entropy {entropy:.3f} of uniform, largest weight {ratio:.2f}x uniform); {effect}{matters}"
    if activation in BOUNDED:
        lo, hi = BOUNDED[activation]
        cap = math.exp(hi - lo)
        return (
            f"attention is near-uniform (entropy {entropy:.3f} of uniform, largest weight {ratio:.2f}x uniform): "
            f"attention_activation='{activation}' bounds every score to [{lo:g}, {hi:g}], so no weight in a row "
            f"can exceed e^{hi - lo:g} (~{cap:.2f}) times another and the layer is near-uniform by construction; "
            f"drop the activation (attention_activation=None) or use attention pooling; {effect}"
        )
    return (
        f"attention is near-uniform (entropy {entropy:.3f} of uniform, largest weight {ratio:.2f}x uniform): "
        f"the layer learned to average rather than focus; {effect}"
    )


def attention_diagnostics(
    trained,
    X: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray,
    *,
    metric: str = "balanced_accuracy",
    seed: int = 0,
    n_permutations: int = 3,
    batch_size: int = 256,
) -> list[AttentionDiagnostic]:
    """Diagnose every attention layer of a trained model on held-out data.

    Parameters
    ----------
    trained : a :class:`~signal_diagnostics.models.training.TrainedModel`.
    X : raw ``(n, T, C)`` series (standardised here as in training), right-padded with 0.
    y : class codes.
    lengths : true length of each series; rows and keys beyond it are ignored.
    metric : one of balanced_accuracy, accuracy, macro_precision, macro_f1.
    seed : seed of the first permutation; permutation ``i`` uses ``seed + i``.
    n_permutations : permuted-weight runs averaged into ``permuted_ablation_delta``.

    Returns
    -------
    list of AttentionDiagnostic, one per attention layer of any class (empty when the model has
    none); a layer that cannot give its weights gets one with status ``"error"``, NaN figures and a
    verdict that says why. Status ``"warn"``: near-uniform weights, more than 5 % of the real rows'
    weight on padded keys, or ablations that could not run.
    """
    from signal_diagnostics.evaluation.metrics import check_metric, score

    check_metric(metric)
    score_fn = lambda y_true, y_pred: score(metric, y_true, y_pred)  # noqa: E731
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    lengths = np.asarray(lengths).astype(int)
    if len(lengths) != len(X) or len(y) != len(X):
        raise DataError(f"X, y and lengths must have one entry per series; got {len(X)}, {len(y)}, {len(lengths)}")
    model = trained.model
    probes = find_attention(model)
    if not probes:
        return []
    Xs = trained.standardise(X)
    base = score_fn(y, forward(model, Xs, batch_size).argmax(axis=1))
    example = int(np.argmax(lengths))
    results = []
    for probe in probes:
        results.append(
            _diagnose_layer(
                trained.name,
                model,
                probe,
                Xs,
                y,
                lengths,
                score_fn,
                base,
                metric,
                seed,
                n_permutations,
                batch_size,
                example,
            )
        )
    return results


def _unavailable(model_name: str, probe: Probe, message: str, metric: str, base: float) -> AttentionDiagnostic:
    nan = float("nan")
    return AttentionDiagnostic(
        model=model_name,
        layer=probe.name,
        normalized_entropy=nan,
        max_weight_ratio=nan,
        uniform_ablation_delta=nan,
        permuted_ablation_delta=nan,
        status="error",
        verdict=message,
        metric=metric,
        score=float(base),
        activation=probe.activation,
        layer_class=probe.layer_class,
        bounded_activation=probe.bounded_activation,
        padding_share=None,
    )


def _diagnose_layer(
    model_name: str,
    model,
    probe: Probe,
    Xs: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray,
    score_fn,
    base: float,
    metric: str,
    seed: int,
    n_permutations: int,
    batch_size: int,
    example: int,
) -> AttentionDiagnostic:
    if not probe.can_record:
        return _unavailable(model_name, probe, probe.limitation, metric, base)
    try:
        weights = record_weights(model, probe, Xs, batch_size)
    except ProbeError as err:
        return _unavailable(model_name, probe, str(err), metric, base)
    T = Xs.shape[1]
    if weights.shape[-1] != T:
        return _unavailable(
            model_name,
            probe,
            f"layer {probe.name!r} ({probe.layer_class}) attends over "
            f"{weights.shape[-1]} keys, not the {T} timesteps: its weights are not diagnosed",
            metric,
            base,
        )
    entropy, ratio, n_rows = sharpness(weights, lengths)
    share = padding_share(weights, lengths)
    d_uniform = d_perm = float("nan")
    note = ""
    if probe.can_ablate:

        def ablated(mode: str, at: int) -> float:
            outputs = run_attention(model, probe, Xs, mode=mode, seed=at, batch_size=batch_size)[0]
            return score_fn(y, outputs.argmax(axis=1)) - base

        try:
            d_uniform = ablated("uniform", seed)
            d_perm = float(np.mean([ablated("permute", seed + i) for i in range(n_permutations)]))
        except ProbeError as err:
            d_uniform = d_perm = float("nan")
            note = f" ({err})"
    else:
        note = f" ({probe.limitation})"
    activation = probe.activation
    near_uniform = entropy >= NEAR_UNIFORM
    leaks = share is not None and share > PADDING_SHARE_WARN
    w = weights[example]
    if w.ndim == 3:  # multi-head: the heads' mean for the heatmap
        w = w.mean(axis=0)
    L = int(lengths[example])
    w = w[: min(L, w.shape[0]), :L]
    return AttentionDiagnostic(
        model=model_name,
        layer=probe.name,
        normalized_entropy=entropy,
        max_weight_ratio=ratio,
        uniform_ablation_delta=float(d_uniform),
        permuted_ablation_delta=float(d_perm),
        status="warn" if near_uniform or leaks or note else "pass",
        verdict=_verdict(entropy, ratio, activation, metric, float(d_uniform), float(d_perm), share) + note,
        metric=metric,
        score=float(base),
        activation=activation,
        n_rows=n_rows,
        example_index=example,
        weights_example=np.round(w, 5).tolist(),
        layer_class=probe.layer_class,
        bounded_activation=probe.bounded_activation,
        padding_share=share,
    )
