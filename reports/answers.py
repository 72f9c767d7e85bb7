"""The questions the report answers at its top, in plain words with numbers, from the document alone.

Each answer is a dict ``{"id", "question", "answer", "tone", "details"}``: ``answer`` one or two
sentences, ``tone`` one of ``good`` / ``warn`` / ``bad`` / ``neutral`` / ``missing`` (for colour),
``details`` further lines. The HTML and Markdown renderers show the same answers.
"""
from __future__ import annotations

from typing import Any

from reports.formatting import interval, is_number, num, pval, signed

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


def _answer(id_: str, question: str, answer: str, tone: str = "neutral", details: list[str] | None = None) -> dict:
    return {"id": id_, "question": question, "answer": answer, "tone": tone, "details": details or []}


def _missing(doc: dict, id_: str, question: str, *sections: str) -> dict:
    errs = section_errors(doc, *sections)
    if errs:
        return _answer(id_, question, "Could not be computed: " + "; ".join(errs), "bad")
    return _answer(id_, question, NOT_RUN, "missing")


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


def _signal(doc: dict) -> dict:
    q = "Is there signal?"
    v = as_dict(as_dict(doc.get("verdicts")).get("signal")) or as_dict(as_dict(doc.get("signal")).get("verdict"))
    if not v.get("summary"):
        return _missing(doc, "signal", q, "signal", "shuffle_test", "baseline")
    level = v.get("level")
    tone = {"strong": "good", "weak": "warn", "none": "bad"}.get(level, "neutral")
    head = {"strong": "Yes, strong signal.", "weak": "Yes, but weak.", "none": "No detectable signal."}.get(level, "")
    return _answer("signal", q, f"{head} {v['summary']}".strip(), tone)


def _how_much(doc: dict) -> dict:
    q = "How much?"
    sig = as_dict(doc.get("signal"))
    best = best_baseline(doc)
    k = n_classes(doc)
    parts, details = [], []
    if best is not None:
        iv = as_dict(as_dict(best.get("intervals")).get("balanced_accuracy"))
        bounds = interval(iv.get("low"), iv.get("high"))
        method = f" ({iv['method']})" if iv.get("method") else ""
        chance = f" against chance {1 / k:.3f} (1/{k} classes)" if k else ""
        parts.append(f"Best classical baseline {best.get('name')}: balanced accuracy (macro recall, MAR) "
                     f"{num(best.get('balanced_accuracy'))}{' ' + bounds if bounds else ''}{method}{chance}.")
        details.append(f"Accuracy {num(best.get('accuracy'))}, macro precision (MAP) {num(best.get('macro_precision'))}, "
                       f"macro F1 {num(best.get('macro_f1'))}.")
    st = as_dict(sig.get("shuffle_test"))
    if st:
        parts.append(f"Label-shuffle test: p = {pval(st.get('p_value'))} ({num(st.get('n_permutations'))} permutations; "
                     f"observed {num(st.get('observed'))} vs shuffled {num(st.get('null_mean'))} ± {num(st.get('null_std'))}).")
    ceiling = as_dict(sig.get("ceiling"))
    if is_number(ceiling.get("accuracy_ceiling")):
        details.append(f"Rough accuracy ceiling (Cover-Hart bound from the 1-NN error): {num(ceiling['accuracy_ceiling'])}.")
    if not parts:
        return _missing(doc, "how_much", q, "baseline", "shuffle_test", "signal")
    for e in section_errors(doc, "shuffle_test") if not st else []:
        details.append(f"Label-shuffle test failed: {e}")
    p = st.get("p_value")
    tone = "neutral" if not is_number(p) else ("good" if p <= 0.01 else "warn" if p <= 0.05 else "bad")
    return _answer("how_much", q, " ".join(parts), tone, details)


def _more_data(doc: dict) -> dict:
    q = "Would more data help?"
    v = as_dict(as_dict(doc.get("verdicts")).get("more_data"))
    curve = as_dict(as_dict(doc.get("signal")).get("learning_curve"))
    if v.get("summary"):
        text = v["summary"]
    elif curve.get("more_data_helps"):
        text = f"Learning curve verdict: {curve['more_data_helps']}."
    else:
        return _missing(doc, "more_data", q, "learning_curve")
    level = v.get("level") or curve.get("more_data_helps")
    tone = {"yes": "good", "no": "warn"}.get(level, "neutral")
    return _answer("more_data", q, text, tone)


def _deep(doc: dict) -> dict:
    q = "Do deep models beat the best classical baseline?"
    deep = as_dict(doc.get("deep"))
    models = dict_items(deep.get("models"))
    if not models:
        return _missing(doc, "deep", q, "deep")
    best = best_baseline(doc)
    base = deep.get("baseline") or (best or {}).get("name")
    comps = [c for c in dict_items(deep.get("comparisons")) if base is not None and c.get("b") == base]
    details = [f"{c.get('a')} vs {c.get('b')}: {c.get('verdict') or signed(c.get('mean_difference'))}" for c in comps]
    if comps:
        better = [c.get("a") for c in comps if is_number(c.get("ci_low")) and c["ci_low"] > 0]
        worse = [c.get("a") for c in comps if is_number(c.get("ci_high")) and c["ci_high"] < 0]
        if better:
            text = f"Yes: {', '.join(map(str, better))} beat{'s' if len(better) == 1 else ''} {base} (interval above zero)."
            tone = "good"
        else:
            text = f"No: no deep model is clearly better than {base}"
            text += f"; {', '.join(map(str, worse))} {'is' if len(worse) == 1 else 'are'} clearly worse." if worse else "."
            tone = "warn"
        return _answer("deep", q, text, tone, details)
    top = max((m for m in models if is_number(m.get("balanced_accuracy"))), key=lambda m: m["balanced_accuracy"], default=None)
    if top is None or best is None or not is_number(best.get("balanced_accuracy")):
        return _answer("deep", q, "No paired comparison with a classical baseline is available.", "neutral")
    diff = top["balanced_accuracy"] - best["balanced_accuracy"]
    return _answer("deep", q, f"Best deep model {top.get('name')}: balanced accuracy {num(top['balanced_accuracy'])} vs "
                   f"{best.get('name')} {num(best['balanced_accuracy'])} ({signed(diff)}; no paired test available).",
                   "neutral")


def _attention(doc: dict) -> dict:
    q = "Does attention add anything?"
    v = as_dict(as_dict(doc.get("verdicts")).get("attention"))
    if not v.get("summary"):
        return _missing(doc, "attention", q, "attention", "deep")
    level = v.get("level")
    tone = {"helps": "good", "adds nothing": "warn", "hurts": "bad"}.get(level, "neutral")
    head = f"{str(level).capitalize()}. " if level else ""
    return _answer("attention", q, head + v["summary"], tone)


def _where(doc: dict) -> dict:
    q = "Where in time?"
    tmap = as_dict(as_dict(doc.get("signal")).get("timestep_map"))
    if not tmap:
        return _missing(doc, "where", q, "timestep_map")
    windows = dict_items(tmap.get("significant_windows"))
    details = [f"{w.get('words') or 'channel %s, steps %s-%s' % (w.get('channel'), w.get('start'), w.get('stop'))} "
               f"(min q = {pval(w.get('min_q'))})" for w in windows[:8]]
    if len(windows) > 8:
        details.append(f"... and {len(windows) - 8} more windows (see the timestep map below).")
    if tmap.get("summary"):
        text = str(tmap["summary"])
    elif windows:
        text = f"The classes differ in {len(windows)} window(s)."
    else:
        text = "No timestep differs significantly between classes."
    return _answer("where", q, text, "good" if windows else "neutral", details)


def answers(doc: dict) -> list[dict]:
    """The six top-of-report answers, in order: signal, how much, more data, deep, attention, where."""
    return [f(doc) for f in (_signal, _how_much, _more_data, _deep, _attention, _where)]


def recommendations(doc: dict) -> list[dict]:
    """``doc["recommendations"]`` as ``{"id", "text", "evidence"}`` with missing keys filled."""
    return [{"id": str(r.get("id", "")), "text": str(r.get("text", "")), "evidence": str(r.get("evidence") or "")}
            for r in dict_items(doc.get("recommendations")) if r.get("text")]


__all__ = ["answers", "recommendations", "section_errors", "best_baseline", "n_classes", "NOT_RUN"]
