"""What to do next, derived from the answers, so that no advice contradicts one.

:func:`recommendations` returns ``{"id", "text", "evidence"}`` records: what the signal answer asks for,
the data-health advice (written once, in :mod:`~signal_diagnostics.pipeline.verdicts.advice`), more data,
the classes not told apart, and the deep answers' advice. No baseline, more data or class advice is given
when there is no detectable signal.
"""

from __future__ import annotations

from signal_diagnostics.pipeline.verdicts.advice import HEALTH_ADVICE, finding
from signal_diagnostics.pipeline.verdicts.base import dict_items, get_path, min_permutations
from signal_diagnostics.pipeline.verdicts.deep import deep_recommendations
from signal_diagnostics.pipeline.verdicts.thresholds import ALPHA, SEPARABLE_Q, STRONG_ALPHA


def _rec(id_: str, text: str, evidence: str = "") -> dict:
    return {"id": id_, "text": text, "evidence": evidence}


def _signal_advice(signal: dict) -> list[dict]:
    """What a signal answer of ``none`` or ``inconclusive`` asks for before anything else."""
    level, ev = signal.get("level"), signal.get("evidence") or {}
    if level == "none":
        return [
            _rec(
                "no_signal",
                "Stop tuning architectures: no model beats shuffled labels. Check the labels, "
                "the features recorded and the alignment of series and labels before training anything deeper.",
                f"label-shuffle test: best of {len(ev.get('heads') or {}) or 1} classifiers {ev.get('observed', 0):.3f} "
                f"on the real labels against {ev.get('chance_level', 0):.3f} on shuffled ones, "
                f"p = {ev.get('p_value', 1):.3g}",
            )
        ]
    if level == "inconclusive" and not ev.get("baseline_above_chance"):
        return [
            _rec(
                "more_permutations",
                f"Rerun with at least {min_permutations(ALPHA)} permutations (--n-permutations "
                f"{min_permutations(STRONG_ALPHA)} or more for 'strong') before deciding whether the data hold signal.",
                f"{ev.get('n_permutations')} shuffles: the smallest p-value is {1 / (ev.get('n_permutations') + 1):.2g}",
            )
        ]
    if level == "inconclusive":
        b = ev.get("baseline_above_chance") or {}
        return [
            _rec(
                "inconclusive",
                f"Rerun the label-shuffle test with {b.get('name')} among its models (--heads) and more "
                "permutations before deciding whether the data hold signal.",
                f"{b.get('name')}: [{b.get('low', 0):.3f}, {b.get('high', 0):.3f}] balanced accuracy; "
                f"shuffle test p = {ev.get('p_value', 1):.3g}",
            )
        ]
    return []


def _health_advice(doc: dict) -> list[dict]:
    """The advice for every health check that warned or failed, quoting its finding."""
    health = {r["check"]: r for r in dict_items(doc.get("health")) if "check" in r}
    return [
        _rec(a.rec_id, a.recommendation, finding(health[a.check]))
        for a in HEALTH_ADVICE
        if a.rec_id and a.check in health and health[a.check].get("status") in ("warn", "fail")
    ]


def _more_data_advice(verdicts: dict[str, dict]) -> list[dict]:
    """Collect more series, or look for new information, by the learning curve's answer."""
    more = verdicts.get("more_data") or {}
    curve = "; ".join(x for x in [more.get("sentence", "").rstrip(".")] if x)
    if more.get("level") == "yes":
        return [_rec("more_data", "Collect more labelled series: the learning curve is still rising.", curve)]
    if more.get("level") == "no":
        return [
            _rec(
                "no_more_data",
                "More series of the same kind will not help much: the learning curve has flattened; "
                "look for new information (channels, context, better labels) instead.",
                curve,
            )
        ]
    return []


def _group_advice(classes: dict) -> dict:
    """The groups of classes shown alike (cliques shown alike with power, never a chain)."""
    evidence = classes.get("evidence") or {}
    groups = evidence.get("groups") or []
    n_series = list(evidence.get("group_series") or []) + [None] * len(groups)
    said = "; ".join(
        f"classes {', '.join(str(c) for c in g)} cannot be told apart" + (f" with {n} series" if n else "")
        for g, n in zip(groups, n_series)
    )
    return _rec(
        "inseparable_classes",
        f"{said[0].upper() + said[1:]}: look for features or channels that separate them, or collect more "
        "of them; only if they truly are one thing, report them as one class.",
        evidence.get("method", ""),
    )


def _weak_class_advice(weak: list[dict]) -> dict:
    """The classes the best baseline does not tell apart from the rest (when the pair tests did not run)."""
    names = ", ".join(str(c["class"]) for c in weak)
    subject = f"Class {names} is" if len(weak) == 1 else f"Classes {names} are"
    fix = (
        "merge it with the class it is confused with, or collect more of it"
        if len(weak) == 1
        else "merge them, collect more of them, or report them as one group"
    )
    return _rec(
        "inseparable_classes",
        f"{subject} not told apart from the rest at this sample size: {fix}.",
        "one-vs-rest Fisher tests on the best baseline's cross-validated predictions, BH q > "
        f"{SEPARABLE_Q:g} ("
        + ", ".join(f"{c['class']}: q = {c.get('q_value', float('nan')):.2g}" for c in weak[:5])
        + (", ..." if len(weak) > 5 else "")
        + ")",
    )


def _class_advice(doc: dict, verdicts: dict[str, dict]) -> list[dict]:
    """Advice on the classes not told apart: from the pair tests' groups, else from one-vs-rest tests."""
    classes = verdicts.get("classes") or {}
    if classes.get("level") == "some" and (classes.get("evidence") or {}).get("groups"):
        return [_group_advice(classes)]
    weak = [c for c in dict_items(get_path(doc, "signal", "separable_classes")) if not c.get("separable")]
    if weak and not classes:
        return [_weak_class_advice(weak)]
    return []


def recommendations(doc: dict, verdicts: dict[str, dict]) -> list[dict]:
    """What to do next, each ``{"id", "text", "evidence"}``, derived from ``verdicts`` so that no advice
    contradicts an answer: no baseline, more data or class advice when there is no detectable signal."""
    signal = verdicts.get("signal") or {}
    found = signal.get("level") in ("weak", "strong")
    recs = _signal_advice(signal) + _health_advice(doc)
    if found:
        recs += _more_data_advice(verdicts) + _class_advice(doc, verdicts)
    for rec in deep_recommendations(doc, verdicts):
        if rec["id"] == "use_baseline" and not found:
            continue  # no baseline is recommended when there is no signal to model
        recs.append(rec)
    return recs
