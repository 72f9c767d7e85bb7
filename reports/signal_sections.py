"""The sections on the data and its signal: dataset, health, baselines, shuffle test, learning curve,
time steps, ceiling, label issues and class pairs (built from a Diagnosis document alone).

The last three, on what limits the signal, live in :mod:`reports.limit_sections` and are importable from here.
"""

from __future__ import annotations

from .answers import as_dict, best_baseline, dict_items, n_classes
from .formatting import MISSING, interval, is_number, num, pval, seconds, value, words
from .limit_sections import ceiling_section, class_pairs_section, labels_section
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
