"""Every answer of a diagnosis, decided once, from the Diagnosis document's numbers alone.

:func:`decide` returns the ``verdicts`` section: one :class:`~signal_diagnostics.pipeline.verdicts.base.Verdict` per
question the report answers at its top (is there signal, how much, would more data help, do deep models
beat the best classical baseline, does attention add anything, where in time, labels, classes).
:func:`recommendations` derives what to do next from those verdicts, so advice never contradicts an
answer. ``reports/`` only formats these fields.
"""

from __future__ import annotations

from signal_diagnostics.pipeline.verdicts.attention import attention_verdict
from signal_diagnostics.pipeline.verdicts.base import QUESTIONS, Verdict, dict_items, get_path, min_permutations
from signal_diagnostics.pipeline.verdicts.deep import deep_recommendations, deep_verdict
from signal_diagnostics.pipeline.verdicts.signal import (
    classes_verdict,
    how_much_verdict,
    labels_verdict,
    more_data_verdict,
    signal_verdict,
    where_verdict,
)
from signal_diagnostics.pipeline.verdicts.thresholds import ALPHA, SEPARABLE_Q, STRONG_ALPHA


# ------------------------------------------------------------------------------------------ all of it
def decide(doc: dict) -> dict[str, dict]:
    """The ``verdicts`` section: every answer, decided from the document's numbers."""
    out: dict[str, Verdict] = {}
    sig = doc.get("signal") or {}
    if sig:
        out["signal"] = signal_verdict(doc)
        out["how_much"] = how_much_verdict(doc, out["signal"])
        if sig.get("learning_curve"):
            out["more_data"] = more_data_verdict(doc)
        if sig.get("timestep_map"):
            out["where"] = where_verdict(doc)
        if sig.get("label_issues"):
            out["labels"] = labels_verdict(sig)
        if sig.get("class_pairs"):
            out["classes"] = classes_verdict(sig)
    if doc.get("deep"):
        out["deep"] = deep_verdict(doc)
        out["attention"] = attention_verdict(doc)
    order = list(QUESTIONS)
    return _subsample_notes(doc, {k: out[k].to_dict() for k in sorted(out, key=order.index)})


# The unit each answer rests on, and its name in words, for the answers that say when it ran on a subsample.
SUBSAMPLED_UNITS = {
    "signal": ("shuffle_test", "the label-shuffle test"),
    "where": ("timestep_map", "the timestep map"),
    "classes": ("class_pairs", "the class-pair tests"),
    "more_data": ("learning_curve", "the learning curve"),
    "how_much": ("baseline:minirocket", "the baselines"),
}


def _subsample_notes(doc: dict, verdicts: dict) -> dict:
    """Append to an answer's sentence that its test ran on a subsample (``plan``), and record it in its evidence.

    A permutation test on a random subsample is still exact; only its power drops, so a "no" says less.
    """
    units = (doc.get("plan") or {}).get("units") or {}
    for key, (unit, words) in SUBSAMPLED_UNITS.items():
        got, v = units.get(unit), verdicts.get(key)
        if not got or not v or got.get("n_used", 0) >= got.get("n_total", 0):
            continue
        note = f"{words} used {got['n_used']:,} of {got['n_total']:,} series (a stratified random subsample, to fit the budget)"
        v["sentence"] = f"{v['sentence'].rstrip()} ({note[0].upper()}{note[1:]}.)"
        v["evidence"] = {**(v.get("evidence") or {}), "subsample": {"unit": unit, **got}}
    return verdicts


def _finding(message) -> str:
    """A health message's finding, without the advice after its first ': ' (the recommendation gives that)."""
    return str(message or "").split(": ", 1)[0]


HEALTH_ADVICE = (
    (
        "class_imbalance",
        "class_weights",
        "Train with balanced class weights and judge models by macro recall "
        "(balanced accuracy) and macro precision, not accuracy.",
    ),
    (
        "mask_collision",
        "mask_value",
        "Real timesteps are all-zero, so Masking(0.0) drops them as padding: pad "
        "with a value that never occurs (e.g. -999 with Masking(-999)) or pass lengths instead of a mask.",
    ),
    (
        "length_leak",
        "length_leak",
        "The series length alone predicts the label: make sure this is real and "
        "not an artefact of recording; otherwise crop or resample series to a common length.",
    ),
    (
        "duplicates",
        "duplicates",
        "Remove duplicated series and resolve conflicting labels; conflicts cap the reachable accuracy.",
    ),
    (
        "channel_scale",
        "standardise",
        "Standardise each channel (on training data only): scales differ by orders of magnitude.",
    ),
    ("constant_channels", "constant_channels", "Drop the constant channels."),
    (
        "train_test_overlap",
        "overlap",
        "The same series sit in the original train and test parts: deduplicate before trusting test scores.",
    ),
)


def recommendations(doc: dict, verdicts: dict[str, dict]) -> list[dict]:
    """What to do next, each ``{"id", "text", "evidence"}``, derived from ``verdicts`` so that no advice
    contradicts an answer: no baseline, more data or class advice when there is no detectable signal."""
    recs: list[dict] = []

    def add(id_, text, evidence=""):
        recs.append({"id": id_, "text": text, "evidence": evidence})

    signal = verdicts.get("signal") or {}
    level = signal.get("level")
    ev = signal.get("evidence") or {}
    if level == "none":
        add(
            "no_signal",
            "Stop tuning architectures: no model beats shuffled labels. Check the labels, "
            "the features recorded and the alignment of series and labels before training anything deeper.",
            f"label-shuffle test: best of {len(ev.get('heads') or {}) or 1} classifiers {ev.get('observed', 0):.3f} on the "
            f"real labels against {ev.get('chance_level', 0):.3f} on shuffled ones, p = {ev.get('p_value', 1):.3g}",
        )
    elif level == "inconclusive" and not ev.get("baseline_above_chance"):
        need = min_permutations(ALPHA)
        add(
            "more_permutations",
            f"Rerun with at least {need} permutations (--permutations {min_permutations(STRONG_ALPHA)} or more "
            "for 'strong') before deciding whether the data hold signal.",
            f"{ev.get('n_permutations')} shuffles: the smallest p-value is {1 / (ev.get('n_permutations') + 1):.2g}",
        )
    elif level == "inconclusive":
        b = ev.get("baseline_above_chance") or {}
        add(
            "inconclusive",
            f"Rerun the label-shuffle test with {b.get('name')} among its models (--heads) and more "
            "permutations before deciding whether the data hold signal.",
            f"{b.get('name')}: [{b.get('low', 0):.3f}, {b.get('high', 0):.3f}] balanced accuracy; shuffle test p = {ev.get('p_value', 1):.3g}",
        )
    health = {r["check"]: r for r in dict_items(doc.get("health")) if "check" in r}
    for check, rec_id, text in HEALTH_ADVICE:
        r = health.get(check)
        if r and r.get("status") in ("warn", "fail"):
            add(rec_id, text, _finding(r.get("message")))
    found = level in ("weak", "strong")
    more = verdicts.get("more_data") or {}
    curve = "; ".join(x for x in [more.get("sentence", "").rstrip(".")] if x)
    if found and more.get("level") == "yes":
        add("more_data", "Collect more labelled series: the learning curve is still rising.", curve)
    elif found and more.get("level") == "no":
        add(
            "no_more_data",
            "More series of the same kind will not help much: the learning curve has flattened; "
            "look for new information (channels, context, better labels) instead.",
            curve,
        )
    classes = verdicts.get("classes") or {}
    groups = (classes.get("evidence") or {}).get("groups") or []
    weak = [c for c in dict_items(get_path(doc, "signal", "separable_classes")) if not c.get("separable")]
    if found and classes.get("level") == "some" and groups:  # cliques shown alike with power, never a chain
        n_series = list((classes.get("evidence") or {}).get("group_series") or []) + [None] * len(groups)
        said = "; ".join(
            f"classes {', '.join(str(c) for c in g)} cannot be told apart" + (f" with {n} series" if n else "")
            for g, n in zip(groups, n_series)
        )
        add(
            "inseparable_classes",
            f"{said[0].upper() + said[1:]}: look for features or channels that separate them, or collect more "
            "of them; only if they truly are one thing, report them as one class.",
            (classes.get("evidence") or {}).get("method", ""),
        )
    elif weak and found and not classes:
        names = ", ".join(str(c["class"]) for c in weak)
        subject = f"Class {names} is" if len(weak) == 1 else f"Classes {names} are"
        fix = (
            "merge it with the class it is confused with, or collect more of it"
            if len(weak) == 1
            else "merge them, collect more of them, or report them as one group"
        )
        add(
            "inseparable_classes",
            f"{subject} not told apart from the rest at this sample size: {fix}.",
            "one-vs-rest Fisher tests on the best baseline's cross-validated predictions, BH q > "
            f"{SEPARABLE_Q:g} ("
            + ", ".join(f"{c['class']}: q = {c.get('q_value', float('nan')):.2g}" for c in weak[:5])
            + (", ..." if len(weak) > 5 else "")
            + ")",
        )
    for rec in deep_recommendations(doc, verdicts):
        if rec["id"] == "use_baseline" and not found:
            continue  # no baseline is recommended when there is no signal to model
        recs.append(rec)
    return recs
