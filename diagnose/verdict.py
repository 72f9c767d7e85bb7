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


def attention_verdict(doc: dict) -> dict:
    """One paragraph: does attention change the score, are its weights informative, does it look elsewhere."""
    deep = doc.get("deep") or {}
    sentences, level = [], None
    for c in deep.get("comparisons", []):
        if c["b"] == "bilstm" and _is_attention(c["a"]):
            sentences.append(f"{c['a']} vs bilstm: {c['verdict']}")
            if level is None:
                level = "adds nothing" if (c.get("p_equivalent") or 0) >= 0.5 or (c.get("p_value") or 1) > ALPHA else (
                    "helps" if c["mean_difference"] > 0 else "hurts")
    for a in deep.get("attention", []):
        sentences.append(f"{a['model']} ({a['layer']}): weights have normalised entropy {a['normalized_entropy']:.2f} "
                         f"(1 = uniform); replacing them by uniform weights changes the score by "
                         f"{a['uniform_ablation_delta']:+.3f}. {a['verdict']}")
    for att in doc.get("attribution") or []:
        tau = (att.get("agreement") or {}).get("kendall_tau_vs_bilstm")
        if tau is not None and _is_attention(att["model"]):
            sentences.append(f"{att['model']} looks at the same timesteps as the bilstm to a degree of Kendall tau = {tau:.2f} ({att['method']}).")
    if not sentences:
        return {"level": None, "summary": "No attention model was compared."}
    return {"level": level, "summary": " ".join(sentences)}


def recommendations(doc: dict) -> list[dict]:
    """What to do next, each with the evidence it rests on."""
    recs: list[dict] = []
    health = {r["check"]: r for r in doc.get("health") or []}
    sig = doc.get("signal") or {}
    verdict = (sig.get("verdict") or {}).get("level")

    def add(id_, text, evidence=""):
        recs.append({"id": id_, "text": text, "evidence": evidence})

    if verdict == "none":
        add("no_signal", "Stop tuning architectures: no model beats shuffled labels. Check the labels, "
            "the features recorded and the alignment of series and labels before training anything deeper.",
            (sig.get("verdict") or {}).get("summary", ""))
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
        if r and r["status"] in ("warn", "fail"):
            add(rec_id, text, r["message"])
    lc = sig.get("learning_curve")
    if lc and lc.get("more_data_helps") == "yes":
        add("more_data", "Collect more labelled series: the learning curve is still rising.", more_data_verdict(lc)["summary"])
    elif lc and lc.get("more_data_helps") == "no":
        add("no_more_data", "More series of the same kind will not help much: the learning curve has flattened; "
            "look for new information (channels, context, better labels) instead.", more_data_verdict(lc)["summary"])
    weak_classes = [c["class"] for c in sig.get("separable_classes") or [] if not c["separable"]]
    if weak_classes and verdict != "none":
        add("inseparable_classes", f"Classes {', '.join(weak_classes)} are indistinguishable from the rest at this "
            "sample size: merge them, collect more of them, or report them as one group.",
            "one-vs-rest Fisher tests on the best baseline's cross-validated predictions, BH q > 0.05")
    deep = doc.get("deep") or {}
    for a in deep.get("attention", []):
        if a.get("status") == "warn":
            add("attention_uniform", f"{a['model']}: attention weights are near-uniform (entropy "
                f"{a['normalized_entropy']:.2f}); drop the sigmoid attention_activation or use attention pooling.",
                a["verdict"])
            break
    best = next((b for b in sig.get("baselines", []) if b["name"] == sig.get("best_baseline")), None)
    if best and deep.get("models"):
        top = max(deep["models"], key=lambda m: m["balanced_accuracy"])
        if top["balanced_accuracy"] <= best["balanced_accuracy"]:
            add("use_baseline", f"The best deep model ({top['name']}, {top['balanced_accuracy']:.3f}) does not beat "
                f"{best['name']} ({best['balanced_accuracy']:.3f}): prefer the classical model, or spend effort on data.")
    return recs
