"""The report renderer: files, escaping, embedded figures, answers first, partial documents, determinism."""
from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import reports
from reports import figures as figs
from reports.answers import answers
from reports.formatting import value
from reports.html import display_size, render_html
from reports.markdown import render_markdown
from reports.sections import sections

FIXTURE = Path(__file__).parent / "fixtures" / "diagnosis_example.json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EVIL = "<script>alert(1)</script>"
QUESTIONS = ("Is there signal?", "How much?", "Would more data help?",
             "Do deep models beat the best classical baseline?", "Does attention add anything?", "Where in time?")


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(FIXTURE.read_text())


@pytest.fixture(scope="module")
def rendered(doc, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    paths = reports.render(doc, out)
    return paths, paths["html"].read_text(), paths["markdown"].read_text()


def _minimal(doc: dict) -> dict:
    return {k: copy.deepcopy(doc[k]) for k in ("schema_version", "tool", "dataset", "config", "health")}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(html)
    return p.tags


def test_fixture_is_an_eight_class_imbalanced_example_with_a_hostile_label(doc):
    counts = doc["dataset"]["class_counts"]
    assert len(counts) == 8 and max(counts.values()) >= 10 * min(counts.values())
    assert EVIL in doc["dataset"]["classes"] and "&" in doc["dataset"]["name"]


def test_fixture_matches_the_document_schema(doc):
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path(__file__).parents[1] / "diagnose" / "schema" / "diagnosis.schema.json"
    jsonschema.validate(doc, json.loads(schema_path.read_text()))


def test_render_writes_html_markdown_and_one_png_per_figure(rendered):
    paths, _, _ = rendered
    assert paths["html"].name == "report.html" and paths["html"].stat().st_size > 0
    assert paths["markdown"].name == "report.md" and paths["markdown"].stat().st_size > 0
    on_disk = sorted(p.name for p in (paths["html"].parent / "figures").glob("*.png"))
    assert on_disk == sorted(f"{n}.png" for n in paths["figures"])
    for name in ("class_balance", "confusion_minirocket", "confusion_bilstm", "shuffle_test", "learning_curve",
                 "timestep_map", "comparisons", "attribution", "attention_bilstm_attention_seq_self_attention"):
        assert paths["figures"][name].read_bytes().startswith(PNG_SIGNATURE)


def test_html_escapes_the_hostile_class_label_and_the_dataset_name(rendered):
    _, html, _ = rendered
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Gestures &amp; Taps &lt;v2&gt;" in html


def test_every_img_is_an_embedded_png(rendered):
    paths, html, _ = rendered
    imgs = [attrs for tag, attrs in _tags(html) if tag == "img"]
    assert len(imgs) == len(paths["figures"])
    for attrs in imgs:
        head, _, data = attrs["src"].partition(",")
        assert head == "data:image/png;base64"
        assert base64.b64decode(data, validate=True).startswith(PNG_SIGNATURE)


def test_html_loads_nothing_from_outside_and_has_no_scripts(rendered):
    _, html, _ = rendered
    tags = _tags(html)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object", "embed")]
    links = [v or "" for _, a in tags for k, v in a.items() if k in ("src", "href")]
    assert links and all(v.startswith(("data:image/png;base64,", "#")) for v in links)
    assert "@media print" in html


def test_answers_with_numbers_come_before_the_evidence(rendered, doc):
    _, html, _ = rendered
    evidence = html.index('<section id="dataset">')
    for q in QUESTIONS:
        assert html.index(q) < evidence
    best = next(b for b in doc["signal"]["baselines"] if b["name"] == doc["signal"]["best_baseline"])
    iv = best["intervals"]["balanced_accuracy"]
    top = html[:evidence]
    assert f"{best['balanced_accuracy']:.3f} [{iv['low']:.3f}, {iv['high']:.3f}]" in top
    assert f"p = {doc['signal']['shuffle_test']['p_value']:.3g}" in top
    assert "against chance 0.125" in top
    assert html.index('<section id="recommendations">') < evidence


def _answer(doc: dict, id_: str) -> dict:
    return next(a for a in answers(doc) if a["id"] == id_)


def test_deep_answer_says_no_when_every_interval_against_the_baseline_crosses_zero(doc):
    a = _answer(doc, "deep")
    assert a["headline"] == "No."
    assert a["answer"].startswith("No deep model is clearly better than minirocket (0.531 balanced accuracy)")
    assert "bilstm 0.481 (-4.1 points [-8.9, +0.7])" in a["answer"]


def test_deep_answer_finds_the_comparisons_when_the_baseline_is_stored_as_a_model_dict(doc):
    # diagnose writes deep.baseline as the whole model record; older documents hold just its name
    stored = copy.deepcopy(doc)
    stored["deep"]["baseline"] = copy.deepcopy(doc["signal"]["baselines"][-1])
    assert stored["deep"]["baseline"]["name"] == "minirocket"
    assert _answer(stored, "deep")["answer"] == _answer(doc, "deep")["answer"]


def test_deep_answer_says_yes_when_an_interval_lies_above_zero(doc):
    better = copy.deepcopy(doc)
    better["deep"]["comparisons"][0].update(mean_difference=0.05, ci_low=0.02, ci_high=0.08)
    a = _answer(better, "deep")
    assert a["headline"] == "Yes." and a["answer"].startswith("bilstm clearly beats minirocket")


def test_answers_each_carry_a_headline_and_link_to_their_evidence(rendered, doc):
    _, html, md = rendered
    heads = {a["id"]: a["headline"] for a in answers(doc)}
    assert heads == {"signal": "Yes, strong.", "how_much": "46% of the way from chance to perfect.",
                     "more_data": "Probably yes.", "deep": "No.", "attention": "No.", "where": "In 2 windows."}
    section_ids = {s["id"] for s in sections(doc)}
    for a in answers(doc):
        assert a["anchor"] in section_ids
        assert f'href="#{a["anchor"]}"' in html
    assert "**Is there signal? Yes, strong.**" in md


def test_where_answer_says_throughout_when_the_windows_cover_most_timesteps(doc):
    spread = copy.deepcopy(doc)
    T = len(doc["signal"]["timestep_map"]["q_value"])
    spread["signal"]["timestep_map"]["significant_windows"] = [
        {"channel": 1, "start": 0, "stop": T, "min_q": 1e-9}, {"channel": 0, "start": 12, "stop": 19, "min_q": 1e-3}]
    a = _answer(spread, "where")
    assert a["headline"] == "Throughout the series."
    assert f"steps 0-{T - 1}. Strongest: channel 1 (steps 0-{T - 1}), channel 0 (steps 12-18)." in a["answer"]


def test_where_answer_counts_the_significant_cells(doc):
    q = np.asarray(doc["signal"]["timestep_map"]["q_value"], float)
    a = _answer(doc, "where")
    assert a["answer"].startswith(f"{int((q < 0.05).sum())} of {q.size} timestep x channel cells differ")


def test_signal_answer_names_the_smallest_possible_p_value(doc):
    assert "p = 0.00498, the smallest possible with 200 shuffles." in _answer(doc, "signal")["answer"]
    bigger = copy.deepcopy(doc)
    bigger["signal"]["shuffle_test"]["p_value"] = 0.0149
    assert "smallest possible" not in _answer(bigger, "signal")["answer"]


def test_how_much_answer_gives_the_ceiling_only_when_the_best_model_stays_below_it(doc):
    assert "rough ceiling on accuracy at about 0.762" in " ".join(_answer(doc, "how_much")["details"])
    above = copy.deepcopy(doc)
    above["signal"]["ceiling"]["accuracy_ceiling"] = 0.6  # the best baseline's accuracy is 0.705
    assert _answer(above, "how_much")["details"] == []
    ceiling = next(s for s in sections(above) if s["id"] == "ceiling")
    assert any("above this ceiling" in p for p in ceiling["paragraphs"])


def test_recommendation_evidence_is_rendered_once_with_one_full_stop(rendered):
    _, html, md = rendered
    assert "0.750])." in html and "0.750]).." not in html
    assert "..*" not in md


def test_tables_show_the_four_metrics_with_their_interval_method(rendered, doc):
    _, html, _ = rendered
    for header in ("Balanced acc. = MAR", "Accuracy", "Macro precision (MAP)", "Macro F1"):
        assert f"<th>{header}</th>" in html
    assert "Nadeau-Bengio corrected t, 95%" in html
    logistic = next(b for b in doc["signal"]["baselines"] if b["name"] == "logistic")
    assert f"{logistic['macro_precision']:.3f} [" in html


def test_health_statuses_render_as_badges(rendered):
    _, html, _ = rendered
    assert '<span class="badge badge-fail">fail</span>' in html
    assert '<span class="badge badge-warn">warn</span>' in html


def test_markdown_has_the_answers_tables_and_existing_figure_links(rendered):
    paths, _, md = rendered
    assert "<script" not in md
    for q in QUESTIONS:
        assert q in md
    assert "| Model | Description | Balanced acc. = MAR |" in md
    links = [line.split("](", 1)[1].rstrip(")") for line in md.splitlines() if line.startswith("![")]
    assert len(links) == len(paths["figures"])
    for link in links:
        assert (paths["markdown"].parent / link).is_file()


def test_a_document_with_only_dataset_and_health_renders(doc, tmp_path):
    paths = reports.render(_minimal(doc), tmp_path)
    html = paths["html"].read_text()
    assert list(paths["figures"]) == ["class_balance"]
    assert "Not run." in html and "badge-fail" in html
    assert "Not run." in paths["markdown"].read_text()


def test_a_failed_section_shows_its_error_and_the_rest_renders(doc, tmp_path):
    broken = copy.deepcopy(doc)
    del broken["signal"]["shuffle_test"]
    broken["errors"] = {"shuffle_test": "ValueError: permutations <b>exploded</b>", "baseline:dtw_1nn": "MemoryError: too big",
                        "mystery": "RuntimeError: somewhere else"}
    paths = reports.render(broken, tmp_path)
    html = paths["html"].read_text()
    section = html[html.index('<section id="shuffle_test">'):html.index('<section id="learning_curve">')]
    assert "ValueError: permutations &lt;b&gt;exploded&lt;/b&gt;" in section
    assert "baseline:dtw_1nn: MemoryError: too big" in html
    assert "mystery: RuntimeError: somewhere else" in html
    assert "shuffle_test" not in paths["figures"] and "learning_curve" in paths["figures"]


@pytest.mark.parametrize("path", [
    ("signal",), ("deep",), ("attribution",), ("verdicts",), ("recommendations",), ("health",), ("config",),
    ("signal", "baselines"), ("signal", "shuffle_test"), ("signal", "learning_curve"), ("signal", "timestep_map"),
    ("signal", "ceiling"), ("signal", "verdict"), ("signal", "separable_classes"), ("deep", "models"),
    ("deep", "comparisons"), ("deep", "attention"), ("dataset", "class_counts"), ("dataset", "lengths"),
])
def test_a_none_section_renders_as_not_run(doc, path):
    partial = copy.deepcopy(doc)
    node = partial
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = None
    html = render_html(partial)
    md = render_markdown(partial)
    assert "Is there signal?" in html and "Is there signal?" in md


def test_none_values_inside_sections_do_not_crash_figures_or_tables(doc, tmp_path):
    partial = copy.deepcopy(doc)
    best = partial["signal"]["baselines"][-1]
    best.update(intervals=None, confusion=[[None, 1], [2]], accuracy=None)
    partial["signal"]["shuffle_test"].update(null_scores=None, p_value=None, observed=None)
    partial["signal"]["learning_curve"].update(fit=None, mean=[None] * 8, extrapolation={"2x": None})
    partial["signal"]["timestep_map"]["significant_windows"] = [{"channel": None}, "junk"]
    partial["deep"]["attention"][0]["weights_example"] = "not a matrix"
    partial["deep"]["comparisons"][0].update(ci_low=None, mean_difference=None)
    for a in partial["attribution"]:
        a["timestep_importance"] = [None] * 40
    paths = reports.render(partial, tmp_path)
    names = set(paths["figures"])
    assert {"shuffle_test", "attribution", f"confusion_{best['name']}"}.isdisjoint(names)
    assert {"learning_curve", "timestep_map", "comparisons"} <= names
    assert "could not be drawn" not in paths["html"].read_text()


def test_rendering_twice_gives_identical_html_and_png_bytes(doc, tmp_path):
    a = reports.render(doc, tmp_path / "a")
    b = reports.render(doc, tmp_path / "b")
    assert a["html"].read_bytes() == b["html"].read_bytes()
    assert a["markdown"].read_bytes() == b["markdown"].read_bytes()
    for name, path in a["figures"].items():
        assert path.read_bytes() == b["figures"][name].read_bytes(), name


def test_a_failing_render_leaves_the_previous_report_untouched(doc, tmp_path, monkeypatch):
    out = tmp_path / "report"
    reports.render(_minimal(doc), out)
    (out / "diagnosis.json").write_text("{}")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def explode(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr("reports.html.render_html", explode)
    with pytest.raises(RuntimeError, match="template broke"):
        reports.render(doc, out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary folder left behind


def test_rerendering_replaces_stale_figures_and_keeps_other_files(doc, tmp_path):
    reports.render(doc, tmp_path)
    (tmp_path / "diagnosis.json").write_text("{}")
    paths = reports.render(_minimal(doc), tmp_path)
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["class_balance.png"]
    assert (tmp_path / "diagnosis.json").read_text() == "{}"
    assert "Not run." in paths["html"].read_text()


def test_reports_renders_without_importing_diagnose(tmp_path):
    code = ("import json, sys, reports; "
            f"reports.render(json.load(open({str(FIXTURE)!r})), {str(tmp_path)!r}); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('diagnose', 'tensorflow', 'keras', 'shap')); "
            "print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("draw", [figs.class_balance_figure, figs.confusion_figure, figs.shuffle_figure,
                                  figs.learning_curve_figure, figs.timestep_map_figure, figs.attribution_figure,
                                  figs.comparison_figure, figs.attention_figure])
@pytest.mark.parametrize("part", [None, {}, []])
def test_figure_functions_return_none_when_there_is_nothing_to_plot(draw, part):
    assert draw(part) is None


def test_confusion_matrix_is_row_normalised_and_titled_with_accuracy_mar_map(doc):
    best = doc["signal"]["baselines"][-1]
    fig = figs.confusion_figure(best, doc["dataset"]["classes"])
    ax = fig.axes[0]
    matrix = ax.images[0].get_array()
    assert list(np.asarray(matrix.sum(axis=1))) == pytest.approx([1.0] * 8)
    title = ax.get_title()
    assert f"accuracy {best['accuracy']:.3f}" in title and f"MAR {best['balanced_accuracy']:.3f}" in title
    assert f"MAP {best['macro_precision']:.3f}" in title


def test_timestep_map_outlines_each_significant_window(doc):
    tmap = doc["signal"]["timestep_map"]
    ax = figs.timestep_map_figure(tmap).axes[0]
    boxes = sorted((round(p.get_x() + 0.5), round(p.get_y() + 0.5), round(p.get_width())) for p in ax.patches)
    expected = sorted((w["start"], w["channel"], w["stop"] - w["start"]) for w in tmap["significant_windows"])
    assert boxes == expected


def test_attribution_heatmap_shares_the_time_axis_of_the_signal_map(doc):
    tmap_ax = figs.timestep_map_figure(doc["signal"]["timestep_map"]).axes[0]
    attr_fig = figs.attribution_figure(doc["attribution"], doc["dataset"]["n_timesteps"])
    attr_ax = attr_fig.axes[0]
    assert attr_ax.get_xlim() == tmap_ax.get_xlim()
    assert attr_ax.get_position().x0 == pytest.approx(tmap_ax.get_position().x0)
    assert attr_ax.get_position().x1 == pytest.approx(tmap_ax.get_position().x1)
    assert attr_fig.get_figwidth() == tmap_ax.figure.get_figwidth()
    assert attr_ax.images[0].get_array().shape == (len(doc["attribution"]), doc["dataset"]["n_timesteps"])


def test_forest_plot_draws_one_interval_per_comparison_and_shades_the_rope(doc):
    comps = doc["deep"]["comparisons"]
    ax = figs.comparison_figure(comps).axes[0]
    assert len(ax.get_yticks()) == len(comps)
    band = ax.patches[0]
    assert band.get_x() == pytest.approx(-comps[0]["rope"])
    assert band.get_x() + band.get_width() == pytest.approx(comps[0]["rope"])


def test_dollar_signs_in_labels_do_not_trigger_mathtext(doc, tmp_path):
    odd = _minimal(doc)
    odd["dataset"]["class_counts"] = {"$x^2$ costs $5": 10, "plain": 20}
    paths = reports.render(odd, tmp_path)
    assert "class_balance" in paths["figures"]


def test_health_values_read_as_rounded_words_not_json():
    assert value({"ratio": 2.185185185185185, "majority_class": "3", "small": {}}) == "ratio 2.19, majority class 3, small none"
    assert value({"std": [0.49660806375710154, 0.38469826]}) == "std [0.497, 0.385]"


def test_learning_curve_axis_is_scaled_to_the_curve_not_to_chance(doc):
    curve = copy.deepcopy(doc["signal"]["learning_curve"])
    curve["scores"] = [[0.96 + 0.004 * i] * 3 for i in range(len(curve["train_sizes"]))]
    curve["mean"] = [0.96 + 0.004 * i for i in range(len(curve["train_sizes"]))]
    curve["fit"] = None
    curve["extrapolation"] = {"2x": {"size": 960, "mean": 0.995, "low": 0.99, "high": 0.998}}
    ax = figs.learning_curve_figure(curve, chance=0.125).axes[0]
    low, high = ax.get_ylim()
    assert 0.9 < low < 0.96 and 0.998 < high <= 1.01
    assert "chance 0.125 (below the axis)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_learning_curve_shows_the_chance_line_when_the_curve_is_near_chance(doc):
    ax = figs.learning_curve_figure(doc["signal"]["learning_curve"], chance=0.125).axes[0]
    assert ax.get_ylim()[0] < 0.125
    assert any(line.get_ydata()[0] == 0.125 for line in ax.get_lines() if len(line.get_ydata()) == 2)


def test_attention_colour_scale_starts_at_zero_so_near_uniform_weights_look_flat():
    L = 20
    w = np.full((L, L), 1 / L) + np.linspace(-0.002, 0.002, L)  # near-uniform rows
    im = figs.attention_figure({"model": "m", "layer": "a", "weights_example": w.tolist()}).axes[0].images[0]
    vmin, vmax = im.get_clim()
    assert vmin == 0 and vmax >= 3 / L


def test_figures_are_saved_sharp_and_shown_at_100_css_pixels_per_inch(doc):
    fig = figs.shuffle_figure(doc["signal"]["shuffle_test"])
    png = figs.png_bytes(fig)
    width_in, height_in = fig.get_size_inches()
    assert display_size(png) == (round(width_in * 100), round(height_in * 100))
    assert figs.DPI >= 150
    html = render_html(doc, {"shuffle_test": png})
    assert f'width="{round(width_in * 100)}" height="{round(height_in * 100)}"' in html


def test_rerendering_the_saved_json_with_the_cli_reproduces_the_report(doc, tmp_path):
    first = reports.render(doc, tmp_path / "a")
    saved = tmp_path / "a" / "diagnosis.json"
    saved.write_text(json.dumps(doc, indent=1))
    run = subprocess.run([sys.executable, "-m", "diagnose", "render", str(saved), "--out", str(tmp_path / "b")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    second = tmp_path / "b"
    assert (second / "report.html").read_bytes() == first["html"].read_bytes()
    assert (second / "report.md").read_bytes() == first["markdown"].read_bytes()
    assert sorted(p.name for p in (second / "figures").iterdir()) == sorted(p.name for p in first["figures"].values())
    for name, path in first["figures"].items():
        assert (second / "figures" / path.name).read_bytes() == path.read_bytes(), name


# --- the verdict text shown at the top of the report (diagnose.verdict) -------------------------------

def _comparison(a: str, b: str, mean: float, low: float, high: float, p: float, pa: float, pe: float, pb: float) -> dict:
    return {"a": a, "b": b, "metric": "balanced_accuracy", "mean_difference": mean, "ci_low": low, "ci_high": high,
            "p_value": p, "p_a_better": pa, "p_equivalent": pe, "p_b_better": pb, "rope": 0.01,
            "verdict": f"{a} vs {b}: ..."}


def _attention_doc(comparison: dict, status: str = "warn") -> dict:
    return {"deep": {"comparisons": [comparison], "attention": [
        {"model": "bilstm_attention", "layer": "self_attention", "normalized_entropy": 0.9996, "max_weight_ratio": 1.04,
         "uniform_ablation_delta": 0.0, "permuted_ablation_delta": 0.0, "status": status, "activation": "sigmoid",
         "metric": "balanced_accuracy", "verdict": "attention is near-uniform ..."}]},
        "attribution": [{"model": "bilstm_attention", "method": "integrated_gradients",
                         "agreement": {"kendall_tau_vs_bilstm": 0.18}},
                        {"model": "bilstm_attention", "method": "occlusion", "agreement": {"kendall_tau_vs_bilstm": 0.63}}]}


def test_attention_verdict_is_one_paragraph_of_full_sentences_that_names_the_pair_once():
    from diagnose.verdict import attention_verdict

    v = attention_verdict(_attention_doc(_comparison("bilstm_attention", "bilstm", -0.0309, -0.1384, 0.0767,
                                                     0.47, 0.18, 0.13, 0.69)))
    assert v["level"] == "adds nothing"
    assert v["summary"] == (
        "Attention changes balanced accuracy by -3.1 points [-13.8, +7.7] against the plain BiLSTM: no clear "
        "difference (p = 0.47), though too uncertain to call them equivalent (P(equivalent) = 0.13). "
        "Its weights are near-uniform (entropy 1.00 of uniform, largest weight 1.04x uniform): replacing them by "
        "uniform weights changes balanced accuracy by +0.0 points. "
        "Its attributions rank timesteps like the plain BiLSTM's to a Kendall tau of 0.18 (integrated gradients) "
        "and 0.63 (occlusion), where 1 means the same order.")


def test_attention_verdict_says_practically_no_difference_when_equivalence_is_likely():
    from diagnose.verdict import attention_verdict

    v = attention_verdict(_attention_doc(_comparison("bilstm_attention", "bilstm", 0.003, -0.012, 0.018,
                                                     0.62, 0.2, 0.71, 0.09)))
    assert v["level"] == "adds nothing"
    assert "+0.3 points [-1.2, +1.8] against the plain BiLSTM: practically no difference (P(equivalent) = 0.71" in v["summary"]


@pytest.mark.parametrize("mean, low, high, level, words", [
    (0.05, 0.02, 0.08, "helps", "attention is better (p = 0.01, P(attention better) = 0.97)"),
    (-0.05, -0.08, -0.02, "hurts", "attention is worse (p = 0.01, P(plain better) = 0.97)"),
])
def test_attention_verdict_level_follows_a_clear_difference(mean, low, high, level, words):
    from diagnose.verdict import attention_verdict

    pa, pb = (0.97, 0.01) if mean > 0 else (0.01, 0.97)
    v = attention_verdict(_attention_doc(_comparison("bilstm_attention", "bilstm", mean, low, high, 0.01, pa, 0.02, pb),
                                         status="pass"))
    assert v["level"] == level and words in v["summary"]
    assert "Its weights are focused" in v["summary"]


def test_attention_verdict_without_an_attention_model_says_so():
    from diagnose.verdict import attention_verdict

    v = attention_verdict({"deep": {"comparisons": [_comparison("bilstm", "minirocket", -0.06, -0.09, -0.03,
                                                                0.003, 0.0, 0.0, 1.0)], "attention": []}})
    assert v == {"level": None, "summary": "No attention model was compared."}


def test_recommendation_evidence_gives_the_finding_without_repeating_the_advice(doc):
    from diagnose.verdict import recommendations

    recs = {r["id"]: r for r in recommendations(doc)}
    assert recs["class_weights"]["evidence"] == "class 'walk' has 24x the series of class 'climb'"
    assert recs["more_data"]["evidence"].startswith("minirocket's learning curve: 0.556 at 480 training series; "
                                                    "2x the data: 0.608 [0.574, 0.642]")
    assert recs["inseparable_classes"]["text"].startswith("Class climb is not told apart from the rest")
    assert "sigmoid" not in recs["attention_uniform"]["text"]  # the fixture's layer has no activation recorded
    assert recs["use_baseline"]["evidence"] == ("bilstm_attention - minirocket: -3.8 points [-8.7, +1.1] "
                                                "balanced accuracy, paired over the same splits")
