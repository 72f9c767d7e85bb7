"""Sentences of the attention answer on its two controls: the trained-uniform model and the seed stability.

Each attention model gets at most one sentence per control, read from the document's fields
(``deep.comparisons`` with ``control == "uniform"``, ``deep.attention[i]["uniform_control"]`` and
``["seed_stability"]``); the decision of the answer stays in :mod:`signal_diagnostics.pipeline.verdicts.deep`.
"""

from __future__ import annotations

from signal_diagnostics.evaluation.comparison import points
from signal_diagnostics.pipeline.verdicts.base import ALPHA, dict_items, get_path

EQUIVALENT = 0.5  # as verdicts.deep.EQUIVALENT: equivalence more likely than not (Benavoli et al. 2017)

READINGS = {
    "same focus": "the same focus every seed",
    "different focus": "a different focus each seed at similar accuracy, so the weights are not a stable explanation",
    "flat": "the rows barely differ from uniform or from each other, so their agreement says nothing about focus",
}


def _holm(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values over the uniform-control comparisons (their own family)."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests([1.0 if p is None else p for p in p_values], method="holm")[1]]


def _decision(c: dict, p_adjusted: float) -> str:
    if p_adjusted <= ALPHA and c["mean_difference"] > 0:
        return "learning the weights helps"
    if p_adjusted <= ALPHA:
        return "the uniform weights do better: learning them hurts"
    p_eq = c.get("p_equivalent")
    if p_eq is not None and p_eq >= EQUIVALENT:
        return f"practically no difference (P(equivalent) = {p_eq:.2f}): learned weights add nothing over uniform ones"
    return "no clear difference"


def uniform_control_sentence(doc: dict, model: str) -> str:
    """One sentence: ``model`` against its trained-uniform control, or why no control ran ("" when neither)."""
    comps = [
        c
        for c in dict_items(get_path(doc, "deep", "comparisons"))
        if c.get("control") == "uniform" and c.get("mean_difference") is not None
    ]
    adjusted = dict(zip((c.get("a") for c in comps), _holm([c.get("p_value") for c in comps])))
    c = next((c for c in comps if c.get("a") == model), None)
    if c is None:
        rows = [a for a in dict_items(get_path(doc, "deep", "attention")) if a.get("model") == model]
        reason = next((get_path(a, "uniform_control", "reason") for a in rows if a.get("uniform_control")), None)
        return f"{model} was not compared with itself trained with uniform attention: {reason}." if reason else ""
    metric = str(c.get("metric") or "balanced_accuracy").replace("_", " ")
    ci = f" [{points(c['ci_low'])}, {points(c['ci_high'])}]" if c.get("ci_low") is not None else ""
    p = adjusted[model]
    p_txt = f"p = {p:.2g}" + (f", Holm over the {len(comps)} uniform controls" if len(comps) > 1 else "")
    return (
        f"Against {c['b']}, the same model trained end to end with its attention frozen to uniform over the "
        f"real steps, {model} changes {metric} by {points(c['mean_difference'])} points{ci} ({p_txt}): "
        f"{_decision(c, p)}."
    )


def stability_sentence(a: dict, subject: str) -> str:
    """One sentence on the seed stability of an attention row's weights ("" with one seed)."""
    st = a.get("seed_stability")
    if not isinstance(st, dict) or st.get("between_seeds") is None:
        return ""
    reading = READINGS.get(str(st.get("reading")), str(st.get("reading")))
    return (
        f"Across {st.get('seeds')} seeds {subject} differ by a Jensen-Shannon divergence of "
        f"{st['between_seeds']:.3f} on the same test series (0 = identical, 1 = disjoint), against "
        f"{st.get('vs_shuffled', float('nan')):.3f} for rows shuffled across series and positions and "
        f"{st.get('vs_uniform', float('nan')):.3f} from uniform rows: {reading}."
    )


__all__ = ["READINGS", "stability_sentence", "uniform_control_sentence"]
