"""The evidence sections below the answers: text, tables and figure names, shared by HTML and Markdown.

A section is ``{"id", "title", "state", "errors", "paragraphs", "tables", "figures"}``: ``state`` is
``"ok"``, ``"not run"`` or ``"error"``; a table is ``{"caption", "headers", "rows", "note", "wrap"}``
whose cells are strings or ``{"text", "badge"}`` (a status badge) and whose ``wrap`` lists the columns
of running text (the HTML keeps the other columns, numbers and names, on one line). ``figures`` lists
figure names (file stems) that the renderers look up among the drawn figures.
"""
from __future__ import annotations

from typing import Any

from reports.answers import as_dict, best_baseline, dict_items, n_classes, section_errors
from reports.formatting import MISSING, interval, is_number, num, pval, seconds, signed, value, with_interval, words
from reports.plotting import slug

METRIC_COLUMNS = (("balanced_accuracy", "Balanced acc. = MAR"), ("accuracy", "Accuracy"),
                  ("macro_precision", "Macro precision (MAP)"), ("macro_f1", "Macro F1"))


def _section(id_: str, title: str, doc: dict, error_keys: tuple[str, ...], present: bool) -> dict:
    errors = section_errors(doc, *error_keys)
    state = "ok" if present else ("error" if errors else "not run")
    return {"id": id_, "title": title, "state": state, "errors": errors, "paragraphs": [], "tables": [], "figures": []}


def _table(headers: list[str], rows: list[list[Any]], caption: str = "", note: str = "",
           wrap: tuple[int, ...] = ()) -> dict:
    return {"caption": caption, "headers": headers, "rows": rows, "note": note, "wrap": list(wrap)}


def _badge(status: Any) -> dict:
    s = str(status) if status is not None else "unknown"
    return {"text": s, "badge": s if s in ("pass", "warn", "fail", "error") else "unknown"}


def _interval_methods(models: list[dict]) -> str:
    methods = []
    for m in models:
        for iv in as_dict(m.get("intervals")).values():
            if isinstance(iv, dict) and iv.get("method") and iv["method"] not in methods:
                methods.append(str(iv["method"]))
    return "Intervals: " + "; ".join(methods) + "." if methods else ""


def _score_rows(models: list[dict], extra: list[tuple[str, Any]]) -> list[list[Any]]:
    rows = []
    for m in models:
        ivs = as_dict(m.get("intervals"))
        row = [str(m.get("name", MISSING))]
        row += [with_interval(m.get(key), ivs.get(key)) for key, _ in METRIC_COLUMNS]
        row += [f(m) for _, f in extra]
        rows.append(row)
    return rows


def dataset_section(doc: dict) -> dict:
    ds = as_dict(doc.get("dataset"))
    s = _section("dataset", "Dataset", doc, ("dataset",), bool(ds))
    if not ds:
        return s
    lengths = as_dict(ds.get("lengths"))
    length = (f"{num(lengths.get('min'))}–{num(lengths.get('max'))} (mean {num(lengths.get('mean'), 1)}, variable)"
              if lengths.get("variable") else num(lengths.get("max", ds.get("n_timesteps"))))
    rows = [["Name", str(ds.get("name", MISSING))], ["Source", str(ds.get("source", MISSING))],
            ["Series", num(ds.get("n_series"))], ["Timesteps (padded)", num(ds.get("n_timesteps"))],
            ["Channels", num(ds.get("n_channels"))], ["Classes", num(n_classes(doc))],
            ["Lengths", length], ["Padding share", num(ds.get("padding_share"))]]
    if ds.get("n_groups") is not None:
        rows.append(["Groups", num(ds.get("n_groups"))])
    split = as_dict(ds.get("original_split"))
    if split:
        rows.append(["Original split", f"train {num(split.get('train'))}, test {num(split.get('test'))}"])
    s["tables"].append(_table(["", ""], rows))
    s["figures"].append("class_balance")
    return s


def health_section(doc: dict) -> dict:
    checks = dict_items(doc.get("health"))
    s = _section("health", "Data health", doc, ("health",), bool(checks))
    if checks:
        rows = [[str(c.get("check", MISSING)), _badge(c.get("status")), value(c.get("value")), str(c.get("message", ""))]
                for c in checks]
        s["tables"].append(_table(["Check", "Status", "Value", "Message"], rows, wrap=(2, 3)))
    return s


def baselines_section(doc: dict) -> dict:
    sig = as_dict(doc.get("signal"))
    models = dict_items(sig.get("baselines"))
    s = _section("baselines", "Classical baselines", doc, ("baseline", "baselines", "signal"), bool(models))
    if not models:
        return s
    k = n_classes(doc)
    if k:
        s["paragraphs"].append(f"Chance balanced accuracy is 1/{k} = {1 / k:.3f} whatever the class balance; "
                               "accuracy rewards always predicting the largest class.")
    best = best_baseline(doc)
    if best is not None:
        s["paragraphs"].append(f"Best baseline: {best.get('name')}.")
    rows = _score_rows(models, [("Fit time", lambda m: seconds(m.get("fit_seconds")))])
    for row, m in zip(rows, models):
        row.insert(1, str(m.get("description", "")))
    folds = next((m for m in models if m.get("folds")), {})
    cv = f"{folds.get('folds')}-fold CV x {folds.get('repeats', 1)} repeat(s). " if folds else ""
    s["tables"].append(_table(["Model", "Description"] + [h for _, h in METRIC_COLUMNS] + ["Fit time"], rows,
                              note=cv + _interval_methods(models), wrap=(1,)))
    if best is not None:
        s["figures"].append(f"confusion_{slug(best.get('name'))}")
    sep = dict_items(sig.get("separable_classes"))
    if sep:
        rows = [[str(c.get("class", MISSING)), num(c.get("balanced_accuracy")), pval(c.get("q_value", c.get("p_value"))),
                 num(bool(c.get("separable")))] for c in sep]
        s["tables"].append(_table(["Class", "One-vs-rest balanced acc.", "q (BH)", "Separable"], rows,
                                  caption="Which classes the best baseline tells apart from the rest"))
    return s


def shuffle_section(doc: dict) -> dict:
    st = as_dict(as_dict(doc.get("signal")).get("shuffle_test"))
    s = _section("shuffle_test", "Label-shuffle test", doc, ("shuffle_test",), bool(st))
    if st:
        heads = dict_items(st.get("heads"))
        statistic = (f"the best of {len(heads)} classifiers (max-T: every shuffle is scored by every classifier and "
                     "the best is kept, so choosing the best is part of the test)" if len(heads) > 1
                     else str(st.get("model", MISSING)))
        s["paragraphs"].append(
            f"Statistic: {statistic}. It scored {num(st.get('observed'))} {words(st.get('metric', 'balanced_accuracy'))} "
            f"on the real labels and {num(st.get('null_mean'))} ± {num(st.get('null_std'))} on "
            f"{num(st.get('n_permutations'))} label shuffles: p = {pval(st.get('p_value'))}, "
            f"effect size {num(st.get('effect_size'), 1)} null standard deviations "
            f"(method: {st.get('method', MISSING)}). p = (shuffles scoring at least the observed + 1) / (shuffles + 1).")
        if len(heads) > 1:
            rows = [[str(h.get("name", MISSING)), num(h.get("observed")), f"{num(h.get('null_mean'))} ± {num(h.get('null_std'))}",
                     pval(h.get("p_value")), pval(h.get("p_adjusted"))] for h in heads]
            s["tables"].append(_table(["Classifier", "Real labels", "Shuffled labels", "Own p", "Max-T adjusted p"], rows,
                                      note="Own p holds for one classifier alone; the adjusted p (Westfall-Young "
                                           "single-step max-T) controls the family-wise error over all of them."))
        s["figures"].append("shuffle_test")
    return s


def learning_curve_section(doc: dict) -> dict:
    lc = as_dict(as_dict(doc.get("signal")).get("learning_curve"))
    s = _section("learning_curve", "Learning curve", doc, ("learning_curve",), bool(lc))
    if not lc:
        return s
    model = f" of {lc['model']}" if lc.get("model") else ""
    s["paragraphs"].append(f"Scores{model} on nested training subsets, a saturating curve fitted to them "
                           f"({lc.get('family') or 'none fitted'}) and extrapolated to 2x and 10x the data. "
                           f"More data helps: {lc.get('more_data_helps', MISSING)}.")
    sizes, mean = lc.get("train_sizes") or [], lc.get("mean") or []
    rows = [[num(n), num(m)] for n, m in zip(sizes, mean)]
    for key, e in as_dict(lc.get("extrapolation")).items():
        if isinstance(e, dict):
            rows.append([f"{num(e.get('size'))} ({key}, extrapolated)",
                         f"{num(e.get('mean'))} {interval(e.get('low'), e.get('high'))}".strip()])
    if rows:
        s["tables"].append(_table(["Training series", words(lc.get("metric", "balanced_accuracy"))], rows,
                                  note=f"Method: {lc['method']}." if lc.get("method") else ""))
    s["figures"].append("learning_curve")
    return s


def timestep_section(doc: dict) -> dict:
    tm = as_dict(as_dict(doc.get("signal")).get("timestep_map"))
    s = _section("timestep_map", "Where in time: timestep x channel map", doc, ("timestep_map",), bool(tm))
    if not tm:
        return s
    if tm.get("summary"):
        s["paragraphs"].append(str(tm["summary"]))
    if tm.get("method"):
        s["paragraphs"].append(f"Method: {tm['method']}.")
    windows = dict_items(tm.get("significant_windows"))
    if windows:
        rows = [[num(w.get("channel")), f"{num(w.get('start'))}–{num(w.get('stop') - 1) if isinstance(w.get('stop'), int) else MISSING}",
                 pval(w.get("min_q"))] for w in windows]
        s["tables"].append(_table(["Channel", "Steps", "Min q"], rows, caption="Significant windows"))
    clusters = [c for c in dict_items(tm.get("clusters")) if c.get("significant")]
    if tm.get("cluster_method"):
        s["paragraphs"].append(f"Windows with family-wise error control: {tm['cluster_method']}.")
    if clusters:
        rows = [[str(c.get("words", MISSING)), num(c.get("mass"), 1), pval(c.get("p_value"))] for c in clusters]
        s["tables"].append(_table(["Window", "Cluster mass", "p (cluster)"], rows,
                                  caption=f"Cluster-test windows (p <= {num(tm.get('cluster_alpha'), 2)})"))
    elif tm.get("clusters") is not None:
        s["paragraphs"].append(f"The cluster test finds no window at p <= {num(tm.get('cluster_alpha'), 2)}.")
    s["figures"].append("timestep_map")
    return s


def ceiling_section(doc: dict) -> dict:
    c = as_dict(as_dict(doc.get("signal")).get("ceiling"))
    s = _section("ceiling", "Accuracy ceiling", doc, ("ceiling",), bool(c))
    if not c:
        return s
    if c.get("message"):
        s["paragraphs"].append(str(c["message"]))
    cands = dict_items(c.get("ceilings"))
    if cands:
        rows = [[words(x.get("source")), str(x.get("kind", MISSING)),
                 f"{num(x.get('accuracy'))} {interval(x.get('low'), x.get('high'))}".strip()
                 if x.get("low") != x.get("high") else num(x.get("accuracy")),
                 "yes" if x.get("holds") else "no (below an achieved score)", str(x.get("words", ""))] for x in cands]
        s["tables"].append(_table(["Source", "Kind", "Accuracy ceiling", "Holds", "Why"], rows, wrap=(4,),
                                  note=f"Best achieved accuracy: {num(c.get('achieved_accuracy'))}. A candidate below "
                                       "it is no ceiling and does not set the accuracy ceiling."))
    rows = [["Accuracy ceiling (holding)", num(c.get("accuracy_ceiling")) if c.get("accuracy_ceiling") is not None
             else "none below 1 found"],
            ["1-NN error (cross-validated)", num(c.get("one_nn_error"))],
            ["Bayes error, lower bound (Cover-Hart; not a ceiling)", num(c.get("bayes_error_lower"))]]
    s["tables"].append(_table(["", ""], rows))
    best = best_baseline(doc) or {}
    cap, acc = c.get("accuracy_ceiling"), best.get("accuracy")
    if is_number(cap) and is_number(acc) and acc > cap:  # documents written before ceilings were checked
        s["paragraphs"].append(
            f"{best.get('name')} already reaches accuracy {num(acc)}, above this ceiling: it is an estimate "
            "(the Cover-Hart bound holds for infinitely many series), here not binding.")
    if c.get("caveat"):
        s["paragraphs"].append(f"Caveat: {c['caveat']}")
    return s


def labels_section(doc: dict) -> dict:
    li = as_dict(as_dict(doc.get("signal")).get("label_issues"))
    s = _section("label_issues", "Label issues", doc, ("label_issues",), bool(li))
    if not li:
        return s
    if li.get("message"):
        s["paragraphs"].append(str(li["message"]))
    iv = as_dict(li.get("interval"))
    rows = [["Estimated label issues", f"{num(li.get('n_issues'))} of {num(li.get('n_series'))}"],
            ["Share", f"{num(li.get('share'))} {interval(iv.get('low'), iv.get('high'))}".strip()],
            ["Model error (1 - accuracy, out of fold)", num(li.get("model_error"))],
            ["Estimate close to the model error", "yes" if li.get("restates_error") else "no"],
            ["Label health score (cleanlab)", num(li.get("health_score"))]]
    s["tables"].append(_table(["", ""], rows, note=(f"Interval: {iv['method']}. " if iv.get("method") else "")
                              + (f"Method: {li['method']}." if li.get("method") else "")))
    suspects = dict_items(li.get("suspects"))
    if suspects:
        rows = [[num(x.get("index")), str(x.get("given", MISSING)), str(x.get("likely", MISSING)),
                 num(x.get("given_probability")), num(x.get("likely_probability"))] for x in suspects]
        s["tables"].append(_table(["Series", "Given label", "Likely label", "P(given)", "P(likely)"], rows,
                                  caption="Most suspect series (lowest confidence in the given label first)"))
    classes = [str(c) for c in li.get("classes") or []]
    noise = li.get("noise_matrix") or []
    if classes and len(noise) == len(classes):
        rows = [[f"given {c}"] + [num(v, 2) for v in row] for c, row in zip(classes, noise)]
        s["tables"].append(_table([""] + [f"true {c}" for c in classes], rows,
                                  caption="Estimated noise matrix P(given label | true label)",
                                  note="Each column sums to 1; off-diagonal entries are the estimated mislabelling rates."))
    return s


def class_pairs_section(doc: dict) -> dict:
    cp = as_dict(as_dict(doc.get("signal")).get("class_pairs"))
    s = _section("class_pairs", "Which classes can be told apart", doc, ("class_pairs",), bool(cp))
    if not cp:
        return s
    groups = [g for g in cp.get("indistinguishable_groups") or [] if isinstance(g, list)]
    if groups:
        s["paragraphs"].append("Groups of classes not told apart from each other: "
                               + "; ".join("{" + ", ".join(str(c) for c in g) + "}" for g in groups) + ".")
    else:
        s["paragraphs"].append("Every pair of classes is told apart.")
    if cp.get("method"):
        s["paragraphs"].append(f"Method: {cp['method']}.")
    s["figures"].append("class_pairs")
    pairs = sorted(dict_items(cp.get("pairs")), key=lambda p: p.get("balanced_accuracy") if is_number(p.get("balanced_accuracy")) else 0)
    if pairs:
        rows = [[f"{p.get('a', MISSING)} vs {p.get('b', MISSING)}", num(p.get("balanced_accuracy")), pval(p.get("p_value")),
                 pval(p.get("q_value")), "yes" if p.get("distinguishable") else "no"] for p in pairs[:15]]
        s["tables"].append(_table(["Pair", "Balanced acc.", "p", "q (BH)", "Told apart"], rows,
                                  caption="The hardest pairs" if len(pairs) > 15 else "All pairs"))
    pc = as_dict(cp.get("per_class"))
    recall = dict_items(pc.get("recall"))
    if recall:
        bw = as_dict(pc.get("balanced_weights"))
        plain, bal = bw.get("recall") or [], bw.get("recall_balanced") or []
        rows = []
        for k, r in enumerate(recall):
            row = [str(r.get("class", MISSING)), f"{num(r.get('recall'))} {interval(r.get('low'), r.get('high'))}".strip(),
                   num(r.get("n"))]
            if plain and bal:
                row += [num(plain[k]) if k < len(plain) else MISSING, num(bal[k]) if k < len(bal) else MISSING]
            rows.append(row)
        headers = ["Class", f"Recall of {pc.get('model', 'the best baseline')} [95%]", "Series"]
        if plain and bal:
            headers += ["Calibrated head", "… with balanced class weights"]
        note = f"Intervals: {pc.get('interval_method', 'Wilson')}."
        if bw.get("method"):
            note += (f" Balanced weights: {bw['method']}; balanced accuracy {num(bw.get('balanced_accuracy'))} -> "
                     f"{num(bw.get('balanced_accuracy_balanced'))}, accuracy {num(bw.get('accuracy'))} -> "
                     f"{num(bw.get('accuracy_balanced'))}.")
        s["tables"].append(_table(headers, rows, caption="Per-class recall", note=note))
    return s


def deep_models_section(doc: dict) -> dict:
    models = dict_items(as_dict(doc.get("deep")).get("models"))
    s = _section("deep_models", "Deep models", doc, ("deep",), bool(models))
    if not models:
        return s
    extra = [("Device", lambda m: str(m.get("device") or MISSING)),
             ("Train time", lambda m: seconds(m.get("train_seconds", m.get("fit_seconds"))))]
    rows = _score_rows(models, extra)
    s["tables"].append(_table(["Model"] + [h for _, h in METRIC_COLUMNS] + [h for h, _ in extra], rows,
                              note=_interval_methods(models)))
    s["figures"] += [f"confusion_{slug(m.get('name'))}" for m in models]
    return s


def lint_section(doc: dict) -> dict:
    """The "Model lint" table: what the models' construction will cost them, found before training."""
    found = dict_items(as_dict(doc.get("deep")).get("lint"))
    s = _section("lint", "Model lint", doc, ("lint",), bool(found))
    if not found:
        return s
    rows = [[str(f.get("model", MISSING)), words(f.get("check")), _badge(f.get("status")), str(f.get("message") or MISSING),
             str(f.get("fix") or MISSING)] for f in found]
    s["tables"].append(_table(["Model", "Check", "Status", "Finding", "Fix"], rows, wrap=(3, 4),
                              note="Read from each model before training; the padding share is measured on the "
                                   "data given with the weights the model starts from."))
    return s


def comparisons_section(doc: dict) -> dict:
    comps = dict_items(as_dict(doc.get("deep")).get("comparisons"))
    s = _section("comparisons", "Model comparisons", doc, ("comparisons", "compare"), bool(comps))
    if not comps:
        return s
    rows = [[f"{c.get('a', MISSING)} vs {c.get('b', MISSING)}", words(c.get("metric")),
             f"{signed(c.get('mean_difference'))} {interval(c.get('ci_low'), c.get('ci_high'))}".strip(),
             pval(c.get("p_value")), num(c.get("p_a_better"), 2), num(c.get("p_equivalent"), 2),
             num(c.get("p_b_better"), 2), _outcome(c)] for c in comps]
    rope = next((c.get("rope") for c in comps if c.get("rope") is not None), None)
    method = next((c.get("method") for c in comps if c.get("method")), "")
    note = (f"Paired over the same splits; ROPE (region of practical equivalence) ±{num(rope)}. " if rope is not None else "") + str(method)
    s["tables"].append(_table(["a vs b", "Metric", "Mean difference [95% CI]", "p", "P(a better)", "P(equivalent)",
                               "P(b better)", "Verdict"], rows, note=note.strip(), wrap=(7,)))
    s["figures"].append("comparisons")
    return s


def _outcome(c: dict) -> str:
    """The comparison's conclusion (the row already shows the pair and the difference)."""
    return str(c.get("outcome") or c.get("verdict") or "")


def attention_section(doc: dict) -> dict:
    att = dict_items(as_dict(doc.get("deep")).get("attention"))
    s = _section("attention", "Attention diagnostics", doc, ("attention",), bool(att))
    if not att:
        return s
    s["paragraphs"] += [f"{a.get('model', MISSING)} / {a.get('layer', MISSING)}: {a['verdict']}"
                        for a in att if a.get("verdict")]
    rows = [[str(a.get("model", MISSING)), str(a.get("layer", MISSING)), str(a.get("activation") or MISSING),
             num(a.get("normalized_entropy")), num(a.get("max_weight_ratio"), 2), signed(a.get("uniform_ablation_delta")),
             signed(a.get("permuted_ablation_delta")), _badge(a.get("status"))] for a in att]
    s["tables"].append(_table(["Model", "Layer", "Score activation", "Normalised entropy", "Max weight / uniform",
                               "Uniform ablation Δ", "Permuted ablation Δ", "Status"], rows,
                              note="Entropy 1 = uniform weights. Ablation Δ: score change when the weights are "
                                   "replaced by uniform or permuted ones (near zero = the weights do not matter)."))
    s["figures"] += [f"attention_{slug(a.get('model'))}_{slug(a.get('layer'))}" for a in att]
    return s


def _agreement(a: dict) -> str:
    ag = as_dict(a.get("agreement"))
    parts = [f"{words(k.replace('kendall_tau_vs_', 'vs '))} {num(v, 2)}" for k, v in ag.items()]
    return "; ".join(parts) if parts else MISSING


def attribution_section(doc: dict) -> dict:
    rows_in = dict_items(doc.get("attribution"))
    s = _section("attribution", "Attributions", doc, ("attribution", "explain"), bool(rows_in))
    if not rows_in:
        return s
    rows = []
    for a in rows_in:
        f = as_dict(a.get("faithfulness"))
        rows.append([str(a.get("model", MISSING)), words(a.get("method")), num(f.get("aopc")), num(f.get("random_aopc")),
                     _agreement(a), num(a.get("explained_series"))])
    s["tables"].append(_table(["Model", "Method", "AOPC", "Random AOPC", "Agreement (Kendall tau)", "Series"], rows,
                              wrap=(4,),
                              note="AOPC: mean score drop when the most important steps are removed first; it "
                                   "should clearly exceed the random order's. The heatmap shares the timestep "
                                   "axis of the map above."))
    s["figures"].append("attribution")
    return s


def config_section(doc: dict) -> dict:
    cfg = as_dict(doc.get("config"))
    tool = as_dict(doc.get("tool"))
    s = _section("config", "Run", doc, ("config",), bool(cfg or tool))
    rows = [[str(k), value(v)] for k, v in cfg.items()]
    if tool:
        rows.append(["tool", f"{tool.get('name', MISSING)} {tool.get('version', '')}".strip()])
    if doc.get("schema_version") is not None:
        rows.append(["schema version", str(doc["schema_version"])])
    if rows:
        s["tables"].append(_table(["Option", "Value"], rows))
    return s


SECTIONS = (dataset_section, health_section, baselines_section, shuffle_section, learning_curve_section,
            timestep_section, ceiling_section, labels_section, class_pairs_section, deep_models_section, lint_section, comparisons_section, attention_section,
            attribution_section, config_section)

# error keys some section shows; any other key in doc["errors"] is listed on its own
KNOWN_ERROR_HEADS = {"dataset", "health", "baseline", "baselines", "signal", "shuffle_test", "learning_curve",
                     "timestep_map", "ceiling", "label_issues", "class_pairs", "deep", "lint", "comparisons", "compare", "attention", "attribution",
                     "explain", "config"}


def sections(doc: dict) -> list[dict]:
    """All evidence sections, in report order."""
    return [build(doc) for build in SECTIONS]


def other_errors(doc: dict) -> list[str]:
    """Errors in ``doc["errors"]`` that no section shows."""
    errors = doc.get("errors") or {}
    if not isinstance(errors, dict):
        return [value(errors, 300)]
    return [f"{k}: {v}" for k, v in errors.items() if str(k).split(":", 1)[0] not in KNOWN_ERROR_HEADS]


__all__ = ["sections", "other_errors", "SECTIONS"]
