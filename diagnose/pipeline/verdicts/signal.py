"""The answers about the data: is there signal, how much, would more data help, where in time, labels, classes.

Each reads the Diagnosis document's ``signal`` section and returns a :class:`~signal_diagnostics.pipeline.verdicts.base.Verdict`.
"""

from __future__ import annotations

import numpy as np

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
from signal_diagnostics.pipeline.verdicts.thresholds import (
    ALPHA,
    CLEAN_SHARE,
    LARGE_GAIN,
    MANY_SHARE,
    PAIR_ALPHA,
    SEPARABLE_Q,
    STRONG_ALPHA,
    STRONG_GAIN,
    THROUGHOUT_SHARE,
)


# ------------------------------------------------------------------------------------------ signal
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
    p, obs, chance, n = st["p_value"], st["observed"], st["null_mean"], st.get("n_permutations")
    shuffles = shuffles_text(st)
    metric = str(st.get("metric") or "balanced_accuracy").replace("_", " ")
    heads = dict_items(st.get("heads"))
    gain = (obs - chance) / (1 - chance) if chance < 1 else 0.0
    evidence = {
        "p_value": p,
        "observed": obs,
        "chance_level": chance,
        "null_std": st.get("null_std"),
        "n_permutations": n,
        "metric": st.get("metric"),
        "best_head": st.get("best_head") or st.get("model"),
        "heads": {h["name"]: h.get("observed") for h in heads},
        "gain_over_chance": gain,
        "unreachable_levels": unreachable_levels(n, "signal") if n else [],
    }
    if st.get("permutations_drawn") is not None:  # documents before the sequential test lack it
        evidence["permutations_drawn"] = st["permutations_drawn"]
    details = _signal_details(doc, st, evidence)
    best = st.get("best_head") or st.get("model")
    if len(heads) > 1:
        listed = ", ".join(f"{h['name']} {h['observed']:.3f}" for h in heads)
        lead = (
            f"The best of {len(heads)} classifiers ({listed}) scores {obs:.3f} {metric} on the real labels; "
            f"the best of them on {shuffles} scores {chance:.3f} ± {st.get('null_std', 0):.3f}"
        )
    else:
        lead = (
            f"{best} scores {obs:.3f} {metric} on the real labels and {chance:.3f} ± {st.get('null_std', 0):.3f} "
            f"on {shuffles}"
        )
    sentence = f"{lead}: {p_text(p, n)}."
    if p > ALPHA and n and n < min_permutations(ALPHA):
        return Verdict(
            "signal",
            "inconclusive",
            "Unclear: too few shuffles.",
            f"{sentence} With {n} shuffles no p-value can reach {ALPHA:g}, so the test cannot find signal: rerun "
            f"with at least {min_permutations(ALPHA)} permutations ({min_permutations(STRONG_ALPHA)} for 'strong').",
            evidence,
            details,
        )
    if p > ALPHA:
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


def how_much_verdict(doc: dict, signal: Verdict) -> Verdict:
    """How far from chance to perfect, as one figure from one named model.

    The figure is the shuffle test's statistic (its best head) against its own chance level (the mean
    of the max-null), unless the best classical baseline is not among the test's heads and scores
    higher: then it is that baseline's cross-validated score, named, against the same chance level, and
    the sentence says that the signal answer rests on the test's heads. ``evidence["source"]`` says which.
    """
    best = best_baseline(doc)
    k = n_classes(doc)
    base_text = ""
    evidence: dict = {}
    band = ""
    if best is not None:
        iv = interval(best)
        band = f" [{iv[0]:.3f}, {iv[1]:.3f}]" if iv else ""
        n_base = len(classical_baselines(doc))
        of = f", the best of {n_base} classical baselines on the same splits," if n_base > 1 else ""
        base_text = (
            f"{best['name']}{of} reaches balanced accuracy (macro recall) {best['balanced_accuracy']:.3f}{band}"
            + (f" against 1/{k} = {1 / k:.3f} for guessing" if k else "")
        )
        evidence = {
            "best_baseline": best["name"],
            "balanced_accuracy": best["balanced_accuracy"],
            "interval": list(iv) if iv else None,
            "accuracy": best.get("accuracy"),
            "macro_precision": best.get("macro_precision"),
        }
    level = signal.level
    if level is None:
        if best is None:
            return Verdict("how_much", None, "", "No classical baseline ran.")
        return Verdict("how_much", None, "", base_text + ".", evidence)
    chance = signal.evidence.get("chance_level")
    observed, head = signal.evidence.get("observed"), signal.evidence.get("best_head")
    outside = signal.evidence.get("best_baseline_outside_test")
    source, model, figure = ("baseline", outside["name"], best) if outside else ("shuffle_test", head, None)
    score = figure["balanced_accuracy"] if figure else observed
    gain = (score - chance) / (1 - chance) if outside and chance < 1 else signal.evidence.get("gain_over_chance", 0.0)
    evidence.update(
        {
            "source": source,
            "model": model,
            "score": score,
            "gain_over_chance": gain,
            "chance_level": chance,
            "statistic": observed,
        }
    )
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
    if level == "none":
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
    share = max(gain, 0.0)
    size = "large" if gain >= LARGE_GAIN else "moderate" if gain >= STRONG_GAIN else "small"
    if outside:
        n_base = len(classical_baselines(doc))
        of = f", the best of {n_base} classical baselines on the same splits," if n_base > 1 else ""
        text = (
            f"{model}{of} scores {score:.3f} balanced accuracy{band} where the best of several classifiers scores "
            f"{chance:.3f} on shuffled labels: {share:.0%} of the way from chance to perfect. It is not among the "
            f'label-shuffle test\'s classifiers, whose best, {head} at {observed:.3f}, is what "Is there signal?" '
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


# ------------------------------------------------------------------------------------------ more data
def _curve_parts(lc: dict) -> list[str]:
    parts = []
    for key, words in (("2x", "twice"), ("10x", "ten times")):
        e = (lc.get("extrapolation") or {}).get(key) or {}
        if e.get("mean") is not None:
            band = (
                f" [{e['low']:.3f}, {e['high']:.3f}]" if e.get("low") is not None and e.get("high") is not None else ""
            )
            parts.append(f"{e['mean']:.3f}{band} expected with {words} the data")
    return parts


def more_data_verdict(doc: dict) -> Verdict:
    """``yes`` / ``no`` / ``cannot tell`` from the learning curve's extrapolation."""
    lc = get_path(doc, "signal", "learning_curve") or {}
    level = lc.get("more_data_helps")
    if not lc:
        return Verdict("more_data", None, "", "The learning curve did not run.")
    sizes, mean = lc.get("train_sizes") or [], lc.get("mean") or []
    head = {"yes": "Probably yes.", "no": "Probably not.", "cannot tell": "Cannot tell."}.get(level, "")
    state = {"yes": "is still rising", "no": "has flattened", "cannot tell": "is too uncertain to extrapolate"}.get(
        level, "was measured"
    )
    model = f"{lc['model']}'s learning curve" if lc.get("model") else "The learning curve"
    evidence = {"model": lc.get("model"), "train_sizes": sizes, "mean": mean, "extrapolation": lc.get("extrapolation")}
    if not (sizes and mean and mean[-1] is not None):
        return Verdict("more_data", level, head, f"{model} {state}.", evidence)
    text = f"{model} {state}: {mean[-1]:.3f} with {sizes[-1]} training series"
    text += "".join(f"; {p}" for p in _curve_parts(lc)) + "."
    return Verdict("more_data", level, head, text, evidence)


# ------------------------------------------------------------------------------------------ where
def where_verdict(doc: dict) -> Verdict:
    """Where in time the classes differ: the timestep map's windows (cluster-corrected when present)."""
    tmap = get_path(doc, "signal", "timestep_map") or {}
    if not tmap:
        return Verdict("where", None, "", "The timestep map did not run.")
    clusters = dict_items(tmap.get("clusters"))
    use_clusters = "clusters" in tmap
    if use_clusters:
        alpha = tmap.get("cluster_alpha") or ALPHA
        windows = [w for w in clusters if (w.get("p_value") if w.get("p_value") is not None else 1) <= alpha]
        how = f"cluster-based permutation test, family-wise error {alpha:g} per window"
    else:
        alpha = tmap.get("alpha") or ALPHA
        windows = dict_items(tmap.get("significant_windows"))
        how = f"Benjamini-Hochberg q < {alpha:g} per cell"
    windows = [w for w in windows if all(w.get(k) is not None for k in ("channel", "start", "stop"))]
    qv = tmap.get("q_value")
    n_steps = len(qv) if isinstance(qv, list) else 0
    n_channels = len(qv[0]) if n_steps and isinstance(qv[0], list) else None
    details = _attribution_agreement(doc)
    n_perm = get_path(doc, "config", "permutations")
    out_of_reach = unreachable_levels(n_perm, "where") if use_clusters and n_perm else []
    if out_of_reach:
        text = unreachable_text(out_of_reach, n_perm)
        details.append(f"{text[0].upper()}{text[1:]}: no window can be found; rerun with more permutations.")
    evidence = {
        "unreachable_levels": out_of_reach,
        "method": how,
        "windows": [{k: w.get(k) for k in ("channel", "start", "stop", "p_value", "min_q")} for w in windows],
    }
    if not windows:
        return Verdict(
            "where",
            "nowhere",
            "Nowhere in particular.",
            f"No timestep window differs between classes ({how}).",
            evidence,
            details,
        )
    channels = sorted({int(w["channel"]) for w in windows})
    covered: set[int] = set()
    for w in windows:
        covered.update(range(int(w["start"]), int(w["stop"])))
    spread = bool(n_steps) and len(covered) >= THROUGHOUT_SHARE * n_steps
    key = (
        (lambda w: w.get("p_value") if w.get("p_value") is not None else 1.0)
        if use_clusters
        else (lambda w: w.get("min_q") if w.get("min_q") is not None else 1.0)
    )
    strongest = ", ".join(
        f"channel {int(w['channel'])} (steps {int(w['start'])}-{int(w['stop']) - 1})"
        for w in sorted(windows, key=key)[:3]
    )
    on = f"on {len(channels)} of {n_channels} channels" if n_channels else f"on {len(channels)} channel(s)"
    first, last = min(int(w["start"]) for w in windows), max(int(w["stop"]) for w in windows) - 1
    text = (
        f"{len(windows)} window{'s' if len(windows) > 1 else ''} {on}, steps {first}-{last} ({how}). "
        f"Strongest: {strongest}."
    )
    head = "Throughout the series." if spread else f"In {len(windows)} window{'s' if len(windows) > 1 else ''}."
    return Verdict("where", "throughout" if spread else "windows", head, text, evidence, details)


def _attribution_agreement(doc: dict) -> list[str]:
    """One line for the first model whose attributions were compared with the timestep map."""
    lines: dict[str, list[str]] = {}
    for a in dict_items(doc.get("attribution")):
        tau = get_path(a, "agreement", "kendall_tau_vs_timestep_map")
        if tau is not None and a.get("method") != "attention":
            lines.setdefault(str(a.get("model")), []).append(f"{tau:.2f} ({str(a.get('method')).replace('_', ' ')})")
    return [
        f"{model}'s attributions rank timesteps like this map to a Kendall tau of {' and '.join(taus)}."
        for model, taus in list(lines.items())[:1]
    ]


# ------------------------------------------------------------------------------------------ classes
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


# ------------------------------------------------------------------------- label issues and class pairs
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


def _names(group: list) -> str:
    group = [str(g) for g in group]
    return group[0] if len(group) == 1 else ", ".join(group[:-1]) + " and " + group[-1]


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

    def status(p: dict) -> str:  # documents from before the power rule: every untold pair counts as alike
        return p.get("status") or ("apart" if p.get("distinguishable") else "indistinguishable")

    apart = [p for p in pairs if status(p) == "apart"]
    alike = [p for p in pairs if status(p) == "indistinguishable"]
    few = [p for p in pairs if status(p) == "too_few"]
    alpha = cp.get("alpha", PAIR_ALPHA)
    rule = (cp.get("power_rule") or {}).get("rule", "")
    practical = (cp.get("power_rule") or {}).get("practical_balanced_accuracy")

    def band(p: dict) -> str:
        return f" [{p['low']:.2f}, {p['high']:.2f}]" if p.get("low") is not None and p.get("high") is not None else ""

    weak = sorted(alike + few, key=lambda p: p.get("balanced_accuracy") or 0)
    if weak:
        evidence = (
            f"two-class balanced ridge per pair, permutation test, BH q > {alpha:g} for "
            + ", ".join(
                f"{p['a']} vs {p['b']}: {p['balanced_accuracy']:.2f}{band(p)} balanced accuracy, q = {p['q_value']:.2g}"
                + (" (not enough series to tell)" if status(p) == "too_few" else "")
                for p in weak[:5]
            )
            + (", ..." if len(weak) > 5 else "")
            + (f"; {rule}" if rule else "")
        )
    else:
        hardest = min(pairs, key=lambda p: p.get("balanced_accuracy") or 0)
        evidence = (
            f"two-class balanced ridge per pair, permutation test: all {len(pairs)} pairs at BH q <= {alpha:g}; the "
            f"hardest, {hardest['a']} vs {hardest['b']}, at {hardest['balanced_accuracy']:.2f} balanced accuracy"
        )
    per_class = cp.get("per_class") or {}
    recall = [r for r in per_class.get("recall") or [] if isinstance(r, dict) and r.get("recall") is not None]
    tail = ""
    if recall:
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
    sizes = {(p["a"], p["b"]): p.get("n_series") or 0 for p in pairs}
    # the series of a group's classes: each class sits in len(g) - 1 of the group's pairs
    group_sizes = [sum(sizes.get((a, b), 0) for a in g for b in g) // max(len(g) - 1, 1) or None for g in groups]
    numbers = {
        "method": evidence,
        "n_pairs": len(pairs),
        "n_apart": len(apart),
        "n_too_few": len(few),
        "groups": groups,
        "group_series": group_sizes,
    }
    few_words = (
        f" {len(few)} pair(s) are not told apart, but with too few series to say they are alike: "
        + ", ".join(f"{p['a']} and {p['b']}" for p in few[:5])
        + (", ..." if len(few) > 5 else "")
        + "."
        if few
        else ""
    )
    if not weak:
        return Verdict(
            "classes",
            "all",
            "Every pair of classes can be told apart.",
            f"All {len(pairs)} two-class tests beat chance after correction.{tail}",
            numbers,
        )
    if groups:
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
            f"{len(apart)} of {len(pairs)} pairs are told apart; inside each group every pair is not, and the "
            "tests had the series to tell"
            + (f" (each pair's balanced accuracy is below {practical:g} with 95% confidence)" if practical else "")
            + f".{few_words}{tail}",
            numbers,
        )
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
