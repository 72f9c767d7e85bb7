"""The one decision rule of every paired comparison: better, worse, equivalent or cannot tell.

Every comparison of the ``deep`` section (deep model vs the best classical baseline, attention model vs
its plain counterpart, learned vs uniform attention) is decided here, once; the answers and the
comparisons table show this outcome and nothing else (the Bayesian probabilities stay numbers).

- *better* / *worse*: the corrected test rejects "no difference" at the family-wise level :data:`ALPHA`
  (Holm over the comparisons that answer the same question), in the direction of the mean difference;
- *equivalent*: the whole interval lies inside the region of practical equivalence (ROPE, +-``rope``),
  or the Bayesian correlated t gives P(equivalent) >= :data:`EQUIVALENT_PROBABILITY` (baycomp's
  convention, Benavoli et al. 2017). Equivalence is checked first: a difference shown to be smaller
  than the ROPE is too small to matter, even where it is shown not to be 0;
- *cannot tell*: neither. :func:`settle` then says how many splits, or how many more series, would
  make the interval exclude 0 or fit inside the ROPE, from the observed variance of the differences.
"""

from __future__ import annotations

import math

from scipy import stats

from signal_diagnostics.pipeline.verdicts.base import dict_items, get_path
from signal_diagnostics.pipeline.verdicts.thresholds import ALPHA, DEFAULT_ROPE, EQUIVALENT_PROBABILITY

ROPE = DEFAULT_ROPE  # the default ROPE, in metric units (0.01 = 1 point): a comparison records its own
OUTCOMES = ("better", "worse", "equivalent", "cannot tell")
MAX_SPLITS = 100_000  # the search for "splits needed" stops here (far beyond any run)
RULE = (
    f"equivalent: the interval inside +-ROPE or P(equivalent) >= {EQUIVALENT_PROBABILITY:g}; else better/worse: "
    f"Holm-adjusted p <= {ALPHA:g} (corrected paired t), sign of the mean; else cannot tell"
)
SETTLE_METHOD = (
    "Nadeau-Bengio corrected variance var x (1/(k r) + n_test/n_train), the observed mean and variance "
    "assumed to stay; the t quantile at alpha / family (Bonferroni, at least as strict as Holm); more series "
    "assumed to shrink the variance of the differences as 1 / series"
)
FAMILIES = {
    "baseline": "deep model vs the best classical baseline",
    "plain": "attention model vs the same stack without attention",
    "uniform": "attention model vs the same model with uniform attention weights",
    "reference": "model vs the reference model",
}


def holm(p_values: list[float | None]) -> list[float]:
    """Holm-adjusted p-values (family-wise error over the list; a missing p counts as 1); [] for none."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests([1.0 if p is None else p for p in p_values], method="holm")[1]]


def family(c: dict, doc: dict) -> str:
    """Which question a comparison answers (its Holm family): a key of :data:`FAMILIES`."""
    deep = doc.get("deep") or {}
    base = deep.get("baseline")
    base = base.get("name") if isinstance(base, dict) else base
    if base is not None and c.get("b") == base:
        return "baseline"
    control = c.get("control") or ""
    if control in ("plain", "uniform"):
        return control
    models = {m.get("name"): m for m in dict_items(deep.get("models"))}
    refs = deep.get("references") or {}
    if refs.get(c.get("a")) == c.get("b") and get_path(models.get(c.get("a")), "structure", "has_attention"):
        return "plain"
    return "reference"


def outcome(c: dict, p_adjusted: float, rope: float) -> str:
    """The four-way outcome of one comparison (see the module docstring)."""
    mean, low, high = c.get("mean_difference"), c.get("ci_low"), c.get("ci_high")
    if mean is None:
        return "cannot tell"
    inside = low is not None and high is not None and -rope <= low and high <= rope
    p_eq = c.get("p_equivalent")
    if inside or (p_eq is not None and p_eq >= EQUIVALENT_PROBABILITY):
        return "equivalent"
    if p_adjusted <= ALPHA and mean != 0:
        return "better" if mean > 0 else "worse"
    return "cannot tell"


def decisions(doc: dict) -> list[dict | None]:
    """One decision per comparison of ``deep.comparisons`` (None where it holds no difference), in order.

    Each ``{outcome, p_adjusted, family, family_size, alpha, rope, rule, settle}``: Holm runs within each
    family (:func:`family`); ``rope`` is the comparison's own (the run's ``--rope``), in metric units.
    """
    comps = dict_items(get_path(doc, "deep", "comparisons"))
    keys = [family(c, doc) if c.get("mean_difference") is not None else None for c in comps]
    adjusted: dict[int, float] = {}
    for key in set(k for k in keys if k is not None):
        idx = [i for i, k in enumerate(keys) if k == key]
        adjusted.update(zip(idx, holm([comps[i].get("p_value") for i in idx])))
    out: list[dict | None] = []
    for i, c in enumerate(comps):
        if keys[i] is None:
            out.append(None)
            continue
        rope = c.get("rope") or ROPE
        size = keys.count(keys[i])
        result = outcome(c, adjusted[i], rope)
        out.append(
            {
                "outcome": result,
                "p_adjusted": adjusted[i],
                "family": keys[i],
                "family_size": size,
                "alpha": ALPHA,
                "rope": rope,
                "rule": RULE,
                "settle": settle(c, rope, size) if result == "cannot tell" else None,
            }
        )
    return out


def with_decisions(doc: dict) -> dict:
    """``doc`` with each comparison's ``decision`` set (:func:`decisions`): the one place it is written."""
    comps = dict_items(get_path(doc, "deep", "comparisons"))
    for c, d in zip(comps, decisions(doc)):
        if d is not None:
            c["decision"] = d
    return doc


def decided(c: dict, d: dict) -> dict:
    """A comparison and its decision as an answer's evidence: the pair, the difference and interval, the p-values
    and the outcome."""
    return {
        "model": c["a"],
        "reference": c["b"],
        "control": d["family"],
        "difference": c["mean_difference"],
        "ci_low": c.get("ci_low"),
        "ci_high": c.get("ci_high"),
        "p_value": c.get("p_value"),
        "p_adjusted": d["p_adjusted"],
        "outcome": d["outcome"],
    }


def half_width(sd: float, splits: float, ratio: float, quantile: float) -> float:
    """The corrected-t half-width with ``splits`` differences: t x sqrt(var (1/splits + n_test/n_train))."""
    df = max(splits - 1, 1)
    return float(stats.t.ppf(quantile, df) * math.sqrt(sd**2 * (1.0 / splits + ratio)))


def _splits_needed(sd: float, now: int, ratio: float, quantile: float, target: float) -> int | None:
    """The fewest splits whose half-width is below ``target`` (None when even infinitely many are not)."""
    floor = stats.norm.ppf(quantile) * math.sqrt(sd**2 * ratio)
    if target <= 0 or floor >= target:
        return None
    lo, hi = now, now
    while half_width(sd, hi, ratio, quantile) >= target:
        lo, hi = hi, hi * 2
        if hi > MAX_SPLITS:
            return None
    while lo < hi:  # the half-width falls with the number of splits: bisect
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if half_width(sd, mid, ratio, quantile) >= target else (lo, mid)
    return lo


def settle(c: dict, rope: float, family_size: int = 1) -> dict | None:
    """What would settle an undecided comparison, from the observed variance of its paired differences.

    With ``m`` splits (folds x repeats) the corrected half-width is ``t x sqrt(var (1/m + n_test/n_train))``
    (Nadeau & Bengio 2003). Two targets: a half-width below ``|mean|`` (the interval excludes 0, at the
    level alpha / family) and one below ``rope - |mean|`` (the interval fits inside the ROPE). For each,
    ``splits`` is the fewest splits that reach it, or None when the ``n_test/n_train`` term alone (which
    no number of repeats shrinks) already exceeds it; then ``series_factor`` says how many times the
    series would, at the current splits, if the variance shrinks as 1 / series. None when the record
    lacks the design (a fixed split, an older document).
    """
    sd, m, n_train, n_test = (c.get(k) for k in ("sd_difference", "n_splits", "n_train", "n_test"))
    mean = c.get("mean_difference")
    if None in (sd, m, n_train, n_test, mean) or m < 2 or not n_train:
        return None
    ratio = n_test / n_train
    quantile = 1 - ALPHA / (2 * max(family_size, 1))
    targets = {"exclude 0": abs(mean), "inside the ROPE": rope - abs(mean)}
    out = {"splits_now": int(m), "folds": c.get("folds"), "series_now": round(n_train + n_test), "targets": []}
    for name, target in targets.items():
        if target <= 0 or sd == 0:
            continue
        needed = _splits_needed(sd, int(m), ratio, quantile, target)
        factor = (half_width(sd, m, ratio, quantile) / target) ** 2  # var ~ 1/series: width ~ 1/sqrt(series)
        out["targets"].append({"target": name, "splits": needed, "series_factor": factor})
    out["method"] = SETTLE_METHOD
    return out if out["targets"] else None


def settle_sentence(s: dict | None) -> str:
    """What would settle it, in words: the fewest splits that reach a target, else the fewest series
    (``""`` when nothing can be said)."""
    if not s:
        return ""
    goals = {"exclude 0": "exclude 0", "inside the ROPE": "fit inside the ROPE"}
    by_splits = [t for t in s["targets"] if t["splits"] is not None]
    lead = (
        f"To settle it (if the mean difference and its variance stayed as observed over {s['splits_now']} splits; "
        "corrected-t variance var x (1/(k r) + n_test/n_train)): "
    )
    if by_splits:
        t = min(by_splits, key=lambda t: t["splits"])
        folds = s.get("folds") or 0
        repeats = f" (--repeats {math.ceil(t['splits'] / folds)} with {folds} folds)" if folds else ""
        return lead + f"about {t['splits']} splits{repeats} would make the interval {goals[t['target']]}."
    t = min(s["targets"], key=lambda t: t["series_factor"])
    series = float(f"{t['series_factor'] * s['series_now']:.2g}")
    return lead + (
        "no number of repeats would, since the n_test/n_train term does not shrink with repeats; about "
        f"{t['series_factor']:.1f}x the series (some {series:,.0f}) would make the interval {goals[t['target']]}."
    )


def rope_text(rope: float) -> str:
    """``0.01`` -> ``"±1 point"``, ``0.025`` -> ``"±2.5 points"``."""
    value = round(100 * rope, 2)
    return f"±{value:g} point{'' if value == 1 else 's'}"


def outcome_words(d: dict | None, a: str, b: str) -> str:
    """A decision as the comparisons table and the answers say it: ``"bilstm better"``, ``"cannot tell"``."""
    if not d:
        return ""
    o = d["outcome"]
    text = {"better": f"{a} better", "worse": f"{b} better"}.get(o, o)
    return text if o == "equivalent" else f"{text} (adjusted p = {d['p_adjusted']:.2g})"


__all__ = [
    "decided",
    "ALPHA",
    "EQUIVALENT_PROBABILITY",
    "OUTCOMES",
    "RULE",
    "decisions",
    "family",
    "holm",
    "outcome",
    "outcome_words",
    "rope_text",
    "settle",
    "settle_sentence",
    "with_decisions",
]
