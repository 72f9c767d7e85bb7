"""How much signal? One figure, from one named model, of the way from chance to perfect."""

from __future__ import annotations

from signal_diagnostics.pipeline.verdicts.base import (
    Verdict,
    best_baseline,
    classical_baselines,
    get_path,
    interval,
    n_classes,
)
from signal_diagnostics.pipeline.verdicts.thresholds import LARGE_GAIN, STRONG_GAIN


def _best_of(doc: dict) -> str:
    """``", the best of N classical baselines on the same splits,"`` when there are several, else ``""``."""
    n_base = len(classical_baselines(doc))
    return f", the best of {n_base} classical baselines on the same splits," if n_base > 1 else ""


def _baseline_part(doc: dict, best: dict | None) -> tuple[str, dict, str]:
    """``(text, evidence, band)`` of the best classical baseline: its score against guessing, in words."""
    if best is None:
        return "", {}, ""
    k = n_classes(doc)
    iv = interval(best)
    band = f" [{iv[0]:.3f}, {iv[1]:.3f}]" if iv else ""
    text = (
        f"{best['name']}{_best_of(doc)} reaches balanced accuracy (macro recall) {best['balanced_accuracy']:.3f}{band}"
        + (f" against 1/{k} = {1 / k:.3f} for guessing" if k else "")
    )
    evidence = {
        "best_baseline": best["name"],
        "balanced_accuracy": best["balanced_accuracy"],
        "interval": list(iv) if iv else None,
        "accuracy": best.get("accuracy"),
        "macro_precision": best.get("macro_precision"),
    }
    return text, evidence, band


def _figure(signal: Verdict, best: dict | None) -> dict:
    """Which model the figure comes from (``source``: the shuffle test's best head, or a stronger baseline
    outside the test) and its gain over the test's chance level."""
    chance = signal.evidence.get("chance_level")
    observed, head = signal.evidence.get("observed"), signal.evidence.get("best_head")
    outside = signal.evidence.get("best_baseline_outside_test")
    source, model, figure = ("baseline", outside["name"], best) if outside else ("shuffle_test", head, None)
    score = figure["balanced_accuracy"] if figure else observed
    gain = (score - chance) / (1 - chance) if outside and chance < 1 else signal.evidence.get("gain_over_chance", 0.0)
    return {
        "source": source,
        "model": model,
        "score": score,
        "gain_over_chance": gain,
        "chance_level": chance,
        "statistic": observed,
    }


def _unsized(level: str, signal: Verdict, best: dict | None, base_text: str, evidence: dict) -> Verdict:
    """``unclear`` (signal inconclusive) or ``none`` (no signal): no amount is stated."""
    chance = evidence["chance_level"]
    if level == "inconclusive":
        return Verdict(
            "how_much",
            "unclear",
            "Unclear.",
            (
                "The label-shuffle test finds no signal but a classical baseline scores above chance"
                if signal.evidence.get("baseline_above_chance")
                else "The label-shuffle test drew too few shuffles to decide"
            )
            + ", so the amount cannot be stated"
            + (": " + base_text if base_text else "")
            + ".",
            evidence,
        )
    text = (
        "None detectable: no classifier beats shuffled labels, so no baseline is recommended"
        + (
            f"; the {best['balanced_accuracy']:.3f} that {best['name']}, the best classical baseline, reaches is "
            f"about what the best of several models reaches by chance here ({chance:.3f})"
            if best is not None
            else ""
        )
        + "."
    )
    return Verdict("how_much", "none", "None detectable.", text, evidence)


def _sized(doc: dict, signal: Verdict, base_text: str, band: str, evidence: dict) -> Verdict:
    """``large`` / ``moderate`` / ``small`` by the share of the way from chance to perfect."""
    gain, chance, model, score = (evidence[k] for k in ("gain_over_chance", "chance_level", "model", "score"))
    observed, head = signal.evidence.get("observed"), signal.evidence.get("best_head")
    outside = evidence["source"] == "baseline"
    share = max(gain, 0.0)
    size = "large" if gain >= LARGE_GAIN else "moderate" if gain >= STRONG_GAIN else "small"
    if outside:
        text = (
            f"{model}{_best_of(doc)} scores {score:.3f} balanced accuracy{band} where the best of several classifiers "
            f"scores {chance:.3f} on shuffled labels: {share:.0%} of the way from chance to perfect. It is not among "
            f'the label-shuffle test\'s classifiers, whose best, {head} at {observed:.3f}, is what "Is there signal?" '
            "rests on."
        )
    else:
        text = (
            f"The best classifier, {head}, scores {observed:.3f} where the best of them scores {chance:.3f} "
            f"on shuffled labels: {share:.0%} of the way from chance to perfect."
        )
        if base_text:
            text += f" In the baselines table, {base_text}."
    details = []
    ceiling = get_path(doc, "signal", "ceiling") or {}
    if ceiling.get("accuracy_ceiling") is not None and ceiling.get("message"):
        details.append(str(ceiling["message"]))  # a ceiling that holds: conflicting duplicates or label noise
    headline = f"{share:.0%} of the way from chance to perfect" + (f" ({model})." if outside else ".")
    return Verdict("how_much", size, headline, text, evidence, details)


def how_much_verdict(doc: dict, signal: Verdict) -> Verdict:
    """How far from chance to perfect, as one figure from one named model.

    The figure is the shuffle test's statistic (its best head) against its own chance level (the mean
    of the max-null), unless the best classical baseline is not among the test's heads and scores
    higher: then it is that baseline's cross-validated score, named, against the same chance level, and
    the sentence says that the signal answer rests on the test's heads. ``evidence["source"]`` says which.
    """
    best = best_baseline(doc)
    base_text, evidence, band = _baseline_part(doc, best)
    if signal.level is None:
        if best is None:
            return Verdict("how_much", None, "", "No classical baseline ran.")
        return Verdict("how_much", None, "", base_text + ".", evidence)
    evidence.update(_figure(signal, best))
    if signal.level in ("inconclusive", "none"):
        return _unsized(signal.level, signal, best, base_text, evidence)
    return _sized(doc, signal, base_text, band, evidence)
