"""The deep-model answer: do deep models beat the best classical baseline? And the advice of both deep answers.

It rests on the paired comparisons of the ``deep`` section, each decided once by
:mod:`signal_diagnostics.pipeline.verdicts.outcomes` (better / worse / equivalent / cannot tell, Holm over the
comparisons with the baseline), and says when the models were possibly under-trained (validation loss
still falling when training stopped), since a negative answer is only as good as the training behind it.
The attention answer lives in :mod:`signal_diagnostics.pipeline.verdicts.attention`.
"""

from __future__ import annotations

from signal_diagnostics.evaluation.comparison import points
from signal_diagnostics.pipeline.verdicts.base import Verdict, dict_items, get_path
from signal_diagnostics.pipeline.verdicts.outcomes import decided, decisions, rope_text, settle_sentence


def models_scored(doc: dict) -> list[dict]:
    """The deep models scored, controls (``control_of``: a model trained with uniform attention) left out."""
    return [
        m
        for m in dict_items(get_path(doc, "deep", "models"))
        if m.get("balanced_accuracy") is not None and not m.get("control_of")
    ]


def undertrained(doc: dict) -> list[dict]:
    return [m for m in models_scored(doc) if get_path(m, "training", "possibly_undertrained")]


def undertrained_sentence(models: list[dict]) -> str:
    """``"Possibly under-trained: validation loss was still falling when training stopped in 3 of 3 of
    bilstm's runs (best weights from epoch 29.0 of 30 on average, 90 updates)."``"""
    parts = []
    for m in models:
        t = m.get("training") or {}
        share, runs = t.get("still_improving_share") or 0, t.get("runs") or 0
        restored, budget, updates = t.get("mean_restored_epoch"), t.get("epochs_budget"), t.get("mean_updates")
        where = (
            f"best weights from epoch {restored:.1f} of {budget:.0f} on average"
            if restored is not None and budget
            else ""
        )
        more = ", ".join(x for x in (where, f"{updates:.0f} updates" if updates is not None else "") if x)
        parts.append(f"{round(share * runs)} of {runs} of {m['name']}'s runs" + (f" ({more})" if more else ""))
    return (
        "Possibly under-trained: validation loss was still falling when training stopped in " + "; ".join(parts) + "."
    )


def deep_verdict(doc: dict) -> Verdict:
    """``better`` / ``no better`` / ``worse`` against the best classical baseline on the same splits, or
    ``untested`` when no baseline ran in the comparison."""
    deep = doc.get("deep") or {}
    models = models_scored(doc)
    if not models:
        return Verdict("deep", None, "", "No deep model was trained.")
    metric = str(deep.get("metric") or "balanced_accuracy")
    top = max(models, key=lambda m: m[metric] if m.get(metric) is not None else -1)
    base = deep.get("baseline")
    if isinstance(base, str):  # a name (documents before schema 2): its record from the signal section
        base = next(
            (b for b in dict_items(get_path(doc, "signal", "baselines")) if b.get("name") == base), {"name": base}
        )
    base = base if isinstance(base, dict) else None
    under = undertrained(doc)
    evidence = {
        "best_deep_model": top["name"],
        "best_deep_score": top.get(metric),
        "metric": metric,
        "possibly_undertrained": [m["name"] for m in under],
    }
    if base is None:
        text = (
            f"No classical baseline ran in this comparison, so the deep models were not compared with one "
            f"(best deep model {top['name']}: {top.get(metric, float('nan')):.3f} {metric.replace('_', ' ')}). "
            "`diagnose report` compares them with the best baseline of its signal section; "
            "`diagnose compare --baseline NAME` with one you name."
        )
        return Verdict("deep", "untested", "Cannot tell.", text, evidence)
    pairs = [
        (c, d)
        for c, d in zip(dict_items(deep.get("comparisons")), decisions(doc))
        if d is not None and d["family"] == "baseline"
    ]
    scores = {m["name"]: m.get(metric) for m in models}
    against = f"{base['name']} ({base.get(metric, float('nan')):.3f} {metric.replace('_', ' ')}"
    source = get_path(deep, "config", "baseline_source")
    against += (
        ", the best classical baseline on the same splits)"
        if source == "given (same splits)"
        else ", on the same splits)"
    )
    evidence.update(
        {
            "baseline": base["name"],
            "baseline_score": base.get(metric),
            # the decided record without the pair's partner: every comparison here is against this one baseline
            "comparisons": [
                {k: v for k, v in decided(c, d).items() if k not in ("reference", "control")} for c, d in pairs
            ],
        }
    )
    if not pairs:
        return Verdict("deep", "untested", "Cannot tell.", f"No deep model was compared with {against}.", evidence)
    level = deep_level([d["outcome"] for _, d in pairs])
    text = _deep_text(level, pairs, against, scores)
    head = DEEP_HEADLINES[level]
    if level != "better" and under:
        head = head.rstrip(".") + (
            ", but possibly under-trained." if level != "cannot tell" else "; possibly under-trained."
        )
        text += " " + undertrained_sentence(under)
    return Verdict("deep", level, head, text, evidence)


DEEP_HEADLINES = {"better": "Yes.", "worse": "No.", "no better": "No.", "cannot tell": "Not shown either way."}


def deep_level(outcomes: list[str]) -> str:
    """better if some deep model is better; worse if every one is worse; no better if every one is
    equivalent or worse; cannot tell otherwise (the outcomes of :mod:`.outcomes`)."""
    if "better" in outcomes:
        return "better"
    if all(o == "worse" for o in outcomes):
        return "worse"
    return "no better" if all(o in ("equivalent", "worse") for o in outcomes) else "cannot tell"


def _deep_text(level: str, pairs: list[tuple[dict, dict]], against: str, scores: dict) -> str:
    parts = []
    for c, d in pairs:
        ci = (
            f" [{points(c['ci_low'])}, {points(c['ci_high'])}]"
            if c.get("ci_low") is not None and c.get("ci_high") is not None
            else ""
        )
        score = scores.get(c["a"])
        name = f"{c['a']} {score:.3f}" if score is not None else c["a"]
        parts.append(
            f"{name} ({points(c['mean_difference'])} points{ci}, adjusted p = {d['p_adjusted']:.2g}: {d['outcome']})"
        )
    n = len(pairs)
    better = [c["a"] for c, d in pairs if d["outcome"] == "better"]
    width = rope_text(pairs[0][1]["rope"])
    lead = {
        "better": f"{', '.join(better)} beat{'s' if len(better) == 1 else ''} {against}",
        "worse": f"{'It is' if n == 1 else 'Every deep model is'} clearly worse than {against}",
        "no better": f"No deep model is better than {against}: each is equivalent (within {width}) or worse",
        "cannot tell": f"Whether a deep model beats {against} is not shown either way",
    }[level]
    text = (
        f"{lead}: {', '.join(parts)}; paired differences with 95% intervals, p Holm-corrected over "
        f"{n} comparison{'s' if n > 1 else ''}; equivalent means within {width}."
    )
    if level == "cannot tell":
        c, d = max(
            ((c, d) for c, d in pairs if d["outcome"] == "cannot tell"), key=lambda cd: scores.get(cd[0]["a"]) or 0
        )
        settle = settle_sentence(d.get("settle"))
        text += f" For {c['a']}: {settle[0].lower()}{settle[1:]}" if settle else ""
    return text


def deep_recommendations(doc: dict, verdicts: dict[str, dict]) -> list[dict]:
    """Advice that follows from the deep and attention verdicts."""
    recs = []
    deep = verdicts.get("deep") or {}
    ev = deep.get("evidence") or {}
    under = ev.get("possibly_undertrained") or []
    if deep.get("level") in ("no better", "worse") and not under:
        comp = next((c for c in ev.get("comparisons") or [] if c["model"] == ev.get("best_deep_model")), None)
        evidence = (
            f"{comp['model']} - {ev['baseline']}: {points(comp['difference'])} points "
            f"[{points(comp['ci_low'])}, {points(comp['ci_high'])}] {str(ev.get('metric')).replace('_', ' ')}, "
            "paired over the same splits"
            if comp and comp.get("ci_low") is not None
            else ""
        )
        recs.append(
            {
                "id": "use_baseline",
                "text": f"Prefer {ev['baseline']}: the best deep model ({ev['best_deep_model']}, "
                f"{ev['best_deep_score']:.3f}) does not beat it ({ev['baseline_score']:.3f}); spend effort on data "
                "rather than architectures.",
                "evidence": evidence,
            }
        )
    if under:
        recs.append(
            {
                "id": "train_longer",
                "text": "Train longer before judging architectures or attention (more epochs, "
                "or a higher minimum number of updates): validation loss was still falling when training stopped.",
                "evidence": deep.get("sentence", "").split("Possibly under-trained: ", 1)[-1].rstrip("."),
            }
        )
    att = verdicts.get("attention") or {}
    for w in (att.get("evidence") or {}).get("weights") or []:
        if w["kind"] == "near-uniform by construction":
            recs.append(
                {
                    "id": "attention_uniform",
                    "text": f"{w['model']}: the attention weights are near-uniform by "
                    "construction, so the layer only averages; drop the bounded score activation "
                    "(attention_activation=None) or switch to attention pooling.",
                    "evidence": f"normalised entropy {w['normalized_entropy']:.3f} of uniform",
                }
            )
            break
        if w["kind"] == "near-uniform":
            recs.append(
                {
                    "id": "attention_uniform",
                    "text": f"{w['model']}: the attention layer learned to average "
                    "rather than focus; switch to attention pooling or drop the layer.",
                    "evidence": f"normalised entropy {w['normalized_entropy']:.3f} of uniform",
                }
            )
            break
    return recs
