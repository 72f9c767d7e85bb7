"""Are some labels wrong? Confident learning's estimate (``signal.label_issues``), in words."""

from __future__ import annotations

from signal_diagnostics.pipeline.verdicts.base import Verdict
from signal_diagnostics.pipeline.verdicts.thresholds import CLEAN_SHARE, MANY_SHARE

# A label-issue share under CLEAN_SHARE (1%) counts as clean; from MANY_SHARE (10%) on, as many: a tenth
# of wrong labels costs about as much accuracy as it takes from any model judged on them (thresholds.py).


def _pct(x) -> str:
    return f"{100 * float(x):.1f}%"


def _suspect(s: dict) -> str:
    """One suspect in words: the user's id, given -> likely label, and the out-of-fold model's probability of the likely label."""
    return (
        f"#{s.get('id', s['index'])} ({s['given']} -> {s['likely']}, P({s['likely']}) = {s['likely_probability']:.2f})"
    )


def labels_verdict(sig: dict) -> Verdict:
    """Are some labels wrong? From ``signal.label_issues`` alone.

    ``level``: ``cannot tell`` (no class is separated better than chance, so no share and no suspects),
    ``clean`` (no issue, or an upper interval end under :data:`CLEAN_SHARE`), ``overlap`` (the estimate is
    close to the model's own error, so wrong labels and overlapping classes cannot be told apart),
    ``many`` (share at least :data:`MANY_SHARE`) or ``some``; ``None`` when it did not run. Suspects are
    named by the user's series ids; ``P(likely)`` is the out-of-fold model's probability of the likely label.
    """
    li = sig.get("label_issues") or {}
    if li and li.get("share") is None and li.get("cannot_tell"):
        why = li["cannot_tell"]
        return Verdict(
            "labels",
            "cannot tell",
            "Cannot tell whether labels are wrong.",
            f"Confident learning needs a model that separates the classes, and {why}. No share of wrong labels "
            "and no label-noise ceiling can be given; better features or more series come first.",
            {"method": f"confident learning (cleanlab) on out-of-fold probabilities; {why}", "n_issues": None},
        )
    if not li or li.get("share") is None:
        return Verdict("labels", None, "", "Label issues were not estimated.")
    share, n, total = float(li["share"]), int(li.get("n_issues") or 0), li.get("n_series")
    iv = li.get("interval") or {}
    band = (
        f" [{_pct(iv['low'])}, {_pct(iv['high'])}]" if iv.get("low") is not None and iv.get("high") is not None else ""
    )
    error = li.get("model_error")
    suspects = li.get("suspects") or []
    listed = ", ".join(_suspect(s) for s in suspects[:5])
    evidence = (
        f"confident learning (cleanlab) on out-of-fold probabilities: {n} of {total} series, {_pct(share)}{band}"
        + (f"; the model's own error {_pct(error)}" if error is not None else "")
        + (f"; {li['cannot_tell']}" if li.get("cannot_tell") else "")
        + (f"; most suspect (P = the out-of-fold probability of the likely label): {listed}" if listed else "")
    )
    numbers = {
        "method": evidence,
        "n_issues": n,
        "n_series": total,
        "share": share,
        "interval": iv or None,
        "model_error": error,
        "suspects": [s.get("index") for s in suspects[:20]],
        "suspect_ids": [s.get("id", s.get("index")) for s in suspects[:20]],
    }
    if n == 0 or (iv.get("high") is not None and float(iv["high"]) < CLEAN_SHARE):
        return Verdict(
            "labels",
            "clean",
            "The labels look clean.",
            f"An out-of-fold model agrees confidently with almost every given label ({evidence}).",
            numbers,
        )
    if li.get("restates_error"):
        return Verdict(
            "labels",
            "overlap",
            f"About {_pct(share)} of the labels may be wrong, or the classes overlap.",
            "The estimate is close to the model's own error, so confident learning cannot say whether "
            f"these series are mislabelled or genuinely ambiguous: check the listed suspects by hand ({evidence}).",
            numbers,
        )
    level = "many" if share >= MANY_SHARE else "some"
    return Verdict(
        "labels",
        level,
        f"About {_pct(share)} of the labels look wrong.",
        f"{n} series are confidently assigned to another class by a model that never saw them; relabel or "
        "drop the suspects and retrain"
        + (" before trying bigger models" if level == "many" else "")
        + f" ({evidence}).",
        numbers,
    )
