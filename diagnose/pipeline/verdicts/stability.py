"""Sentences of the attention answer on what its comparisons do not say: why the trained-uniform control did
not run, and how stable the weights are across seeds.

Read from ``deep.attention[i]["uniform_control"]`` and ``["seed_stability"]``; the comparisons themselves (the
uniform control included) are decided and worded in :mod:`signal_diagnostics.pipeline.verdicts.attention`.
"""

from __future__ import annotations

from signal_diagnostics.pipeline.verdicts.base import dict_items, get_path

READINGS = {
    "same focus": "the same focus every seed",
    "different focus": "a different focus each seed at similar accuracy, so the weights are not a stable explanation",
    "flat": "the rows barely differ from uniform or from each other, so their agreement says nothing about focus",
}


def no_control_sentence(doc: dict, model: str) -> str:
    """Why ``model`` was not compared with itself trained with uniform attention ("" when it was, or no reason)."""
    if any(
        c.get("control") == "uniform" and c.get("a") == model for c in dict_items(get_path(doc, "deep", "comparisons"))
    ):
        return ""
    rows = [a for a in dict_items(get_path(doc, "deep", "attention")) if a.get("model") == model]
    reason = next((get_path(a, "uniform_control", "reason") for a in rows if a.get("uniform_control")), None)
    return f"{model} was not compared with itself trained with uniform attention: {reason}." if reason else ""


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


__all__ = ["READINGS", "no_control_sentence", "stability_sentence"]
