"""The sections on the data and its signal: dataset, health, baselines, shuffle test, learning curve,
time steps, ceiling, label issues and class pairs (built from a Diagnosis document alone)."""

from __future__ import annotations

from .answers import as_dict, best_baseline, dict_items, n_classes
from .formatting import MISSING, interval, is_number, num, pval, seconds, value, words
from .plotting import slug
from .tables import METRIC_COLUMNS, badge, interval_methods, score_rows, section, table


def dataset_section(doc: dict) -> dict:
    ds = as_dict(doc.get("dataset"))
    s = section("dataset", "Dataset", doc, ("dataset",), bool(ds))
    if not ds:
        return s
    lengths = as_dict(ds.get("lengths"))
    length = (
        f"{num(lengths.get('min'))}–{num(lengths.get('max'))} (mean {num(lengths.get('mean'), 1)}, variable)"
        if lengths.get("variable")
        else num(lengths.get("max", ds.get("n_timesteps")))
    )
    rows = [
        ["Name", str(ds.get("name", MISSING))],
        ["Source", str(ds.get("source", MISSING))],
        ["Series", num(ds.get("n_series"))],
        ["Timesteps (padded)", num(ds.get("n_timesteps"))],
        ["Channels", num(ds.get("n_channels"))],
        ["Classes", num(n_classes(doc))],
        ["Lengths", length],
        ["Padding share", num(ds.get("padding_share"))],
    ]
    if ds.get("n_groups") is not None:
        rows.append(["Groups", num(ds.get("n_groups"))])
    split = as_dict(ds.get("original_split"))
    if split:
        rows.append(["Original split", f"train {num(split.get('train'))}, test {num(split.get('test'))}"])
    s["tables"].append(table(["", ""], rows))
    s["figures"].append("class_balance")
    return s


def health_section(doc: dict) -> dict:
    checks = dict_items(doc.get("health"))
    s = section("health", "Data health", doc, ("health",), bool(checks))
    if checks:
        rows = [
            [str(c.get("check", MISSING)), badge(c.get("status")), value(c.get("value")), str(c.get("message", ""))]
            for c in checks
        ]
        s["tables"].append(table(["Check", "Status", "Value", "Message"], rows, wrap=(2, 3)))
    return s


def baselines_section(doc: dict) -> dict:
    sig = as_dict(doc.get("signal"))
    models = dict_items(sig.get("baselines"))
    s = section("baselines", "Classical baselines", doc, ("baseline", "baselines", "signal"), bool(models))
    if not models:
        return s
    k = n_classes(doc)
    if k:
        s["paragraphs"].append(
            f"Chance balanced accuracy is 1/{k} = {1 / k:.3f} whatever the class balance; "
            "accuracy rewards always predicting the largest class."
        )
    best = best_baseline(doc)
    if best is not None:
        s["paragraphs"].append(f"Best baseline: {best.get('name')}.")
    rows = score_rows(models, [("Fit time", lambda m: seconds(m.get("fit_seconds")))])
    for row, m in zip(rows, models):
        row.insert(1, str(m.get("description", "")))
    folds = next((m for m in models if m.get("folds")), {})
    cv = f"{folds.get('folds')}-fold CV x {folds.get('repeats', 1)} repeat(s). " if folds else ""
    s["tables"].append(
        table(
            ["Model", "Description"] + [h for _, h in METRIC_COLUMNS] + ["Fit time"],
            rows,
            note=cv + interval_methods(models),
            wrap=(1,),
        )
    )
    if best is not None:
        s["figures"].append(f"confusion_{slug(best.get('name'))}")
    sep = dict_items(sig.get("separable_classes"))
    if sep:
        rows = [
            [
                str(c.get("class", MISSING)),
                num(c.get("balanced_accuracy")),
                pval(c.get("q_value", c.get("p_value"))),
                num(bool(c.get("separable"))),
            ]
            for c in sep
        ]
        s["tables"].append(
            table(
                ["Class", "One-vs-rest balanced acc.", "q (BH)", "Separable"],
                rows,
                caption="Which classes the best baseline tells apart from the rest",
            )
        )
    return s


def shuffles_drawn(st: dict) -> str:
    """``"N label shuffles"``, or ``"l label shuffles (stopped after l of N: p clearly large)"``."""
    n, drawn = st.get("n_permutations"), st.get("permutations_drawn")
    if is_number(drawn) and is_number(n) and 0 < drawn < n:
        return f"{drawn} label shuffles (stopped after {drawn} of {n}: p clearly large)"
    return f"{num(n)} label shuffles"


def shuffle_formula(st: dict) -> str:
    """How the p-value was computed, from the document's fields."""
    n, drawn, h = st.get("n_permutations"), st.get("permutations_drawn"), st.get("sequential_h")
    if is_number(drawn) and is_number(n) and 0 < drawn < n:
        return (
            f"The shuffles stopped once {h} of them scored at least the observed score (Besag & Clifford 1991): "
            f"p = {h} / shuffles drawn."
        )
    return "p = (shuffles scoring at least the observed + 1) / (shuffles + 1)."


def shuffle_section(doc: dict) -> dict:
    st = as_dict(as_dict(doc.get("signal")).get("shuffle_test"))
    s = section("shuffle_test", "Label-shuffle test", doc, ("shuffle_test",), bool(st))
    if st:
        heads = dict_items(st.get("heads"))
        statistic = (
            f"the best of {len(heads)} classifiers (max-T: every shuffle is scored by every classifier and "
            "the best is kept, so choosing the best is part of the test)"
            if len(heads) > 1
            else str(st.get("model", MISSING))
        )
        s["paragraphs"].append(
            f"Statistic: {statistic}. It scored {num(st.get('observed'))} {words(st.get('metric', 'balanced_accuracy'))} "
            f"on the real labels and {num(st.get('null_mean'))} ± {num(st.get('null_std'))} on "
            f"{shuffles_drawn(st)}: p = {pval(st.get('p_value'))}, "
            f"effect size {num(st.get('effect_size'), 1)} null standard deviations "
            f"(method: {st.get('method', MISSING)}). {shuffle_formula(st)}"
        )
        if len(heads) > 1:
            rows = [
                [
                    str(h.get("name", MISSING)),
                    num(h.get("observed")),
                    f"{num(h.get('null_mean'))} ± {num(h.get('null_std'))}",
                    pval(h.get("p_value")),
                    pval(h.get("p_adjusted")),
                ]
                for h in heads
            ]
            s["tables"].append(
                table(
                    ["Classifier", "Real labels", "Shuffled labels", "Own p", "Max-T adjusted p"],
                    rows,
                    note="Own p holds for one classifier alone; the adjusted p (Westfall-Young "
                    "single-step max-T) controls the family-wise error over all of them.",
                )
            )
        s["figures"].append("shuffle_test")
    return s


def learning_curve_section(doc: dict) -> dict:
    lc = as_dict(as_dict(doc.get("signal")).get("learning_curve"))
    s = section("learning_curve", "Learning curve", doc, ("learning_curve",), bool(lc))
    if not lc:
        return s
    model = f" of {lc['model']}" if lc.get("model") else ""
    s["paragraphs"].append(
        f"Scores{model} on nested training subsets, a saturating curve fitted to them "
        f"({lc.get('family') or 'none fitted'}) and extrapolated to 2x and 10x the data. "
        f"More data helps: {lc.get('more_data_helps', MISSING)}."
    )
    sizes, mean = lc.get("train_sizes") or [], lc.get("mean") or []
    rows = [[num(n), num(m)] for n, m in zip(sizes, mean)]
    for key, e in as_dict(lc.get("extrapolation")).items():
        if isinstance(e, dict):
            rows.append(
                [
                    f"{num(e.get('size'))} ({key}, extrapolated)",
                    f"{num(e.get('mean'))} {interval(e.get('low'), e.get('high'))}".strip(),
                ]
            )
    if rows:
        s["tables"].append(
            table(
                ["Training series", words(lc.get("metric", "balanced_accuracy"))],
                rows,
                note=f"Method: {lc['method']}." if lc.get("method") else "",
            )
        )
    s["figures"].append("learning_curve")
    return s


def timestep_section(doc: dict) -> dict:
    tm = as_dict(as_dict(doc.get("signal")).get("timestep_map"))
    s = section("timestep_map", "Where in time: timestep x channel map", doc, ("timestep_map",), bool(tm))
    if not tm:
        return s
    if tm.get("summary"):
        s["paragraphs"].append(str(tm["summary"]))
    if tm.get("method"):
        s["paragraphs"].append(f"Method: {tm['method']}.")
    windows = dict_items(tm.get("significant_windows"))
    if windows:
        rows = [
            [
                num(w.get("channel")),
                f"{num(w.get('start'))}–{num(w.get('stop') - 1) if isinstance(w.get('stop'), int) else MISSING}",
                pval(w.get("min_q")),
            ]
            for w in windows
        ]
        s["tables"].append(table(["Channel", "Steps", "Min q"], rows, caption="Significant windows"))
    clusters = [c for c in dict_items(tm.get("clusters")) if c.get("significant")]
    if tm.get("cluster_method"):
        s["paragraphs"].append(f"Windows with family-wise error control: {tm['cluster_method']}.")
    if clusters:
        rows = [[str(c.get("words", MISSING)), num(c.get("mass"), 1), pval(c.get("p_value"))] for c in clusters]
        s["tables"].append(
            table(
                ["Window", "Cluster mass", "p (cluster)"],
                rows,
                caption=f"Cluster-test windows (p <= {num(tm.get('cluster_alpha'), 2)})",
            )
        )
    elif tm.get("clusters") is not None:
        s["paragraphs"].append(f"The cluster test finds no window at p <= {num(tm.get('cluster_alpha'), 2)}.")
    s["figures"].append("timestep_map")
    return s


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


__all__ = [
    "dataset_section",
    "health_section",
    "baselines_section",
    "shuffle_section",
    "learning_curve_section",
    "timestep_section",
    "ceiling_section",
    "labels_section",
    "class_pairs_section",
]
