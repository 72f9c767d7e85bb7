"""Plain-words verdicts and recommendations, derived from the Diagnosis document's numbers alone."""
from __future__ import annotations

import numpy as np

# Verdict thresholds. ALPHA is the usual 5% level for the label-shuffle test; STRONG_* ask for a
# clearly significant result that also covers a quarter of the way from chance to perfect.
ALPHA = 0.05
STRONG_ALPHA = 0.01
STRONG_GAIN = 0.25
SEPARABLE_Q = 0.05


def _gain(score: float, chance: float) -> float:
    """Share of the distance from chance to perfect that ``score`` covers."""
    return (score - chance) / (1.0 - chance)


def signal_verdict(sig: dict, n_classes: int) -> dict:
    """``strong`` / ``weak`` / ``none`` from the shuffle test's p-value and the best score's gain over chance."""
    st = sig.get("shuffle_test")
    chance = 1.0 / n_classes
    best = next((b for b in sig.get("baselines", []) if b["name"] == sig.get("best_baseline")), None)
    best_text = ""
    if best:
        iv = (best.get("intervals") or {}).get("balanced_accuracy") or {}
        interval = f" [{iv['low']:.2f}, {iv['high']:.2f}]" if iv.get("low") is not None else ""
        best_text = (f"The best classical baseline ({best['name']}) reaches balanced accuracy "
                     f"{best['balanced_accuracy']:.2f}{interval} against chance {chance:.2f}.")
    if not st:
        return {"level": None, "summary": f"The label-shuffle test did not run, so there is no verdict. {best_text}".strip()}
    p, observed = st["p_value"], st["observed"]
    gain = _gain(observed, chance)
    smallest = 1.0 / (st["n_permutations"] + 1)
    p_text = f"p = {p:.3g}" + (" (the smallest possible)" if np.isclose(p, smallest) else "")
    test = (f"Label-shuffle test ({st['model']}, {st['n_permutations']} permutations): observed "
            f"{st['metric'].replace('_', ' ')} {observed:.3f} against a null of {st['null_mean']:.3f} ± "
            f"{st['null_std']:.3f}, {p_text}.")
    if p > ALPHA:
        level = "none"
        head = ("No detectable signal: a classifier does no better on these labels than on shuffled ones. "
                "Deep learning cannot find signal where there is only noise.")
    elif p <= STRONG_ALPHA and gain >= STRONG_GAIN:
        level = "strong"
        head = "Strong signal: the classes are clearly distinguishable."
    else:
        level = "weak"
        head = "Weak signal: better than chance, but only a little of the way from chance to perfect."
    return {"level": level, "summary": " ".join(x for x in (head, best_text, test) if x),
            "p_value": p, "gain_over_chance": gain}


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
        rows.append({"class": name, "balanced_accuracy": float((tpr + tnr) / 2), "recall": float(tpr), "p_value": float(p)})
    q = multipletests([r["p_value"] for r in rows], method="fdr_bh")[1]
    for r, qk in zip(rows, q):
        r["q_value"] = float(qk)
        r["separable"] = bool(qk <= SEPARABLE_Q)
    return rows


def more_data_verdict(curve: dict) -> dict:
    helps = curve.get("more_data_helps")
    ext = curve.get("extrapolation") or {}
    mean = curve.get("mean") or []
    last = mean[-1] if mean else None
    parts = []
    for key in ("2x", "10x"):
        e = ext.get(key)
        if e and e.get("mean") is not None:
            parts.append(f"{key} the data: {e['mean']:.3f} [{e['low']:.3f}, {e['high']:.3f}]")
    now = f"now {last:.3f}" if last is not None else ""
    detail = "; ".join(x for x in [now] + parts if x)
    words = {"yes": "More data would likely help", "no": "More data would likely not help",
             "cannot tell": "Cannot tell whether more data would help"}.get(helps, "No learning-curve verdict")
    return {"level": helps, "summary": f"{words} (extrapolated learning curve: {detail})." if detail else f"{words}."}


def _is_attention(name: str) -> bool:
    return "attention" in name or name == "transformer"


PLAIN = "bilstm"  # the attention models' plain counterpart in the zoo: the same BiLSTM stack, no attention
NEGLIGIBLE = 0.01  # the width of "practically equivalent" when a comparison carries no ROPE (stats.DEFAULT_ROPE)


def _points(x: float) -> str:
    """A score difference in percentage points, signed, never "-0.0"."""
    value = round(100 * x, 1)
    return f"{value if value != 0 else 0.0:+.1f}"


def _attention_outcome(c: dict) -> str:
    """``helps`` / ``adds nothing`` / ``hurts`` for one attention-vs-plain comparison."""
    p = c.get("p_value")
    if (c.get("p_equivalent") or 0) >= 0.5 or (p if p is not None else 1.0) > ALPHA:
        return "adds nothing"
    return "helps" if c["mean_difference"] > 0 else "hurts"


def _comparison_sentence(c: dict, subject: str) -> str:
    metric = str(c.get("metric") or "balanced_accuracy").replace("_", " ")
    head = f"{subject} changes {metric} by {_points(c['mean_difference'])} points"
    if c.get("ci_low") is not None and c.get("ci_high") is not None:
        head += f" [{_points(c['ci_low'])}, {_points(c['ci_high'])}]"
    head += " against the plain BiLSTM"
    p, p_eq = c.get("p_value"), c.get("p_equivalent")
    p_text = f"p = {p:.2g}" if p is not None else ""

    def both(*parts: str) -> str:
        return ", ".join(x for x in parts if x)

    outcome = _attention_outcome(c)
    if outcome == "helps":
        tail = f"attention is better ({both(p_text, _prob('P(attention better)', c.get('p_a_better')))})"
    elif outcome == "hurts":
        tail = f"attention is worse ({both(p_text, _prob('P(plain better)', c.get('p_b_better')))})"
    elif p_eq is not None and p_eq >= 0.5:
        rope = c.get("rope") or NEGLIGIBLE
        width = f"{100 * rope:g} point{'' if 100 * rope == 1 else 's'}"
        tail = f"practically no difference ({_prob('P(equivalent)', p_eq)}, equivalent meaning within ±{width})"
    else:
        tail = "no clear difference" + (f" ({p_text})" if p_text else "")
        if p_eq is not None:
            tail += f", though too uncertain to call them equivalent ({_prob('P(equivalent)', p_eq)})"
    return f"{head}: {tail}."


def _prob(label: str, p) -> str:
    return f"{label} = {p:.2f}" if p is not None else ""


def _weights_sentence(a: dict, subject: str) -> str:
    """What an attention diagnostic says, in one sentence."""
    entropy, ratio, delta = a.get("normalized_entropy"), a.get("max_weight_ratio"), a.get("uniform_ablation_delta")
    shape = ", ".join(x for x in (f"entropy {entropy:.2f} of uniform" if entropy is not None else "",
                                   f"largest weight {ratio:.2f}x uniform" if ratio is not None else "") if x)
    text = f"{subject} {'near-uniform' if a.get('status') == 'warn' else 'focused'}" + (f" ({shape})" if shape else "")
    if delta is not None:
        metric = str(a.get("metric") or "balanced_accuracy").replace("_", " ")
        text += f": replacing them by uniform weights changes {metric} by {_points(delta)} points"
    return text + "."


def attention_verdict(doc: dict) -> dict:
    """One paragraph: does attention change the score, are its weights informative, does it look elsewhere.

    ``level`` is ``helps`` when an attention model beats its plain BiLSTM counterpart (corrected t at
    :data:`ALPHA`, outside the ROPE), ``hurts`` when every one is worse, else ``adds nothing``; ``None``
    when no attention model was compared with the plain one.
    """
    deep = doc.get("deep") or {}
    comps = [c for c in deep.get("comparisons") or [] if isinstance(c, dict) and c.get("b") == PLAIN
             and _is_attention(str(c.get("a"))) and c.get("mean_difference") is not None]
    diags = [a for a in deep.get("attention") or [] if isinstance(a, dict)]
    names = sorted({str(c["a"]) for c in comps} | {str(a.get("model")) for a in diags})
    single = len(names) <= 1

    sentences = [_comparison_sentence(c, "Attention" if single else f"Attention ({c['a']})") for c in comps]
    for a in diags:
        subject = ("Its weights are" if single and len(diags) == 1
                   else f"The weights of {a.get('model')}'s {a.get('layer')} layer are")
        sentences.append(_weights_sentence(a, subject))
    key = f"kendall_tau_vs_{PLAIN}"
    for model in names:
        taus = [(str(att.get("method", "?")).replace("_", " "), att["agreement"][key]) for att in doc.get("attribution") or []
                if isinstance(att, dict) and att.get("model") == model and (att.get("agreement") or {}).get(key) is not None]
        if taus:
            listed = " and ".join(f"{tau:.2f} ({method})" for method, tau in taus)
            subject = "Its attributions rank" if single else f"The attributions of {model} rank"
            sentences.append(f"{subject} timesteps like the plain BiLSTM's to a Kendall tau of {listed}, "
                             "where 1 means the same order.")
    if not sentences:
        return {"level": None, "summary": "No attention model was compared."}
    outcomes = [_attention_outcome(c) for c in comps]
    level = None
    if outcomes:
        level = "helps" if "helps" in outcomes else ("hurts" if all(o == "hurts" for o in outcomes) else "adds nothing")
    return {"level": level, "summary": " ".join(sentences)}


def _finding(message) -> str:
    """A health message's finding, without the advice after its first ': ' (the recommendation gives that)."""
    return str(message or "").split(": ", 1)[0]


def _curve_evidence(lc: dict) -> str:
    """``"minirocket's learning curve: 0.993 at 480 series; 2x the data 0.996 [0.993, 0.998]; ..."``."""
    sizes, mean = lc.get("train_sizes") or [], lc.get("mean") or []
    parts = []
    if sizes and mean and mean[-1] is not None:
        parts.append(f"{mean[-1]:.3f} at {sizes[-1]} training series")
    for key in ("2x", "10x"):
        e = (lc.get("extrapolation") or {}).get(key) or {}
        if e.get("mean") is not None:
            band = f" [{e['low']:.3f}, {e['high']:.3f}]" if e.get("low") is not None and e.get("high") is not None else ""
            parts.append(f"{key} the data: {e['mean']:.3f}{band}")
    model = f"{lc['model']}'s " if lc.get("model") else ""
    return f"{model}learning curve: {'; '.join(parts)}" if parts else ""


def recommendations(doc: dict) -> list[dict]:
    """What to do next, each ``{"id", "text", "evidence"}``: the advice, and the numbers it rests on."""
    recs: list[dict] = []
    health = {r["check"]: r for r in doc.get("health") or [] if isinstance(r, dict) and "check" in r}
    sig = doc.get("signal") or {}
    verdict = (sig.get("verdict") or {}).get("level")

    def add(id_, text, evidence=""):
        recs.append({"id": id_, "text": text, "evidence": evidence})

    if verdict == "none":
        st = sig.get("shuffle_test") or {}
        evidence = (f"label-shuffle test: {st['model']} scores {st['observed']:.3f} on the real labels and "
                    f"{st['null_mean']:.3f} on shuffled ones, p = {st['p_value']:.3g}"
                    if all(st.get(k) is not None for k in ("model", "observed", "null_mean", "p_value")) else "")
        add("no_signal", "Stop tuning architectures: no model beats shuffled labels. Check the labels, "
            "the features recorded and the alignment of series and labels before training anything deeper.", evidence)
    for check, rec_id, text in (
        ("class_imbalance", "class_weights", "Train with balanced class weights and judge models by macro recall "
         "(balanced accuracy) and macro precision, not accuracy."),
        ("mask_collision", "mask_value", "Real timesteps are all-zero, so Masking(0.0) drops them as padding: pad "
         "with a value that never occurs (e.g. -999 with Masking(-999)) or pass lengths instead of a mask."),
        ("length_leak", "length_leak", "The series length alone predicts the label: make sure this is real and "
         "not an artefact of recording; otherwise crop or resample series to a common length."),
        ("duplicates", "duplicates", "Remove duplicated series and resolve conflicting labels; conflicts cap the "
         "reachable accuracy."),
        ("channel_scale", "standardise", "Standardise each channel (on training data only): scales differ by orders of magnitude."),
        ("constant_channels", "constant_channels", "Drop the constant channels."),
        ("train_test_overlap", "overlap", "The same series sit in the original train and test parts: deduplicate before trusting test scores."),
    ):
        r = health.get(check)
        if r and r.get("status") in ("warn", "fail"):
            add(rec_id, text, _finding(r.get("message")))
    lc = sig.get("learning_curve")
    if lc and lc.get("more_data_helps") == "yes":
        add("more_data", "Collect more labelled series: the learning curve is still rising.", _curve_evidence(lc))
    elif lc and lc.get("more_data_helps") == "no":
        add("no_more_data", "More series of the same kind will not help much: the learning curve has flattened; "
            "look for new information (channels, context, better labels) instead.", _curve_evidence(lc))
    weak = [c for c in sig.get("separable_classes") or [] if isinstance(c, dict) and not c.get("separable")]
    if weak and verdict != "none":
        names = ", ".join(str(c["class"]) for c in weak)
        subject = f"Class {names} is" if len(weak) == 1 else f"Classes {names} are"
        fix = ("merge it with the class it is confused with, or collect more of it" if len(weak) == 1
               else "merge them, collect more of them, or report them as one group")
        add("inseparable_classes", f"{subject} not told apart from the rest at this sample size: {fix}.",
            "one-vs-rest Fisher tests on the best baseline's cross-validated predictions, BH q > "
            f"{SEPARABLE_Q:g} (" + ", ".join(f"{c['class']}: q = {c.get('q_value', float('nan')):.2g}" for c in weak[:5])
            + (", ..." if len(weak) > 5 else "") + ")")
    deep = doc.get("deep") or {}
    best = next((b for b in sig.get("baselines") or [] if b.get("name") == sig.get("best_baseline")), None)
    models = [m for m in deep.get("models") or [] if m.get("balanced_accuracy") is not None]
    if best and models:
        top = max(models, key=lambda m: m["balanced_accuracy"])
        if top["balanced_accuracy"] <= best["balanced_accuracy"]:
            comp = next((c for c in deep.get("comparisons") or [] if c.get("a") == top["name"] and c.get("b") == best["name"]
                         and c.get("ci_low") is not None and c.get("ci_high") is not None), None)
            evidence = (f"{top['name']} - {best['name']}: {_points(comp['mean_difference'])} points "
                        f"[{_points(comp['ci_low'])}, {_points(comp['ci_high'])}] balanced accuracy, paired over "
                        "the same splits" if comp else "")
            add("use_baseline", f"Prefer {best['name']}: the best deep model ({top['name']}, "
                f"{top['balanced_accuracy']:.3f} balanced accuracy) does not beat it ({best['balanced_accuracy']:.3f}); "
                "spend effort on data rather than architectures.", evidence)
    for a in deep.get("attention") or []:
        if isinstance(a, dict) and a.get("status") == "warn":
            fix = ("drop attention_activation='sigmoid' (use None) or switch to attention pooling"
                   if str(a.get("activation")) == "sigmoid" else "switch to attention pooling or drop the layer")
            parts = [f"entropy {a['normalized_entropy']:.3f} of uniform" if a.get("normalized_entropy") is not None else "",
                     f"largest weight {a['max_weight_ratio']:.2f}x uniform" if a.get("max_weight_ratio") is not None else "",
                     f"uniform weights change the score by {_points(a['uniform_ablation_delta'])} points"
                     if a.get("uniform_ablation_delta") is not None else ""]
            add("attention_uniform", f"{a.get('model')}: the attention weights are near-uniform, so the layer only "
                f"averages; {fix}.", "; ".join(x for x in parts if x))
            break
    return recs


# ------------------------------------------------------------------------- label issues and class pairs
# A label-issue share under CLEAN_SHARE (1%) counts as clean; from MANY_SHARE (10%) on, as many: a tenth
# of wrong labels costs about as much accuracy as it takes from any model judged on them.
CLEAN_SHARE = 0.01
MANY_SHARE = 0.10


def _pct(x) -> str:
    return f"{100 * float(x):.1f}%"


def labels_verdict(sig: dict) -> dict:
    """Are some labels wrong? From ``signal.label_issues`` alone.

    ``level``: ``clean`` (no issue, or an upper interval end under :data:`CLEAN_SHARE`), ``overlap`` (the
    estimate is close to the model's own error, so wrong labels and overlapping classes cannot be told
    apart), ``many`` (share at least :data:`MANY_SHARE`) or ``some``; ``None`` when it did not run.
    Returns ``{level, headline, sentence, evidence}``.
    """
    li = sig.get("label_issues") or {}
    if not li or li.get("share") is None:
        return {"level": None, "headline": "Label issues were not estimated.", "sentence": "", "evidence": ""}
    share, n, total = float(li["share"]), int(li.get("n_issues") or 0), li.get("n_series")
    iv = li.get("interval") or {}
    band = f" [{_pct(iv['low'])}, {_pct(iv['high'])}]" if iv.get("low") is not None and iv.get("high") is not None else ""
    error = li.get("model_error")
    suspects = li.get("suspects") or []
    listed = ", ".join(f"#{s['index']} ({s['given']} -> {s['likely']}, p = {s['likely_probability']:.2f})" for s in suspects[:5])
    evidence = (f"confident learning (cleanlab) on out-of-fold probabilities: {n} of {total} series, {_pct(share)}{band}"
                + (f"; the model's own error {_pct(error)}" if error is not None else "")
                + (f"; most suspect: {listed}" if listed else ""))
    if n == 0 or (iv.get("high") is not None and float(iv["high"]) < CLEAN_SHARE):
        return {"level": "clean", "headline": "The labels look clean.",
                "sentence": "An out-of-fold model agrees confidently with almost every given label.", "evidence": evidence}
    if li.get("restates_error"):
        return {"level": "overlap", "headline": f"About {_pct(share)} of the labels may be wrong, or the classes overlap.",
                "sentence": ("The estimate is close to the model's own error, so confident learning cannot say whether "
                             "these series are mislabelled or genuinely ambiguous: check the listed suspects by hand."),
                "evidence": evidence}
    level = "many" if share >= MANY_SHARE else "some"
    return {"level": level, "headline": f"About {_pct(share)} of the labels look wrong.",
            "sentence": (f"{n} series are confidently assigned to another class by a model that never saw them; "
                         "relabel or drop the suspects and retrain" + (" before trying bigger models." if level == "many" else ".")),
            "evidence": evidence}


def _names(group: list) -> str:
    group = [str(g) for g in group]
    return group[0] if len(group) == 1 else ", ".join(group[:-1]) + " and " + group[-1]


def classes_verdict(sig: dict) -> dict:
    """Which classes cannot be told apart? From ``signal.class_pairs`` alone.

    ``level``: ``all`` (every pair told apart), ``some`` (some groups of classes are not), ``none`` (no
    pair is told apart); ``None`` when the pair tests did not run. Returns ``{level, headline, sentence,
    evidence}``.
    """
    cp = sig.get("class_pairs") or {}
    pairs = [p for p in cp.get("pairs") or [] if isinstance(p, dict)]
    if not pairs:
        return {"level": None, "headline": "Class pairs were not tested.", "sentence": "", "evidence": ""}
    groups = cp.get("indistinguishable_groups") or []
    apart = [p for p in pairs if p.get("distinguishable")]
    weak = sorted((p for p in pairs if not p.get("distinguishable")), key=lambda p: p.get("balanced_accuracy") or 0)
    alpha = cp.get("alpha", 0.05)
    if weak:
        evidence = (f"two-class ridge per pair, permutation test, BH q > {alpha:g} for " + ", ".join(
            f"{p['a']} vs {p['b']}: {p['balanced_accuracy']:.2f} balanced accuracy, q = {p['q_value']:.2g}"
            for p in weak[:5]) + (", ..." if len(weak) > 5 else ""))
    else:
        hardest = min(pairs, key=lambda p: p.get("balanced_accuracy") or 0)
        evidence = (f"two-class ridge per pair, permutation test: all {len(pairs)} pairs at BH q <= {alpha:g}; the "
                    f"hardest, {hardest['a']} vs {hardest['b']}, at {hardest['balanced_accuracy']:.2f} balanced accuracy")
    per_class = cp.get("per_class") or {}
    recall = [r for r in per_class.get("recall") or [] if isinstance(r, dict) and r.get("recall") is not None]
    tail = ""
    if recall:
        low = min(recall, key=lambda r: r["recall"])
        tail = (f" {per_class.get('model')} recalls class {low['class']} worst: {low['recall']:.2f} "
                f"[{low['low']:.2f}, {low['high']:.2f}].")
        bw = per_class.get("balanced_weights") or {}
        if bw.get("balanced_accuracy") is not None and bw.get("balanced_accuracy_balanced") is not None:
            tail += (f" Balanced class weights move the balanced accuracy of the calibrated head from "
                     f"{bw['balanced_accuracy']:.3f} to {bw['balanced_accuracy_balanced']:.3f}.")
    if not weak:
        return {"level": "all", "headline": "Every pair of classes can be told apart.",
                "sentence": f"All {len(pairs)} two-class tests beat chance after correction.{tail}", "evidence": evidence}
    if not apart:
        return {"level": "none", "headline": "No pair of classes can be told apart.",
                "sentence": f"None of the {len(pairs)} two-class tests beats chance after correction.{tail}",
                "evidence": evidence}
    words = "; ".join(_names(g) for g in groups)
    return {"level": "some",
            "headline": f"Classes {words} cannot be told apart from each other." if len(groups) == 1
            else f"These groups of classes cannot be told apart within each group: {words}.",
            "sentence": (f"{len(apart)} of {len(pairs)} pairs are told apart; the others are linked into the "
                         f"groups above: merge them, collect more of them, or report them as one group.{tail}"),
            "evidence": evidence}
