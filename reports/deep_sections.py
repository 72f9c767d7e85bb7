"""The sections on deep models: their scores, lint, paired comparisons, attention, attributions and
the run's configuration (built from a Diagnosis document alone)."""

from __future__ import annotations

from .answers import as_dict, dict_items
from .attention_controls import controls_table
from .formatting import MISSING, decision_text, interval, num, pval, seconds, signed, value, words
from .plotting import slug
from .tables import METRIC_COLUMNS, badge, interval_methods, score_rows, section, table


def deep_models_section(doc: dict) -> dict:
    models = dict_items(as_dict(doc.get("deep")).get("models"))
    s = section("deep_models", "Deep models", doc, ("deep",), bool(models))
    if not models:
        return s
    extra = [
        ("Device", lambda m: str(m.get("device") or MISSING)),
        ("Train time", lambda m: seconds(m.get("train_seconds", m.get("fit_seconds")))),
    ]
    rows = score_rows(models, extra)
    s["tables"].append(
        table(["Model"] + [h for _, h in METRIC_COLUMNS] + [h for h, _ in extra], rows, note=interval_methods(models))
    )
    s["figures"] += [f"confusion_{slug(m.get('name'))}" for m in models]
    return s


def lint_section(doc: dict) -> dict:
    """The "Model lint" table: what the models' construction will cost them, found before training."""
    found = dict_items(as_dict(doc.get("deep")).get("lint"))
    s = section("lint", "Model lint", doc, ("lint",), bool(found))
    if not found:
        return s
    rows = [
        [
            str(f.get("model", MISSING)),
            words(f.get("check")),
            badge(f.get("status")),
            str(f.get("message") or MISSING),
            str(f.get("fix") or MISSING),
        ]
        for f in found
    ]
    s["tables"].append(
        table(
            ["Model", "Check", "Status", "Finding", "Fix"],
            rows,
            wrap=(3, 4),
            note="Read from each model before training; the padding share is measured on the "
            "data given with the weights the model starts from.",
        )
    )
    return s


def comparisons_section(doc: dict) -> dict:
    comps = dict_items(as_dict(doc.get("deep")).get("comparisons"))
    s = section("comparisons", "Model comparisons", doc, ("comparisons", "compare"), bool(comps))
    if not comps:
        return s
    rows = [
        [
            f"{c.get('a', MISSING)} vs {c.get('b', MISSING)}",
            words(c.get("metric")),
            f"{signed(c.get('mean_difference'))} {interval(c.get('ci_low'), c.get('ci_high'))}".strip(),
            pval(c.get("p_value")),
            num(c.get("p_a_better"), 2),
            num(c.get("p_equivalent"), 2),
            num(c.get("p_b_better"), 2),
            decision_text(c),
        ]
        for c in comps
    ]
    rope = next((c.get("rope") for c in comps if c.get("rope") is not None), None)
    method = next((c.get("method") for c in comps if c.get("method")), "")
    rule = next((as_dict(c.get("decision")).get("rule") for c in comps if c.get("decision")), None)
    note = (
        (
            f"Paired over the same splits; ROPE (region of practical equivalence) ±{num(rope)}. "
            if rope is not None
            else ""
        )
        + str(method)
        + (f". Decision (a against b), one rule for every pair and every answer above: {rule}." if rule else "")
    )
    s["tables"].append(
        table(
            [
                "a vs b",
                "Metric",
                "Mean difference [95% CI]",
                "p",
                "P(a better)",
                "P(equivalent)",
                "P(b better)",
                "Decision",
            ],
            rows,
            note=note.strip(),
            wrap=(7,),
        )
    )
    s["figures"].append("comparisons")
    return s


def attention_section(doc: dict) -> dict:
    att = dict_items(as_dict(doc.get("deep")).get("attention"))
    s = section("attention", "Attention diagnostics", doc, ("attention",), bool(att))
    if not att:
        return s
    s["paragraphs"] += [
        f"{a.get('model', MISSING)} / {a.get('layer', MISSING)}: {a['verdict']}" for a in att if a.get("verdict")
    ]
    rows = [
        [
            str(a.get("model", MISSING)),
            str(a.get("layer", MISSING)),
            str(a.get("activation") or MISSING),
            num(a.get("normalized_entropy")),
            num(a.get("max_weight_ratio"), 2),
            signed(a.get("uniform_ablation_delta")),
            signed(a.get("permuted_ablation_delta")),
            badge(a.get("status")),
        ]
        for a in att
    ]
    s["tables"].append(
        table(
            [
                "Model",
                "Layer",
                "Score activation",
                "Normalised entropy",
                "Max weight / uniform",
                "Uniform ablation Δ",
                "Permuted ablation Δ",
                "Status",
            ],
            rows,
            note="Entropy 1 = uniform weights. Ablation Δ: score change when the weights are "
            "replaced by uniform or permuted ones (near zero = the weights do not matter).",
        )
    )
    controls = controls_table(doc)
    if controls is not None:
        s["tables"].append(controls)
    s["figures"] += [f"attention_{slug(a.get('model'))}_{slug(a.get('layer'))}" for a in att]
    return s


def _agreement(a: dict) -> str:
    ag = as_dict(a.get("agreement"))
    parts = [f"{words(k.replace('kendall_tau_vs_', 'vs '))} {num(v, 2)}" for k, v in ag.items()]
    return "; ".join(parts) if parts else MISSING


def attribution_section(doc: dict) -> dict:
    rows_in = dict_items(doc.get("attribution"))
    s = section("attribution", "Attributions", doc, ("attribution", "explain"), bool(rows_in))
    if not rows_in:
        return s
    rows = []
    for a in rows_in:
        f = as_dict(a.get("faithfulness"))
        rows.append(
            [
                str(a.get("model", MISSING)),
                words(a.get("method")),
                num(f.get("aopc")),
                num(f.get("random_aopc")),
                _agreement(a),
                num(a.get("explained_series")),
            ]
        )
    s["tables"].append(
        table(
            ["Model", "Method", "AOPC", "Random AOPC", "Agreement (Kendall tau)", "Series"],
            rows,
            wrap=(4,),
            note="AOPC: mean score drop when the most important steps are removed first; it "
            "should clearly exceed the random order's. The heatmap shares the timestep "
            "axis of the map above.",
        )
    )
    s["figures"].append("attribution")
    return s


def config_section(doc: dict) -> dict:
    cfg = as_dict(doc.get("config"))
    tool = as_dict(doc.get("tool"))
    s = section("config", "Run", doc, ("config",), bool(cfg or tool))
    rows = [[str(k), value(v)] for k, v in cfg.items()]
    if tool:
        rows.append(["tool", f"{tool.get('name', MISSING)} {tool.get('version', '')}".strip()])
    if doc.get("schema_version") is not None:
        rows.append(["schema version", str(doc["schema_version"])])
    if rows:
        s["tables"].append(table(["Option", "Value"], rows))
    return s


__all__ = [
    "deep_models_section",
    "lint_section",
    "comparisons_section",
    "attention_section",
    "attribution_section",
    "config_section",
]
