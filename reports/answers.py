"""The questions the report answers at its top, in plain words with numbers, from the document alone.

Each answer is a dict ``{"id", "question", "headline", "answer", "tone", "details", "anchor"}``:
``headline`` a few words ("Yes, strong."), ``answer`` one or two sentences with the numbers, ``tone``
one of ``good`` / ``warn`` / ``bad`` / ``neutral`` / ``missing`` (for colour), ``details`` further
lines, ``anchor`` the id of the evidence section below. The HTML and Markdown renderers show the same
answers. The verdict *levels* come from the document (``verdicts``); the sentences are composed here
from the document's numbers so that the top of the page stays short.
"""
from __future__ import annotations

import math
from typing import Any

from reports.formatting import interval, is_number, num, points, pval

NOT_RUN = "Not run."


def section_errors(doc: dict, *names: str) -> list[str]:
    """Messages in ``doc["errors"]`` for sections ``names`` (``"baseline"`` also matches ``"baseline:x"``)."""
    errors = doc.get("errors") or {}
    if not isinstance(errors, dict):
        return []
    out = []
    for key, message in errors.items():
        head = str(key).split(":", 1)[0]
        if key in names or head in names:
            out.append(f"{key}: {message}" if key not in names else str(message))
    return out


def _answer(id_: str, question: str, headline: str, answer: str, tone: str = "neutral",
            details: list[str] | None = None, anchor: str = "") -> dict:
    return {"id": id_, "question": question, "headline": headline, "answer": answer, "tone": tone,
            "details": details or [], "anchor": anchor}


def _missing(doc: dict, id_: str, question: str, anchor: str, *sections: str) -> dict:
    errs = section_errors(doc, *sections)
    if errs:
        return _answer(id_, question, "Failed.", "Could not be computed: " + "; ".join(errs), "bad", anchor=anchor)
    return _answer(id_, question, "", NOT_RUN, "missing", anchor=anchor)


def as_dict(x: Any) -> dict:
    """``x`` when it is a dict, else an empty one (sections may be None or malformed)."""
    return x if isinstance(x, dict) else {}


def dict_items(x: Any) -> list:
    """The dict entries of a list (other entries dropped); an empty list for anything else."""
    return [v for v in x if isinstance(v, dict)] if isinstance(x, list) else []


def n_classes(doc: dict) -> int | None:
    ds = as_dict(doc.get("dataset"))
    k = ds.get("n_classes") or len(ds.get("classes") or []) or len(ds.get("class_counts") or {})
    return int(k) if is_number(k) and k >= 1 else None


def best_baseline(doc: dict) -> dict | None:
    sig = as_dict(doc.get("signal"))
    name = sig.get("best_baseline")
    return next((b for b in dict_items(sig.get("baselines")) if b.get("name") == name), None)


def baseline_name(doc: dict) -> str | None:
    """The classical model the deep models were compared with (``deep.baseline`` is a name or a model dict)."""
    base = as_dict(doc.get("deep")).get("baseline")
    if isinstance(base, dict):
        base = base.get("name")
    if base is None:
        base = (best_baseline(doc) or {}).get("name")
    return str(base) if base is not None else None


def _metric_interval(model: dict, metric: str = "balanced_accuracy") -> str:
    iv = as_dict(as_dict(model.get("intervals")).get(metric))
    return interval(iv.get("low"), iv.get("high"))


def _signal(doc: dict) -> dict:
    q = "Is there signal?"
    v = as_dict(as_dict(doc.get("verdicts")).get("signal")) or as_dict(as_dict(doc.get("signal")).get("verdict"))
    st = as_dict(as_dict(doc.get("signal")).get("shuffle_test"))
    level = v.get("level")
    if not level and not v.get("summary"):
        return _missing(doc, "signal", q, "shuffle_test", "signal", "shuffle_test", "baseline")
    tone = {"strong": "good", "weak": "warn", "none": "bad"}.get(level, "neutral")
    head = {"strong": "Yes, strong.", "weak": "Yes, but weak.", "none": "No detectable signal."}.get(level, "")
    obs, p, n = st.get("observed"), st.get("p_value"), st.get("n_permutations")
    if is_number(obs) and is_number(p):
        metric = str(st.get("metric") or "balanced_accuracy").replace("_", " ")
        null = f"{num(st.get('null_mean'))} ± {num(st.get('null_std'))}"
        text = (f"{st.get('model', 'The best baseline')} scores {num(obs)} {metric} on the real labels and {null} "
                f"on {num(n)} label shuffles: p = {pval(p)}")
        if is_number(n) and math.isclose(p, 1 / (n + 1), rel_tol=1e-3):  # p is stored rounded at times
            text += f", the smallest possible with {num(n)} shuffles"
        text += "."
        if level == "none":
            text = "A classifier does no better on these labels than on shuffled ones. " + text
    else:
        text = str(v.get("summary") or "")
    return _answer("signal", q, head, text, tone, anchor="shuffle_test")


def _how_much(doc: dict) -> dict:
    q = "How much?"
    sig = as_dict(doc.get("signal"))
    best = best_baseline(doc)
    k = n_classes(doc)
    if best is None or not is_number(best.get("balanced_accuracy")):
        return _missing(doc, "how_much", q, "baselines", "baseline", "baselines", "signal")
    ba = best["balanced_accuracy"]
    bounds = _metric_interval(best)
    n_base = len([b for b in dict_items(sig.get("baselines")) if not str(b.get("name", "")).startswith("chance")])
    of = f", the best of {n_base} classical baselines," if n_base > 1 else ""
    text = f"{best.get('name')}{of} reaches balanced accuracy (macro recall) {num(ba)}{' ' + bounds if bounds else ''}"
    headline, tone = "", "neutral"
    if k and k >= 2:
        chance = 1 / k
        text += f" against chance {chance:.3f} (1/{k} classes)"
        gain = (ba - chance) / (1 - chance)
        headline = f"{max(gain, 0):.0%} of the way from chance to perfect."
        tone = "good" if gain >= 0.5 else "warn" if gain > 0 else "bad"
    extra = [f"{label} {num(best.get(key))}" for key, label in (("accuracy", "accuracy"), ("macro_precision", "macro precision"))
             if is_number(best.get(key))]
    text += ("; " + ", ".join(extra) if extra else "") + "."
    details = []
    ceiling = as_dict(sig.get("ceiling"))
    cap = ceiling.get("accuracy_ceiling")
    if is_number(cap) and is_number(best.get("accuracy")) and cap > best["accuracy"]:
        details.append(f"The 1-NN error ({num(ceiling.get('one_nn_error'))}) puts a rough ceiling on accuracy "
                       f"at about {num(cap)} (Cover-Hart bound).")
    return _answer("how_much", q, headline, text, tone, details, anchor="baselines")


def _more_data(doc: dict) -> dict:
    q = "Would more data help?"
    v = as_dict(as_dict(doc.get("verdicts")).get("more_data"))
    curve = as_dict(as_dict(doc.get("signal")).get("learning_curve"))
    level = v.get("level") or curve.get("more_data_helps")
    if not level and not v.get("summary"):
        return _missing(doc, "more_data", q, "learning_curve", "learning_curve")
    head = {"yes": "Probably yes.", "no": "Probably not.", "cannot tell": "Cannot tell."}.get(level, "")
    tone = {"yes": "good", "no": "warn"}.get(level, "neutral")
    sizes, mean = curve.get("train_sizes") or [], curve.get("mean") or []
    ext = as_dict(curve.get("extrapolation"))
    if sizes and mean and is_number(mean[-1]):
        state = {"yes": "is still rising", "no": "has flattened", "cannot tell": "is too uncertain to extrapolate"}.get(
            level, "was measured")
        model = f"{curve['model']}'s learning curve" if curve.get("model") else "The learning curve"
        text = f"{model} {state}: {num(mean[-1])} with {num(sizes[-1])} training series"
        for key, words_ in (("2x", "twice"), ("10x", "ten times")):
            e = as_dict(ext.get(key))
            if is_number(e.get("mean")):
                band = interval(e.get("low"), e.get("high"))
                text += f"; {num(e['mean'])}{' ' + band if band else ''} expected with {words_} the data"
        text += "."
    else:
        text = str(v.get("summary") or f"Learning curve verdict: {level}.")
    return _answer("more_data", q, head, text, tone, anchor="learning_curve")


def _deep(doc: dict) -> dict:
    q = "Do deep models beat the best classical baseline?"
    deep = as_dict(doc.get("deep"))
    models = dict_items(deep.get("models"))
    if not models:
        return _missing(doc, "deep", q, "deep_models", "deep")
    base = baseline_name(doc)
    best = best_baseline(doc)
    scores = {str(m.get("name")): m.get("balanced_accuracy") for m in models + dict_items(as_dict(doc.get("signal")).get("baselines"))}
    base_score = scores.get(str(base))
    comps = [c for c in dict_items(deep.get("comparisons")) if base is not None and c.get("b") == base
             and is_number(c.get("mean_difference"))]
    if comps:
        better = [c.get("a") for c in comps if is_number(c.get("ci_low")) and c["ci_low"] > 0]
        worse = [c.get("a") for c in comps if is_number(c.get("ci_high")) and c["ci_high"] < 0]
        parts = []
        for c in comps:
            score = scores.get(str(c.get("a")))
            ci = ""
            if is_number(c.get("ci_low")) and is_number(c.get("ci_high")):
                ci = f" [{points(c['ci_low'])}, {points(c['ci_high'])}]"
            parts.append(f"{c.get('a')} {num(score) + ' ' if is_number(score) else ''}({points(c['mean_difference'])} points{ci})")
        against = f"{base} ({num(base_score)} balanced accuracy)" if is_number(base_score) else str(base)
        if better:
            head, tone = "Yes.", "good"
            text = f"{', '.join(map(str, better))} clearly beat{'s' if len(better) == 1 else ''} {against}"
        elif len(worse) == len(comps):
            head, tone = "No.", "warn"
            text = (f"{'It is' if len(comps) == 1 else 'Both are' if len(comps) == 2 else 'All are'} "
                    f"clearly worse than {against}")
        else:
            head, tone = "No.", "warn"
            text = f"No deep model is clearly better than {against}"
        text += f": {', '.join(parts)}; paired differences with 95% intervals."
        return _answer("deep", q, head, text, tone, anchor="comparisons")
    top = max((m for m in models if is_number(m.get("balanced_accuracy"))), key=lambda m: m["balanced_accuracy"], default=None)
    if top is None or best is None or not is_number(best.get("balanced_accuracy")):
        return _answer("deep", q, "Cannot tell.", "No paired comparison with a classical baseline is available.",
                       "neutral", anchor="deep_models")
    diff = top["balanced_accuracy"] - best["balanced_accuracy"]
    return _answer("deep", q, "Cannot tell.", f"Best deep model {top.get('name')}: balanced accuracy "
                   f"{num(top['balanced_accuracy'])} against {best.get('name')} {num(best['balanced_accuracy'])} "
                   f"({points(diff)} points), without a paired test.", "neutral", anchor="deep_models")


def _attention(doc: dict) -> dict:
    q = "Does attention add anything?"
    v = as_dict(as_dict(doc.get("verdicts")).get("attention"))
    if not v.get("summary"):
        return _missing(doc, "attention", q, "attention", "attention", "deep")
    level = v.get("level")
    tone = {"helps": "good", "adds nothing": "warn", "hurts": "bad"}.get(level, "neutral")
    head = {"helps": "Yes.", "adds nothing": "No.", "hurts": "No, it hurts."}.get(level, "")
    return _answer("attention", q, head, str(v["summary"]), tone, anchor="attention")


def _where(doc: dict) -> dict:
    q = "Where in time?"
    tmap = as_dict(as_dict(doc.get("signal")).get("timestep_map"))
    if not tmap:
        return _missing(doc, "where", q, "timestep_map", "timestep_map")
    windows = [w for w in dict_items(tmap.get("significant_windows"))
               if all(is_number(w.get(k)) for k in ("channel", "start", "stop"))]
    alpha = tmap.get("alpha") if is_number(tmap.get("alpha")) else 0.05
    qv = tmap.get("q_value")
    cells = [x for row in qv for x in (row if isinstance(row, list) else [row]) if is_number(x)] if isinstance(qv, list) else []
    n_steps = len(qv) if isinstance(qv, list) else 0
    details = _attribution_agreement(doc)
    if not windows:
        text = (f"No timestep x channel cell differs between classes (q < {alpha:g})." if cells
                else str(tmap.get("summary") or "No timestep differs significantly between classes."))
        return _answer("where", q, "Nowhere in particular.", text, "neutral", details, anchor="timestep_map")
    n_sig = sum(1 for x in cells if x < alpha)
    channels = sorted({int(w["channel"]) for w in windows})
    first, last = min(int(w["start"]) for w in windows), max(int(w["stop"]) for w in windows) - 1
    covered = set()
    for w in windows:
        covered.update(range(int(w["start"]), int(w["stop"])))
    spread = n_steps and len(covered) >= 2 / 3 * n_steps
    head = "Throughout the series." if spread else f"In {len(windows)} window{'s' if len(windows) > 1 else ''}."
    lead = (f"{n_sig} of {len(cells)} timestep x channel cells differ between classes (q < {alpha:g}), "
            if cells else "The classes differ ")
    n_channels = len(qv[0]) if cells and isinstance(qv[0], list) else None
    on = f"on {len(channels)} of {n_channels} channels" if n_channels else f"on {len(channels)} channel(s)"
    ranked = sorted(windows, key=lambda w: w.get("min_q") if is_number(w.get("min_q")) else 1.0)
    strongest = ", ".join(f"channel {int(w['channel'])} (steps {int(w['start'])}-{int(w['stop']) - 1})" for w in ranked[:3])
    text = " ".join([f"{lead}{on}, steps {first}-{last}. Strongest: {strongest}."] + details)
    return _answer("where", q, head, text, "good", anchor="timestep_map")


def _attribution_agreement(doc: dict) -> list[str]:
    """One line for the first model whose attributions were compared with the timestep map."""
    lines: dict[str, list[str]] = {}
    for a in dict_items(doc.get("attribution")):
        tau = as_dict(a.get("agreement")).get("kendall_tau_vs_timestep_map")
        if is_number(tau) and a.get("method") != "attention":
            lines.setdefault(str(a.get("model")), []).append(f"{tau:.2f} ({str(a.get('method')).replace('_', ' ')})")
    return [f"{model}'s attributions rank timesteps like this map to a Kendall tau of {' and '.join(taus)}."
            for model, taus in list(lines.items())[:1]]


def subtitle(doc: dict) -> str:
    """``"640 series of 7-29 timesteps (padded to 29), 12 channels, 9 classes; source aeon:X."``"""
    ds = as_dict(doc.get("dataset"))
    if not ds:
        return ""
    lengths = as_dict(ds.get("lengths"))
    n_classes = ds.get("n_classes") or len(ds.get("classes") or [])
    if lengths.get("variable") and is_number(lengths.get("min")) and is_number(lengths.get("max")):
        steps = f"of {lengths['min']}–{lengths['max']} timesteps (padded to {ds.get('n_timesteps', lengths['max'])})"
    else:
        steps = f"of {ds.get('n_timesteps', '?')} timesteps"
    channels = ds.get("n_channels", "?")
    text = (f"{ds.get('n_series', '?')} series {steps}, {channels} channel{'' if channels == 1 else 's'}, "
            f"{n_classes} classes")
    return text + (f"; source {ds['source']}." if ds.get("source") else ".")


def run_line(doc: dict) -> str:
    """One line on how the numbers were made: profile, folds, shuffles, deep-model training."""
    cfg = as_dict(doc.get("config"))
    parts = []
    if cfg.get("profile"):
        parts.append(f"{str(cfg['profile']).capitalize()} profile")
    if is_number(cfg.get("folds")):
        repeats = cfg.get("repeats") if is_number(cfg.get("repeats")) else 1
        parts.append(f"{cfg['folds']}-fold cross-validation x {repeats} repeat{'s' if repeats != 1 else ''}")
    if is_number(cfg.get("permutations")):
        parts.append(f"{cfg['permutations']} label shuffles")
    if cfg.get("deep") and is_number(cfg.get("epochs")):
        seeds = cfg.get("seeds") if is_number(cfg.get("seeds")) else 1
        parts.append(f"deep models {cfg['epochs']} epochs x {seeds} seed{'s' if seeds != 1 else ''}")
    return ", ".join(parts) + "." if parts else ""


def answers(doc: dict) -> list[dict]:
    """The six top-of-report answers, in order: signal, how much, more data, deep, attention, where."""
    return [f(doc) for f in (_signal, _how_much, _more_data, _deep, _attention, _where)]


def recommendations(doc: dict) -> list[dict]:
    """``doc["recommendations"]`` as ``{"id", "text", "evidence"}`` with missing keys filled."""
    return [{"id": str(r.get("id", "")), "text": str(r.get("text", "")),
             "evidence": str(r.get("evidence") or "").strip().rstrip(".")}  # the renderers end it with a full stop
            for r in dict_items(doc.get("recommendations")) if r.get("text")]


__all__ = ["answers", "recommendations", "subtitle", "run_line", "section_errors", "best_baseline", "baseline_name", "n_classes", "NOT_RUN"]
