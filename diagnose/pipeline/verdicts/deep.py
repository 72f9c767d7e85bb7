"""The deep-model answers: do deep models beat the best classical baseline, does attention add anything.

Both rest on the paired comparisons of the ``deep`` section, Holm-corrected over the comparisons that
answer the same question (family-wise error :data:`signal_diagnostics.pipeline.verdicts.base.ALPHA`), and both say when the
models were possibly under-trained (validation loss still falling when training stopped), since a
negative answer is only as good as the training behind it.
"""

from __future__ import annotations

from signal_diagnostics.evaluation.comparison import points
from signal_diagnostics.pipeline.verdicts.base import ALPHA, Verdict, dict_items, get_path
from signal_diagnostics.pipeline.verdicts.stability import stability_sentence, uniform_control_sentence

# Score activations that bound attention scores, so that softmax weights cannot differ much within a
# row (sigmoid scores lie in (0, 1): no weight exceeds e times another): near-uniform by construction.
BOUNDED_ACTIVATIONS = ("sigmoid", "tanh", "softsign", "hard_sigmoid")
EQUIVALENT = 0.5  # "adds nothing" from P(equivalent) >= 0.5: equivalence more likely than not (Benavoli et al. 2017)
NEGLIGIBLE = 0.01  # the width of "practically equivalent" when a comparison carries no ROPE (stats.DEFAULT_ROPE)


def holm(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values (family-wise error over the list); [] for an empty list."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests([1.0 if p is None else p for p in p_values], method="holm")[1]]


def _models(doc: dict) -> list[dict]:
    """The deep models scored, controls (``control_of``: a model trained with uniform attention) left out."""
    return [
        m
        for m in dict_items(get_path(doc, "deep", "models"))
        if m.get("balanced_accuracy") is not None and not m.get("control_of")
    ]


def _undertrained(doc: dict) -> list[dict]:
    return [m for m in _models(doc) if get_path(m, "training", "possibly_undertrained")]


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
    models = _models(doc)
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
    under = _undertrained(doc)
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
    comps = [
        c
        for c in dict_items(deep.get("comparisons"))
        if c.get("b") == base.get("name") and c.get("mean_difference") is not None
    ]
    adjusted = holm([c.get("p_value") for c in comps])
    better = [c for c, p in zip(comps, adjusted) if p <= ALPHA and c["mean_difference"] > 0]
    worse = [c for c, p in zip(comps, adjusted) if p <= ALPHA and c["mean_difference"] < 0]
    scores = {m["name"]: m.get(metric) for m in models}
    against = f"{base['name']} ({base.get(metric, float('nan')):.3f} {metric.replace('_', ' ')}"
    source = get_path(deep, "config", "baseline_source")
    against += (
        ", the best classical baseline on the same splits)"
        if source == "given (same splits)"
        else ", on the same splits)"
    )
    parts = []
    for c, p in zip(comps, adjusted):
        ci = (
            f" [{points(c['ci_low'])}, {points(c['ci_high'])}]"
            if c.get("ci_low") is not None and c.get("ci_high") is not None
            else ""
        )
        score = scores.get(c["a"])
        parts.append(
            f"{c['a']} {score:.3f} ({points(c['mean_difference'])} points{ci}, adjusted p = {p:.2g})"
            if score is not None
            else f"{c['a']} ({points(c['mean_difference'])} points{ci})"
        )
    evidence.update(
        {
            "baseline": base["name"],
            "baseline_score": base.get(metric),
            "comparisons": [
                {
                    "model": c["a"],
                    "difference": c["mean_difference"],
                    "ci_low": c.get("ci_low"),
                    "ci_high": c.get("ci_high"),
                    "p_value": c.get("p_value"),
                    "p_adjusted": p,
                }
                for c, p in zip(comps, adjusted)
            ],
        }
    )
    if not comps:
        return Verdict("deep", "untested", "Cannot tell.", f"No deep model was compared with {against}.", evidence)
    if better:
        level, head = "better", "Yes."
        names = ", ".join(c["a"] for c in better)
        text = f"{names} beat{'s' if len(better) == 1 else ''} {against}"
    elif len(worse) == len(comps):
        level, head = "worse", "No."
        text = f"{'It is' if len(comps) == 1 else 'Every deep model is'} clearly worse than {against}"
    else:
        level, head = "no better", "No."
        text = f"No deep model is clearly better than {against}"
    text += (
        f": {', '.join(parts)}; paired differences with 95% intervals, p Holm-corrected over "
        f"{len(comps)} comparison{'s' if len(comps) > 1 else ''}."
    )
    if level != "better" and under:
        head = "No, but possibly under-trained."
        text += " " + undertrained_sentence(under)
    return Verdict("deep", level, head, text, evidence)


def weights_kind(a: dict, undertrained: bool) -> str:
    """What an attention layer's weights are: ``"near-uniform by construction"`` (a bounded score
    activation), ``"near-uniform, possibly under-trained"``, ``"near-uniform"`` (learned to average)
    or ``"focused"``."""
    bounded = a.get("bounded_activation")
    if bounded is None:
        bounded = str(a.get("activation")).lower() in BOUNDED_ACTIVATIONS
    near = a.get("status") == "warn"
    if bounded and near:
        return "near-uniform by construction"
    if near:
        return "near-uniform, possibly under-trained" if undertrained else "near-uniform"
    return "focused"


def _weights_sentence(a: dict, subject: str, kind: str) -> str:
    entropy, ratio, delta = a.get("normalized_entropy"), a.get("max_weight_ratio"), a.get("uniform_ablation_delta")
    shape = ", ".join(
        x
        for x in (
            f"entropy {entropy:.2f} of uniform" if entropy is not None else "",
            f"largest weight {ratio:.2f}x uniform" if ratio is not None else "",
        )
        if x
    )
    text = f"{subject} {kind}" + (f" ({shape})" if shape else "")
    if kind == "near-uniform by construction":
        text += (
            f": its {a.get('activation')} score activation bounds every score, so no weight can stand far above another"
        )
    elif kind == "near-uniform":
        text += ": the layer learned to average rather than focus"
    if delta is not None:
        metric = str(a.get("metric") or "balanced_accuracy").replace("_", " ")
        text += f"; replacing them by uniform weights changes {metric} by {points(delta)} points"
    if a.get("padding_share") is not None:
        text += f"; {a['padding_share']:.0%} of each real step's weight falls on padding"
    return text + "."


def _outcome(c: dict, p_adjusted: float) -> str:
    if (c.get("p_equivalent") or 0) >= EQUIVALENT or p_adjusted > ALPHA:
        return "adds nothing"
    return "helps" if c["mean_difference"] > 0 else "hurts"


def _comparison_sentence(c: dict, p_adjusted: float, subject: str) -> str:
    metric = str(c.get("metric") or "balanced_accuracy").replace("_", " ")
    head = f"{subject} changes {metric} by {points(c['mean_difference'])} points"
    if c.get("ci_low") is not None and c.get("ci_high") is not None:
        head += f" [{points(c['ci_low'])}, {points(c['ci_high'])}]"
    head += f" against {c['b']}, the same stack without attention"
    p_eq = c.get("p_equivalent")
    p_txt = f"p = {p_adjusted:.2g}" + (" Holm-adjusted" if c.get("_family", 1) > 1 else "")
    outcome = _outcome(c, p_adjusted)
    if outcome == "helps":
        tail = f"attention is better ({p_txt})"
    elif outcome == "hurts":
        tail = f"attention is worse ({p_txt})"
    elif p_eq is not None and p_eq >= EQUIVALENT:
        rope = c.get("rope") or NEGLIGIBLE
        width = f"{100 * rope:g} point{'' if 100 * rope == 1 else 's'}"
        tail = f"practically no difference (P(equivalent) = {p_eq:.2f}, equivalent meaning within ±{width})"
    else:
        tail = f"no clear difference ({p_txt})"
        if p_eq is not None:
            tail += f", though too uncertain to call them equivalent (P(equivalent) = {p_eq:.2f})"
    return f"{head}: {tail}."


def attention_verdict(doc: dict) -> Verdict:
    """``helps`` / ``adds nothing`` / ``hurts`` from each attention model against its plain counterpart
    (Holm-corrected), with what its weights are; ``untested`` when an attention model ran without a
    counterpart; None when no attention model ran."""
    deep = doc.get("deep") or {}
    refs = deep.get("references") or {}
    models = {m["name"]: m for m in _models(doc)}
    attention_models = [n for n, m in models.items() if get_path(m, "structure", "has_attention")]
    diags = dict_items(deep.get("attention"))
    names = list(dict.fromkeys(attention_models + [str(a.get("model")) for a in diags]))
    if not names:
        return Verdict("attention", None, "", "No attention model was compared.")
    comps = [
        c
        for c in dict_items(deep.get("comparisons"))
        if c.get("a") in names and refs.get(c.get("a")) == c.get("b") and c.get("mean_difference") is not None
    ]
    adjusted = holm([c.get("p_value") for c in comps])
    single = len(names) == 1
    sentences, kinds, evidence = [], {}, {"comparisons": [], "weights": []}
    for c, p in zip(comps, adjusted):
        sentences.append(
            _comparison_sentence({**c, "_family": len(comps)}, p, "Attention" if single else f"Attention ({c['a']})")
        )
        evidence["comparisons"].append(
            {
                "model": c["a"],
                "reference": c["b"],
                "difference": c["mean_difference"],
                "p_value": c.get("p_value"),
                "p_adjusted": p,
                "outcome": _outcome(c, p),
            }
        )
    for n in names:
        if refs.get(n) is None and n in models:
            sentences.append(
                f"No plain counterpart of {n} ran (the same stack without its attention layer), so its "
                "effect on the score is not measured: add one to the models or name it with --reference."
            )
    under = {m["name"] for m in _undertrained(doc)}
    for a in diags:
        model = str(a.get("model"))
        kind = weights_kind(a, model in under)
        kinds[model] = kind
        subject = (
            "Its weights are" if single and len(diags) == 1 else f"The weights of {model}'s {a.get('layer')} layer are"
        )
        sentences.append(_weights_sentence(a, subject, kind))
        evidence["weights"].append(
            {"model": model, "layer": a.get("layer"), "kind": kind, "normalized_entropy": a.get("normalized_entropy")}
        )
        if kind == "near-uniform, possibly under-trained":
            sentences.append(undertrained_sentence([models[model]]) if model in models else "")
        sentences.append(stability_sentence(a, "its weights" if single and len(diags) == 1 else f"{model}'s weights"))
    sentences += [uniform_control_sentence(doc, model) for model in names]
    for model in names:
        taus = [
            (
                str(r.get("method", "?")).replace("_", " "),
                get_path(r, "agreement", "kendall_tau_vs_reference"),
                r.get("reference"),
            )
            for r in dict_items(doc.get("attribution"))
            if r.get("model") == model
        ]
        taus = [t for t in taus if t[1] is not None]
        if taus:
            listed = " and ".join(f"{tau:.2f} ({method})" for method, tau, _ in taus)
            subject = "Its attributions rank" if single else f"The attributions of {model} rank"
            sentences.append(
                f"{subject} timesteps like {taus[0][2]}'s to a Kendall tau of {listed}, where 1 means the same order."
            )
    outcomes = [e["outcome"] for e in evidence["comparisons"]]
    if outcomes:
        level = "helps" if "helps" in outcomes else ("hurts" if all(o == "hurts" for o in outcomes) else "adds nothing")
    else:
        level = "untested"
    head = {"helps": "Yes.", "adds nothing": "No.", "hurts": "No, it hurts.", "untested": "Not measured."}[level]
    if level != "helps" and any(k == "near-uniform, possibly under-trained" for k in kinds.values()):
        head = head.rstrip(".") + ", but possibly under-trained." if level != "untested" else "Possibly under-trained."
    return Verdict("attention", level, head, " ".join(s for s in sentences if s), evidence)


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
