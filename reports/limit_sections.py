"""The sections on what limits the signal: the accuracy ceiling, label issues and which classes can be told apart
(built from a Diagnosis document alone; :mod:`reports.signal_sections` re-exports them)."""

from __future__ import annotations

from .answers import as_dict, best_baseline, dict_items
from .formatting import MISSING, interval, is_number, num, pval, words
from .tables import section, table


def ceiling_section(doc: dict) -> dict:
    c = as_dict(as_dict(doc.get("signal")).get("ceiling"))
    s = section("ceiling", "Accuracy ceiling", doc, ("ceiling",), bool(c))
    if not c:
        return s
    if c.get("message"):
        s["paragraphs"].append(str(c["message"]))
    cands = dict_items(c.get("ceilings"))
    if cands:
        rows = [
            [
                words(x.get("source")),
                str(x.get("kind", MISSING)),
                f"{num(x.get('accuracy'))} {interval(x.get('low'), x.get('high'))}".strip()
                if x.get("low") != x.get("high")
                else num(x.get("accuracy")),
                "yes" if x.get("holds") else "no (below an achieved score)",
                str(x.get("words", "")),
            ]
            for x in cands
        ]
        s["tables"].append(
            table(
                ["Source", "Kind", "Accuracy ceiling", "Holds", "Why"],
                rows,
                wrap=(4,),
                note=f"Best achieved accuracy: {num(c.get('achieved_accuracy'))}. A candidate below "
                "it is no ceiling and does not set the accuracy ceiling.",
            )
        )
    rows = [
        [
            "Accuracy ceiling (holding)",
            num(c.get("accuracy_ceiling")) if c.get("accuracy_ceiling") is not None else "none below 1 found",
        ],
        ["1-NN error (cross-validated)", num(c.get("one_nn_error"))],
        ["Bayes error, lower bound (Cover-Hart; not a ceiling)", num(c.get("bayes_error_lower"))],
    ]
    s["tables"].append(table(["", ""], rows))
    best = best_baseline(doc) or {}
    cap, acc = c.get("accuracy_ceiling"), best.get("accuracy")
    if is_number(cap) and is_number(acc) and acc > cap:  # documents written before ceilings were checked
        s["paragraphs"].append(
            f"{best.get('name')} already reaches accuracy {num(acc)}, above this ceiling: it is an estimate "
            "(the Cover-Hart bound holds for infinitely many series), here not binding."
        )
    if c.get("caveat"):
        s["paragraphs"].append(f"Caveat: {c['caveat']}")
    return s


def labels_section(doc: dict) -> dict:
    li = as_dict(as_dict(doc.get("signal")).get("label_issues"))
    s = section("label_issues", "Label issues", doc, ("label_issues",), bool(li))
    if not li:
        return s
    if li.get("message"):
        s["paragraphs"].append(str(li["message"]))
    sep = dict_items(li.get("separability"))
    if sep:
        s["tables"].append(
            table(
                ["Class", "Series", "AUC one-vs-rest", "p (Holm)", "Estimated"],
                [
                    [
                        str(r.get("class", MISSING)),
                        num(r.get("n")),
                        f"{num(r.get('auc'))} {interval(r.get('low'), r.get('high'))}".strip(),
                        pval(r.get("p_holm")),
                        "yes" if r.get("separable") else "cannot tell",
                    ]
                    for r in sep
                ],
                caption="Which classes the out-of-fold model separates better than chance",
                note="Wrong labels are estimated only for these classes: one-sided Mann-Whitney test of the "
                "class's own probability against the rest, Holm across classes (FWER 5%), 95% Hanley-McNeil "
                "interval on the AUC.",
            )
        )
    if li.get("share") is None:
        return s
    iv = as_dict(li.get("interval"))
    rows = [
        ["Estimated label issues", f"{num(li.get('n_issues'))} of {num(li.get('n_series'))}"],
        ["Share", f"{num(li.get('share'))} {interval(iv.get('low'), iv.get('high'))}".strip()],
        ["Model error (1 - accuracy, out of fold)", num(li.get("model_error"))],
        ["Estimate close to the model error", "yes" if li.get("restates_error") else "no"],
        ["Label health score (cleanlab)", num(li.get("health_score"))],
    ]
    s["tables"].append(
        table(
            ["", ""],
            rows,
            note=(f"Interval: {iv['method']}. " if iv.get("method") else "")
            + (f"Method: {li['method']}." if li.get("method") else ""),
        )
    )
    suspects = dict_items(li.get("suspects"))
    if suspects:
        rows = [
            [
                str(x.get("id", num(x.get("index")))),
                str(x.get("given", MISSING)),
                str(x.get("likely", MISSING)),
                num(x.get("given_probability")),
                num(x.get("likely_probability")),
            ]
            for x in suspects
        ]
        s["tables"].append(
            table(
                ["Series id", "Given label", "Likely label", "P(given)", "P(likely)"],
                rows,
                caption="Most suspect series (lowest confidence in the given label first)",
                note="P(given), P(likely): the out-of-fold model's probability of the given and of the likely label.",
            )
        )
    classes = [str(c) for c in li.get("classes") or []]
    noise = li.get("noise_matrix") or []
    if classes and len(noise) == len(classes):
        rows = [[f"given {c}"] + [num(v, 2) for v in row] for c, row in zip(classes, noise)]
        s["tables"].append(
            table(
                [""] + [f"true {c}" for c in classes],
                rows,
                caption="Estimated noise matrix P(given label | true label)",
                note="Each column sums to 1; off-diagonal entries are the estimated mislabelling rates.",
            )
        )
    return s


def class_pairs_section(doc: dict) -> dict:
    cp = as_dict(as_dict(doc.get("signal")).get("class_pairs"))
    s = section("class_pairs", "Which classes can be told apart", doc, ("class_pairs",), bool(cp))
    if not cp:
        return s
    groups = [g for g in cp.get("indistinguishable_groups") or [] if isinstance(g, list)]
    if groups:
        s["paragraphs"].append(
            "Groups of classes not told apart from each other: "
            + "; ".join("{" + ", ".join(str(c) for c in g) + "}" for g in groups)
            + "."
        )
    else:
        s["paragraphs"].append("Every pair of classes is told apart.")
    if cp.get("method"):
        s["paragraphs"].append(f"Method: {cp['method']}.")
    s["figures"].append("class_pairs")
    pairs = sorted(
        dict_items(cp.get("pairs")),
        key=lambda p: p.get("balanced_accuracy") if is_number(p.get("balanced_accuracy")) else 0,
    )
    if pairs:
        rows = [
            [
                f"{p.get('a', MISSING)} vs {p.get('b', MISSING)}",
                num(p.get("balanced_accuracy")),
                pval(p.get("p_value")),
                pval(p.get("q_value")),
                "yes" if p.get("distinguishable") else "no",
            ]
            for p in pairs[:15]
        ]
        s["tables"].append(
            table(
                ["Pair", "Balanced acc.", "p", "q (BH)", "Told apart"],
                rows,
                caption="The hardest pairs" if len(pairs) > 15 else "All pairs",
            )
        )
    pc = as_dict(cp.get("per_class"))
    recall = dict_items(pc.get("recall"))
    if recall:
        bw = as_dict(pc.get("balanced_weights"))
        plain, bal = bw.get("recall") or [], bw.get("recall_balanced") or []
        rows = []
        for k, r in enumerate(recall):
            row = [
                str(r.get("class", MISSING)),
                f"{num(r.get('recall'))} {interval(r.get('low'), r.get('high'))}".strip(),
                num(r.get("n")),
            ]
            if plain and bal:
                row += [num(plain[k]) if k < len(plain) else MISSING, num(bal[k]) if k < len(bal) else MISSING]
            rows.append(row)
        headers = ["Class", f"Recall of {pc.get('model', 'the best baseline')} [95%]", "Series"]
        if plain and bal:
            headers += ["Calibrated head", "… with balanced class weights"]
        note = f"Intervals: {pc.get('interval_method', 'Wilson')}."
        if bw.get("method"):
            note += (
                f" Balanced weights: {bw['method']}; balanced accuracy {num(bw.get('balanced_accuracy'))} -> "
                f"{num(bw.get('balanced_accuracy_balanced'))}, accuracy {num(bw.get('accuracy'))} -> "
                f"{num(bw.get('accuracy_balanced'))}."
            )
        s["tables"].append(table(headers, rows, caption="Per-class recall", note=note))
    return s
