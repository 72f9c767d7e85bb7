"""Which classes cannot be told apart? The class-pair tests (``signal.class_pairs``) and one-vs-rest separability."""

from __future__ import annotations

import numpy as np

from signal_diagnostics.pipeline.verdicts.base import Verdict
from signal_diagnostics.pipeline.verdicts.thresholds import CONFIDENCE, PAIR_ALPHA, SEPARABLE_Q


def separable_classes(scores: dict, classes: list[str]) -> list[dict]:
    """Which classes the best baseline tells apart from the rest (one-vs-rest).

    From the cross-validated confusion matrix: one-vs-rest balanced accuracy per class and a one-sided
    Fisher exact test of "predicted k" against "is k", Benjamini-Hochberg across classes.
    """
    from scipy.stats import fisher_exact
    from statsmodels.stats.multitest import multipletests

    conf = np.asarray(scores["confusion"], float) / max(scores.get("repeats") or 1, 1)
    total = conf.sum()
    rows = []
    for k, name in enumerate(classes):
        tp = conf[k, k]
        fn = conf[k].sum() - tp
        fp = conf[:, k].sum() - tp
        tn = total - tp - fn - fp
        tpr = tp / (tp + fn) if tp + fn else 0.0
        tnr = tn / (tn + fp) if tn + fp else 0.0
        table = np.rint([[tp, fn], [fp, tn]]).astype(int)
        p = fisher_exact(table, alternative="greater").pvalue
        rows.append(
            {"class": name, "balanced_accuracy": float((tpr + tnr) / 2), "recall": float(tpr), "p_value": float(p)}
        )
    q = multipletests([r["p_value"] for r in rows], method="fdr_bh")[1]
    for r, qk in zip(rows, q):
        r["q_value"] = float(qk)
        r["separable"] = bool(qk <= SEPARABLE_Q)
    return rows


def _names(group: list) -> str:
    group = [str(g) for g in group]
    return group[0] if len(group) == 1 else ", ".join(group[:-1]) + " and " + group[-1]


def _status(p: dict) -> str:
    """A pair's status: ``apart``, ``indistinguishable`` or ``too_few``.

    Documents from before the power rule lack it: every pair not told apart then counts as alike.
    """
    return p.get("status") or ("apart" if p.get("distinguishable") else "indistinguishable")


def _band(p: dict) -> str:
    return f" [{p['low']:.2f}, {p['high']:.2f}]" if p.get("low") is not None and p.get("high") is not None else ""


def _pairs_evidence(cp: dict, pairs: list[dict], weak: list[dict]) -> str:
    """The method and the pairs not told apart (or the hardest pair told apart), in one line."""
    alpha = cp.get("alpha", PAIR_ALPHA)
    rule = (cp.get("power_rule") or {}).get("rule", "")
    if weak:
        return (
            f"two-class balanced ridge per pair, permutation test, BH q > {alpha:g} for "
            + ", ".join(
                f"{p['a']} vs {p['b']}: {p['balanced_accuracy']:.2f}{_band(p)} balanced accuracy, q = {p['q_value']:.2g}"
                + (" (not enough series to tell)" if _status(p) == "too_few" else "")
                for p in weak[:5]
            )
            + (", ..." if len(weak) > 5 else "")
            + (f"; {rule}" if rule else "")
        )
    hardest = min(pairs, key=lambda p: p.get("balanced_accuracy") or 0)
    return (
        f"two-class balanced ridge per pair, permutation test: all {len(pairs)} pairs at BH q <= {alpha:g}; the "
        f"hardest, {hardest['a']} vs {hardest['b']}, at {hardest['balanced_accuracy']:.2f} balanced accuracy"
    )


def _recall_tail(cp: dict) -> str:
    """The class the calibrated head recalls worst, and what balanced class weights change, as sentences."""
    per_class = cp.get("per_class") or {}
    recall = [r for r in per_class.get("recall") or [] if isinstance(r, dict) and r.get("recall") is not None]
    if not recall:
        return ""
    low = min(recall, key=lambda r: r["recall"])
    tail = (
        f" {per_class.get('model')} recalls class {low['class']} worst: {low['recall']:.2f} "
        f"[{low['low']:.2f}, {low['high']:.2f}]."
    )
    bw = per_class.get("balanced_weights") or {}
    if bw.get("balanced_accuracy") is not None and bw.get("balanced_accuracy_balanced") is not None:
        tail += (
            f" Balanced class weights move the balanced accuracy of the calibrated head from "
            f"{bw['balanced_accuracy']:.3f} to {bw['balanced_accuracy_balanced']:.3f}."
        )
    return tail


def _group_series(pairs: list[dict], groups: list) -> list[int | None]:
    """The series of each group's classes: each class sits in ``len(g) - 1`` of the group's pairs."""
    sizes = {(p["a"], p["b"]): p.get("n_series") or 0 for p in pairs}
    return [sum(sizes.get((a, b), 0) for a in g for b in g) // max(len(g) - 1, 1) or None for g in groups]


def _few_words(few: list[dict]) -> str:
    """The pairs not told apart for want of series, as a sentence (empty when there are none)."""
    if not few:
        return ""
    return (
        f" {len(few)} pair(s) are not told apart, but with too few series to say they are alike: "
        + ", ".join(f"{p['a']} and {p['b']}" for p in few[:5])
        + (", ..." if len(few) > 5 else "")
        + "."
    )


def _groups_verdict(cp: dict, groups: list, counts: tuple[int, int], rest: str, numbers: dict) -> Verdict:
    """``some``: groups of classes shown alike (cliques of pairs not told apart with the power to tell)."""
    n_apart, n_pairs = counts
    practical = (cp.get("power_rule") or {}).get("practical_balanced_accuracy")
    words = "; ".join(_names(g) for g in groups)
    head = (
        f"Classes {words} cannot be told apart from each other."
        if len(groups) == 1
        else f"These groups of classes cannot be told apart within each group: {words}."
    )
    return Verdict(
        "classes",
        "some",
        head,
        f"{n_apart} of {n_pairs} pairs are told apart; inside each group every pair is not, and the "
        "tests had the series to tell"
        + (
            f" (each pair's balanced accuracy is below {practical:g} with {CONFIDENCE:.0%} confidence)"
            if practical
            else ""
        )
        + f".{rest}",
        numbers,
    )


def classes_verdict(sig: dict) -> Verdict:
    """Which classes cannot be told apart? From ``signal.class_pairs`` alone.

    ``level``: ``all`` (every pair told apart), ``some`` (groups of classes shown indistinguishable:
    cliques of pairs not told apart where the test had the power to, ``class_pairs.power_rule``),
    ``too few`` (pairs not told apart, none of them with the series to say they are alike), ``none`` (no
    pair is told apart and none shown alike); ``None`` when the pair tests did not run. A chain of pairs
    not told apart is never a group.
    """
    cp = sig.get("class_pairs") or {}
    pairs = [p for p in cp.get("pairs") or [] if isinstance(p, dict)]
    if not pairs:
        return Verdict("classes", None, "", "Class pairs were not tested.")
    groups = cp.get("indistinguishable_groups") or []
    apart = [p for p in pairs if _status(p) == "apart"]
    alike = [p for p in pairs if _status(p) == "indistinguishable"]
    few = [p for p in pairs if _status(p) == "too_few"]
    weak = sorted(alike + few, key=lambda p: p.get("balanced_accuracy") or 0)
    tail, few_words = _recall_tail(cp), _few_words(few)
    numbers = {
        "method": _pairs_evidence(cp, pairs, weak),
        "n_pairs": len(pairs),
        "n_apart": len(apart),
        "n_too_few": len(few),
        "groups": groups,
        "group_series": _group_series(pairs, groups),
    }
    if not weak:
        return Verdict(
            "classes",
            "all",
            "Every pair of classes can be told apart.",
            f"All {len(pairs)} two-class tests beat chance after correction.{tail}",
            numbers,
        )
    if groups:
        return _groups_verdict(cp, groups, (len(apart), len(pairs)), few_words + tail, numbers)
    if not apart:
        return Verdict(
            "classes",
            "none",
            "No pair of classes can be told apart.",
            f"None of the {len(pairs)} two-class tests beats chance after correction.{few_words}{tail}",
            numbers,
        )
    return Verdict(
        "classes",
        "too few",
        f"{len(few)} of {len(pairs)} class pairs are not told apart, but there are too few series to say they are alike.",
        f"{len(apart)} of {len(pairs)} pairs are told apart.{few_words}{tail}",
        numbers,
    )
