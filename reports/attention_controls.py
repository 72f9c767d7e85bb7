"""The attention controls table: each attention layer against its model trained with uniform attention, and
how alike its weights are across seeds (read from ``deep.comparisons`` and ``deep.attention`` alone)."""

from __future__ import annotations

from .answers import as_dict, dict_items
from .formatting import MISSING, decision_text, interval, num, signed
from .tables import table


def _uniform_cell(a: dict, comps: dict) -> str:
    control = as_dict(a.get("uniform_control"))
    c = comps.get(str(a.get("model")))
    if c is not None:
        diff = f"{signed(c.get('mean_difference'))} {interval(c.get('ci_low'), c.get('ci_high'))}".strip()
        return f"{diff}: {decision_text(c) or MISSING}"
    return f"not run: {control['reason']}" if control.get("reason") else MISSING


def _stability_cells(a: dict) -> list[str]:
    st = as_dict(a.get("seed_stability"))
    if not st:
        return ["one seed: not measured", MISSING, MISSING, MISSING]
    return [
        num(st.get("between_seeds")),
        num(st.get("vs_shuffled")),
        num(st.get("vs_uniform")),
        str(st.get("reading") or MISSING),
    ]


def controls_table(doc: dict) -> dict | None:
    """The table, or None when no attention row carries a control or a stability figure."""
    deep = as_dict(doc.get("deep"))
    att = [a for a in dict_items(deep.get("attention")) if "uniform_control" in a or "seed_stability" in a]
    if not att:
        return None
    comps = {str(c.get("a")): c for c in dict_items(deep.get("comparisons")) if c.get("control") == "uniform"}
    rows = [
        [str(a.get("model", MISSING)), str(a.get("layer", MISSING)), _uniform_cell(a, comps)] + _stability_cells(a)
        for a in att
    ]
    method = next(
        (str(as_dict(a.get("seed_stability")).get("method")) for a in att if as_dict(a.get("seed_stability"))), ""
    )
    note = (
        "Trained-uniform control: the learned model minus the same model trained end to end with its attention "
        "frozen to uniform over the real steps, same splits, seeds and budget (paired, 95% interval; Wiegreffe & "
        "Pinter 2019). Seed stability: " + (method or "needs two or more seeds") + "."
    )
    return table(
        [
            "Model",
            "Layer",
            "Learned vs uniform-trained Δ [95% CI]",
            "JSD between seeds",
            "JSD vs shuffled rows",
            "JSD vs uniform",
            "Reading",
        ],
        rows,
        caption="Attention controls",
        note=note,
        wrap=(2,),
    )


__all__ = ["controls_table"]
