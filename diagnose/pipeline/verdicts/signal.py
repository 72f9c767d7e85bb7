"""Is there signal? The label-shuffle test's answer, from the Diagnosis document's ``signal`` section.

The other answers about the data live one per module (:mod:`~signal_diagnostics.pipeline.verdicts.how_much`,
:mod:`~signal_diagnostics.pipeline.verdicts.more_data`, :mod:`~signal_diagnostics.pipeline.verdicts.where`,
:mod:`~signal_diagnostics.pipeline.verdicts.labels`, :mod:`~signal_diagnostics.pipeline.verdicts.classes`);
their functions are imported here too, where they were first written.
"""

from __future__ import annotations

from signal_diagnostics.pipeline.verdicts.base import (
    Verdict,
    best_baseline,
    classical_baselines,
    dict_items,
    get_path,
    interval,
    min_permutations,
    n_classes,
    p_text,
    shuffles_text,
    unreachable_levels,
    unreachable_text,
)
from signal_diagnostics.pipeline.verdicts.classes import classes_verdict, separable_classes
from signal_diagnostics.pipeline.verdicts.how_much import how_much_verdict
from signal_diagnostics.pipeline.verdicts.labels import labels_verdict
from signal_diagnostics.pipeline.verdicts.more_data import more_data_verdict
from signal_diagnostics.pipeline.verdicts.thresholds import ALPHA, STRONG_ALPHA, STRONG_GAIN
from signal_diagnostics.pipeline.verdicts.where import where_verdict

__all__ = [
    "classes_verdict",
    "how_much_verdict",
    "labels_verdict",
    "more_data_verdict",
    "separable_classes",
    "signal_verdict",
    "where_verdict",
]


def _outside_test(doc: dict, st: dict) -> dict | None:
    """The best classical baseline when it is not among the shuffle test's heads and scores higher than
    the test's statistic: the table then holds a stronger model than the signal answer rests on."""
    best = best_baseline(doc)
    heads = {h.get("name") for h in dict_items(st.get("heads"))} | {st.get("best_head") or st.get("model")}
    if best is None or best["name"] in heads or best["balanced_accuracy"] <= st["observed"]:
        return None
    return best


def _signal_details(doc: dict, st: dict, evidence: dict) -> list[str]:
    """The levels the permutation count could not reach, and a stronger baseline outside the test."""
    n, details = evidence["n_permutations"], []
    if evidence["unreachable_levels"]:
        text = unreachable_text(evidence["unreachable_levels"], n)
        details.append(f"{text[0].upper()}{text[1:]}: rerun with more permutations.")
    outside = _outside_test(doc, st)
    if outside is not None:
        name, heads = outside["name"], list(evidence["heads"])
        evidence["best_baseline_outside_test"] = {"name": name, "balanced_accuracy": outside["balanced_accuracy"]}
        details.append(
            f"This answer rests on the test's classifiers ({', '.join(heads)}); {name}, the best classical baseline "
            f"({outside['balanced_accuracy']:.3f}), is not among them, because it refits on every shuffle "
            f'(only baselines with the fast ridge path join by themselves), so "How much?" quotes it. '
            f"To test it too: --heads {','.join(heads + [name])}."
        )
    return details


def _signal_evidence(st: dict) -> dict:
    """The shuffle test's numbers the answer rests on, with its gain over the test's own chance level."""
    obs, chance, n = st["observed"], st["null_mean"], st.get("n_permutations")
    evidence = {
        "p_value": st["p_value"],
        "observed": obs,
        "chance_level": chance,
        "null_std": st.get("null_std"),
        "n_permutations": n,
        "metric": st.get("metric"),
        "best_head": st.get("best_head") or st.get("model"),
        "heads": {h["name"]: h.get("observed") for h in dict_items(st.get("heads"))},
        "gain_over_chance": (obs - chance) / (1 - chance) if chance < 1 else 0.0,
        "unreachable_levels": unreachable_levels(n, "signal") if n else [],
    }
    if st.get("permutations_drawn") is not None:  # documents before the sequential test lack it
        evidence["permutations_drawn"] = st["permutations_drawn"]
    return evidence


def _signal_sentence(st: dict) -> str:
    """The test's statistic on the real and on the shuffled labels, and its p-value, in one sentence."""
    obs, chance, n = st["observed"], st["null_mean"], st.get("n_permutations")
    shuffles = shuffles_text(st)
    metric = str(st.get("metric") or "balanced_accuracy").replace("_", " ")
    heads = dict_items(st.get("heads"))
    if len(heads) > 1:
        listed = ", ".join(f"{h['name']} {h['observed']:.3f}" for h in heads)
        lead = (
            f"The best of {len(heads)} classifiers ({listed}) scores {obs:.3f} {metric} on the real labels; "
            f"the best of them on {shuffles} scores {chance:.3f} ± {st.get('null_std', 0):.3f}"
        )
    else:
        lead = (
            f"{st.get('best_head') or st.get('model')} scores {obs:.3f} {metric} on the real labels and "
            f"{chance:.3f} ± {st.get('null_std', 0):.3f} on {shuffles}"
        )
    return f"{lead}: {p_text(st['p_value'], n)}."


def _not_found(doc: dict, sentence: str, evidence: dict, details: list[str]) -> Verdict:
    """``inconclusive`` or ``none`` for a test that did not reject at :data:`ALPHA`."""
    p, n = evidence["p_value"], evidence["n_permutations"]
    if n and n < min_permutations(ALPHA):
        return Verdict(
            "signal",
            "inconclusive",
            "Unclear: too few shuffles.",
            f"{sentence} With {n} shuffles no p-value can reach {ALPHA:g}, so the test cannot find signal: rerun "
            f"with at least {min_permutations(ALPHA)} permutations ({min_permutations(STRONG_ALPHA)} for 'strong').",
            evidence,
            details,
        )
    k = n_classes(doc)
    above = [b for b in classical_baselines(doc) if k and (interval(b) or (0, 0))[0] > 1 / k]
    if above:
        b = max(above, key=lambda b: b["balanced_accuracy"])
        low, high = interval(b)
        evidence["baseline_above_chance"] = {"name": b["name"], "low": low, "high": high}
        return Verdict(
            "signal",
            "inconclusive",
            "Unclear.",
            f"The label-shuffle test finds nothing ({p_text(p, n)}), but {b['name']}'s cross-validated "
            f"balanced accuracy {b['balanced_accuracy']:.3f} [{low:.3f}, {high:.3f}] lies above chance "
            f"1/{k}. Add {b['name']} to the test's models (--heads) before concluding there is no signal.",
            evidence,
            details,
        )
    return Verdict(
        "signal",
        "none",
        "No detectable signal.",
        "No classifier does better on these labels than on shuffled ones. "
        + sentence
        + " Deep learning cannot find signal where there is only noise.",
        evidence,
        details,
    )


def _found(sentence: str, evidence: dict, details: list[str]) -> Verdict:
    """``strong`` or ``weak`` for a test that rejected at :data:`ALPHA`, saying what keeps it from strong."""
    p, n, gain = evidence["p_value"], evidence["n_permutations"], evidence["gain_over_chance"]
    if p <= STRONG_ALPHA and gain >= STRONG_GAIN:
        return Verdict("signal", "strong", "Yes, strong.", sentence, evidence, details)
    if gain < STRONG_GAIN:
        why = " Better than chance, but only a little of the way from chance to perfect."
    elif evidence["unreachable_levels"]:
        why = (
            f" Far from chance ({gain:.0%} of the way to perfect), but 'strong' needs p <= {STRONG_ALPHA:g}, out of "
            f"reach with {n} shuffles: rerun with at least {min_permutations(STRONG_ALPHA)} permutations."
        )
    else:
        why = (
            f" Far from chance ({gain:.0%} of the way to perfect), but p is above {STRONG_ALPHA:g}, short of 'strong'."
        )
    return Verdict("signal", "weak", "Yes, but weak.", sentence + why, evidence, details)


def signal_verdict(doc: dict) -> Verdict:
    """``strong`` / ``weak`` / ``none`` / ``inconclusive`` from the shuffle test over several heads.

    The level rests on the max-T p-value of the best head (``none`` when p > :data:`ALPHA`), and its
    gain over the statistic's own chance level (the mean of the max-null, above 1/K). ``inconclusive``
    replaces ``none`` when a classical baseline's interval lies wholly above chance although the test
    did not reject (a blind spot of every head), or when too few shuffles were drawn for any p to reach
    :data:`ALPHA`. The levels the shuffle count cannot reach are listed in ``evidence`` and ``details``,
    and so is the best classical baseline when it is not a head and scores higher.
    """
    st = get_path(doc, "signal", "shuffle_test") or {}
    if st.get("p_value") is None:
        return Verdict("signal", None, "", "The label-shuffle test did not run, so there is no verdict.")
    evidence = _signal_evidence(st)
    details = _signal_details(doc, st, evidence)
    sentence = _signal_sentence(st)
    if st["p_value"] > ALPHA:
        return _not_found(doc, sentence, evidence, details)
    return _found(sentence, evidence, details)
