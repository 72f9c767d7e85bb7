"""Does attention add anything? Two controls, each decided by the one rule of :mod:`.outcomes`.

- control ``"plain"``: the attention model against the same stack without attention (``deep.references``);
- control ``"uniform"``: the attention model against the same model trained with uniform (frozen)
  attention weights (Wiegreffe & Pinter 2019, section 4).

Each comparison is better / worse / equivalent / cannot tell; the answer's level follows the rule
stated in :mod:`signal_diagnostics.pipeline.verdicts.rules` (:func:`model_level`, :func:`overall_level`). What the weights are (near-uniform by construction when a bounded score activation
caps every score) is said whatever the score outcome, and combined with it in the headline.
"""

from __future__ import annotations

from signal_diagnostics.evaluation.comparison import points
from signal_diagnostics.pipeline.verdicts.base import Verdict, dict_items, get_path
from signal_diagnostics.pipeline.verdicts.deep import models_scored, undertrained, undertrained_sentence
from signal_diagnostics.pipeline.verdicts.outcomes import decided, decisions, rope_text, settle_sentence
from signal_diagnostics.pipeline.verdicts.stability import no_control_sentence, stability_sentence
from signal_diagnostics.pipeline.verdicts.thresholds import EQUIVALENT_PROBABILITY

# Score activations that bound attention scores, so that softmax weights cannot differ much within a
# row (sigmoid scores lie in (0, 1): no weight exceeds e times another): near-uniform by construction.
BOUNDED_ACTIVATIONS = ("sigmoid", "tanh", "softsign", "hard_sigmoid")
CONTROLS = {
    "plain": "the same stack without attention",
    "uniform": "the same model trained with uniform attention weights",
}
BY_CONSTRUCTION = "near-uniform by construction"
HEADLINES = {
    "helps": "Yes.",
    "hurts": "No, it hurts.",
    "adds nothing": "No.",
    "cannot tell": "Not shown either way.",
    "untested": "Not measured.",
}


def weights_kind(a: dict, undertrained: bool) -> str:
    """What an attention layer's weights are: ``"near-uniform by construction"`` (a bounded score
    activation), ``"near-uniform, possibly under-trained"``, ``"near-uniform"`` (learned to average)
    or ``"focused"``."""
    bounded = a.get("bounded_activation")
    if bounded is None:
        bounded = str(a.get("activation")).lower() in BOUNDED_ACTIVATIONS
    near = a.get("status") == "warn"
    if bounded and near:
        return BY_CONSTRUCTION
    if near:
        return "near-uniform, possibly under-trained" if undertrained else "near-uniform"
    return "focused"


def weights_sentence(a: dict, subject: str, kind: str) -> str:
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
    if kind == BY_CONSTRUCTION:
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


def comparison_sentence(c: dict, d: dict, subject: str) -> str:
    """One control's comparison and its four-way outcome, in words (with what would settle it)."""
    metric = str(c.get("metric") or "balanced_accuracy").replace("_", " ")
    head = f"{subject} changes {metric} by {points(c['mean_difference'])} points"
    if c.get("ci_low") is not None and c.get("ci_high") is not None:
        head += f" [{points(c['ci_low'])}, {points(c['ci_high'])}]"
    head += f" against {c['b']}, {CONTROLS[d['family']]}"
    p_txt = f"p = {d['p_adjusted']:.2g}" + (" Holm-adjusted" if d["family_size"] > 1 else "")
    p_eq = c.get("p_equivalent")
    eq_txt = f"P(equivalent) = {p_eq:.2f}" if p_eq is not None else ""
    width = rope_text(d["rope"])
    tail = {
        "better": f"attention is better ({p_txt})",
        "worse": f"attention is worse ({p_txt})",
        "equivalent": f"equivalent, within {width} ({', '.join(x for x in (eq_txt, p_txt) if x)})",
        "cannot tell": f"not shown either way ({p_txt}"
        + (f"; {eq_txt}, below the {EQUIVALENT_PROBABILITY:g} that equivalence within {width} needs" if eq_txt else "")
        + ")",
    }[d["outcome"]]
    text = f"{head}: {tail}."
    if d["outcome"] == "cannot tell":
        text += " " + settle_sentence(d.get("settle"))
    return text.strip()


def model_level(outcomes: dict[str, str], bounded: bool) -> str:
    """One attention model's level from its controls' outcomes (``{"plain": ..., "uniform": ...}``, those
    that ran): helps if better than every one; hurts if worse than every one; adds nothing if equivalent or
    worse against every one, or against the uniform-weights model (learned weights add nothing over
    uniform ones), or if its weights cannot focus (a bounded activation) and it is not better against every
    one; cannot tell otherwise."""
    values = list(outcomes.values())
    if not values:
        return "adds nothing" if bounded else "untested"
    if all(o == "better" for o in values):
        return "helps"
    if all(o == "worse" for o in values):
        return "hurts"
    no_gain = ("equivalent", "worse")
    if bounded or all(o in no_gain for o in values) or outcomes.get("uniform") in no_gain:
        return "adds nothing"
    return "cannot tell"


def overall_level(levels: list[str]) -> str:
    """The answer's level over the attention models: helps if one helps, hurts if all hurt, ..."""
    tested = [v for v in levels if v != "untested"]
    if not tested:
        return "untested"
    if "helps" in tested:
        return "helps"
    if all(v == "hurts" for v in tested):
        return "hurts"
    return "cannot tell" if "cannot tell" in tested else "adds nothing"


def headline(level: str, outcomes: list[str], kinds: dict[str, str]) -> str:
    """The headline, combining the score outcome with weights that cannot focus (a bounded activation)."""
    head = HEADLINES[level]
    if any(k == BY_CONSTRUCTION for k in kinds.values()):
        if level == "helps":
            head = "Yes, though the weights cannot focus (near-uniform by construction)."
        elif level == "adds nothing" and "cannot tell" in outcomes:
            head = "No: the weights cannot focus, and the score difference is not shown either way."
        elif level == "adds nothing" and not outcomes:
            head = "No: the weights cannot focus; the score difference was not measured."
        elif level == "adds nothing":
            head = "No: the weights cannot focus, and the score is no better."
    if level != "helps" and any(k == "near-uniform, possibly under-trained" for k in kinds.values()):
        head = head.rstrip(".") + ", but possibly under-trained." if level != "untested" else "Possibly under-trained."
    return head


def _attributions_sentence(doc: dict, model: str, single: bool) -> str:
    taus = [
        (str(r.get("method", "?")).replace("_", " "), get_path(r, "agreement", "kendall_tau_vs_reference"), r)
        for r in dict_items(doc.get("attribution"))
        if r.get("model") == model
    ]
    taus = [t for t in taus if t[1] is not None]
    if not taus:
        return ""
    listed = " and ".join(f"{tau:.2f} ({method})" for method, tau, _ in taus)
    subject = "Its attributions rank" if single else f"The attributions of {model} rank"
    return f"{subject} timesteps like {taus[0][2].get('reference')}'s to a Kendall tau of {listed}, where 1 means the same order."


def attention_verdict(doc: dict) -> Verdict:
    """``helps`` / ``adds nothing`` / ``hurts`` / ``cannot tell`` from each attention model against its
    controls (the plain stack, the uniform-weights model), with what its weights are; ``untested`` when
    no control ran; None when no attention model ran."""
    deep = doc.get("deep") or {}
    refs = deep.get("references") or {}
    models = {m["name"]: m for m in models_scored(doc)}
    diags = dict_items(deep.get("attention"))
    names = [n for n, m in models.items() if get_path(m, "structure", "has_attention")]
    names = list(dict.fromkeys(names + [str(a.get("model")) for a in diags]))
    if not names:
        return Verdict("attention", None, "", "No attention model was compared.")
    single = len(names) == 1
    pairs = [
        (c, d)
        for c, d in zip(dict_items(deep.get("comparisons")), decisions(doc))
        if d is not None and d["family"] in CONTROLS and c.get("a") in names
    ]
    sentences, evidence = [], {"comparisons": [], "weights": []}
    for c, d in pairs:
        sentences.append(comparison_sentence(c, d, "Attention" if single else f"Attention ({c['a']})"))
        evidence["comparisons"].append(decided(c, d))
    sentences += [
        f"No plain counterpart of {n} ran (the same stack without its attention layer), so its effect on the "
        "score is not measured against one: add one to the models or name it with --reference."
        for n in names
        if refs.get(n) is None and n in models and not any(c["a"] == n for c, _ in pairs)
    ]
    under, kinds = {m["name"] for m in undertrained(doc)}, {}
    for a in diags:
        model = str(a.get("model"))
        kinds[model] = kind = weights_kind(a, model in under)
        subject = (
            "Its weights are" if single and len(diags) == 1 else f"The weights of {model}'s {a.get('layer')} layer are"
        )
        sentences.append(weights_sentence(a, subject, kind))
        evidence["weights"].append(
            {"model": model, "layer": a.get("layer"), "kind": kind, "normalized_entropy": a.get("normalized_entropy")}
        )
        if kind == "near-uniform, possibly under-trained" and model in models:
            sentences.append(undertrained_sentence([models[model]]))
        sentences.append(stability_sentence(a, "its weights" if single and len(diags) == 1 else f"{model}'s weights"))
    sentences += [no_control_sentence(doc, model) for model in names]
    sentences += [_attributions_sentence(doc, model, single) for model in names]
    per_model = {
        n: model_level(
            {e["control"]: e["outcome"] for e in evidence["comparisons"] if e["model"] == n},
            kinds.get(n) == BY_CONSTRUCTION,
        )
        for n in names
    }
    evidence["levels"] = per_model
    level = overall_level(list(per_model.values()))
    head = headline(level, [e["outcome"] for e in evidence["comparisons"]], kinds)
    return Verdict("attention", level, head, " ".join(s for s in sentences if s), evidence)


__all__ = ["BOUNDED_ACTIVATIONS", "CONTROLS", "attention_verdict", "model_level", "weights_kind"]
