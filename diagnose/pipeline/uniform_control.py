"""The attention controls of a deep comparison: each attention model trained with uniform attention, and
how stable its weights are across seeds.

The trained-uniform control (Wiegreffe & Pinter 2019, section 4) is a variant of an attention model,
``"<model> (uniform attention)"``, trained by the same unit code on the same splits, seeds and budget
with its attention weights frozen to uniform over the real steps
(:class:`~signal_diagnostics.models.uniform_attention.UniformAttention`); the learned model is compared
with it by the same paired statistics as every other pair, marked ``control="uniform"``. Models whose
attention layers cannot be frozen get ``{"model", "layer", "reason"}`` and no comparison. The variant
is a control: its model record carries ``control_of``, and it is never a candidate for the best deep
model nor compared with the baseline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.comparison import Comparison
from signal_diagnostics.evaluation.weight_stability import SeedStability, seed_stability

CONTROL = "uniform"
OFF_REASON = (
    "the trained-uniform control did not run (the quick profile skips it; --no-uniform-control and "
    "uniform_control=False switch it off)"
)
METHOD = (
    "the same model trained on the same splits, seeds and budget with every attention layer's weights frozen "
    "to uniform over the real (unmasked) steps it may attend to, compared with the learned model by the same "
    "paired statistics (Wiegreffe & Pinter 2019, section 4)"
)


def plan_controls(models: Sequence, labels: Sequence[str], input_shape, n_classes: int, hyper: dict | None) -> dict:
    """``label -> {"layers", "variant", "unsupported"}`` for every model with attention layers.

    ``variant`` is the control's name when every attention layer can be frozen, else None and
    ``unsupported`` lists ``{"model", "layer", "reason"}``.
    """
    from signal_diagnostics.models.uniform_attention import uniform_support, variant_name

    plans = {}
    for model, label in zip(models, labels):
        try:
            support = uniform_support(model, input_shape, n_classes, hyper)
        except DataError:
            raise
        except Exception as err:  # the model's own training says more; here: no control, and why
            support = {
                "layers": [],
                "unsupported": [{"layer": "", "reason": f"the model could not be built ({type(err).__name__}: {err})"}],
            }
        if support is None:
            continue
        unsupported = [{"model": label, **u} for u in support["unsupported"]]
        plans[label] = {
            "layers": support["layers"],
            "variant": None if unsupported else variant_name(label),
            "unsupported": unsupported,
        }
    return plans


def variants(plans: dict) -> dict[str, str]:
    """``model -> its control's name`` for the models whose control runs."""
    return {label: p["variant"] for label, p in plans.items() if p.get("variant")}


def control_section(plans: dict, enabled: bool) -> dict:
    """The document's ``deep.uniform_control``: whether it ran, the variants, the layers it could not freeze."""
    return {
        "enabled": bool(enabled),
        "method": METHOD,
        "variants": variants(plans),
        "unsupported": [u for p in plans.values() for u in p["unsupported"]],
    }


def control_comparisons(plans: dict, compare: Callable[[str, str], Comparison]) -> list[Comparison]:
    """Each attention model (``a``) against its trained-uniform control (``b``), marked ``control="uniform"``."""
    return [dataclasses.replace(compare(a, b), control=CONTROL) for a, b in variants(plans).items()]


def control_record(scores: dict, model: str) -> dict:
    """The control's model record: its scores, marked as the control of ``model``."""
    return {**scores, "control_of": model, "control": CONTROL}


def stabilities(runs: dict, seed: int = 0) -> dict[tuple[str, str], SeedStability]:
    """``(model, layer) -> SeedStability`` from ``runs[model][split][seed]["weights"]``, where seeds >= 2."""
    out = {}
    for model, per_split in runs.items():
        if not per_split or len(per_split[0]) < 2:
            continue
        first = per_split[0][0].get("weights") or {}
        for layer in first:
            splits = [
                [[np.asarray(rows, float) for rows in (r.get("weights") or {}).get(layer, [])] for r in split_runs]
                for split_runs in per_split
            ]
            if all(len(s) for split in splits for s in split):
                out[(model, layer)] = seed_stability(model, layer, splits, seed=seed)
    return out


def annotate_attention(attention: list[dict], plans: dict, enabled: bool, stable: dict) -> None:
    """Give every attention row its ``uniform_control`` (the control's name, or why none) and ``seed_stability``."""
    for a in attention:
        model, layer = str(a.get("model")), str(a.get("layer"))
        plan = plans.get(model)
        if not enabled:
            control = {"variant": None, "reason": OFF_REASON}
        elif plan is None:
            control = {"variant": None, "reason": f"no attention layer of {model} was found to freeze"}
        elif plan["variant"]:
            control = {"variant": plan["variant"], "reason": None}
        else:
            reasons = [u["reason"] for u in plan["unsupported"] if u["layer"] == layer]
            others = [
                f"layer {u['layer']!r} of the model cannot be frozen ({u['reason']}), and a model half frozen is "
                "not the control"
                for u in plan["unsupported"]
                if u["layer"] != layer
            ]
            control = {"variant": None, "reason": (reasons or others or ["its attention cannot be frozen"])[0]}
        a["uniform_control"] = control
        found = stable.get((model, layer))
        a["seed_stability"] = found.to_dict() if found is not None else None


__all__ = [
    "CONTROL",
    "METHOD",
    "OFF_REASON",
    "annotate_attention",
    "control_comparisons",
    "control_record",
    "control_section",
    "plan_controls",
    "stabilities",
    "variants",
]
