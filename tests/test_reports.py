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
from markupsafe import escape

from signal_diagnostics import reports
from signal_diagnostics.reports import figures as figs
from signal_diagnostics.reports import plotting
from signal_diagnostics.reports.answers import answers
from signal_diagnostics.reports.formatting import value
from signal_diagnostics.reports.html import display_size, render_html
from signal_diagnostics.reports.markdown import render_markdown
from signal_diagnostics.reports.sections import sections

FIXTURE = Path(__file__).parent / "fixtures" / "diagnosis_example.json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EVIL = "<script>alert(1)</script>"
QUESTIONS = (
    "Is there signal?",
    "How much?",
    "Would more data help?",
    "Do deep models beat the best classical baseline?",
    "Does attention add anything?",
    "Where in time?",
)


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
    for name in (
        "class_balance",
        "confusion_minirocket",
        "confusion_bilstm",
        "shuffle_test",
        "learning_curve",
        "timestep_map",
        "comparisons",
        "attribution",
        "attention_bilstm_attention_seq_self_attention",
    ):
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
    assert f"p = {doc['signal']['shuffle_test']['p_value']:.2g}" in top
    assert "against 1/8 = 0.125" in top
    assert html.index('<section id="recommendations">') < evidence


def test_answers_each_carry_a_headline_and_link_to_their_evidence(rendered, doc):
    _, html, md = rendered
    heads = {a["id"]: a["headline"] for a in answers(doc) if a["id"] in doc["verdicts"]}
    assert heads == {
        "signal": "Yes, strong.",
        "how_much": "46% of the way from chance to perfect.",
        "more_data": "Probably yes.",
        "deep": "Not shown either way.",  # -4.1 points [-8.9, +0.7]: not "No" (issue 22)
        "attention": "Not shown either way.",
        "where": "In 2 windows.",
    }
    section_ids = {s["id"] for s in sections(doc)}
    for a in answers(doc):
        assert a["anchor"] in section_ids
        assert f'href="#{a["anchor"]}"' in html
    assert "**Is there signal? Yes, strong.**" in md


def test_recommendation_evidence_is_rendered_once_with_one_full_stop(rendered):
    _, html, md = rendered
    assert "ten times the data.</span>" in html and "the data..</span>" not in html
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
    broken["errors"] = {
        "shuffle_test": "ValueError: permutations <b>exploded</b>",
        "baseline:dtw_1nn": "MemoryError: too big",
        "mystery": "RuntimeError: somewhere else",
    }
    paths = reports.render(broken, tmp_path)
    html = paths["html"].read_text()
    section = html[html.index('<section id="shuffle_test">') : html.index('<section id="learning_curve">')]
    assert "ValueError: permutations &lt;b&gt;exploded&lt;/b&gt;" in section
    assert "baseline:dtw_1nn: MemoryError: too big" in html
    assert "mystery: RuntimeError: somewhere else" in html
    assert "shuffle_test" not in paths["figures"] and "learning_curve" in paths["figures"]


@pytest.mark.parametrize(
    "path",
    [
        ("signal",),
        ("deep",),
        ("attribution",),
        ("verdicts",),
        ("recommendations",),
        ("health",),
        ("config",),
        ("signal", "baselines"),
        ("signal", "shuffle_test"),
        ("signal", "learning_curve"),
        ("signal", "timestep_map"),
        ("signal", "ceiling"),
        ("signal", "verdict"),
        ("signal", "separable_classes"),
        ("deep", "models"),
        ("deep", "comparisons"),
        ("deep", "attention"),
        ("dataset", "class_counts"),
        ("dataset", "lengths"),
    ],
)
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

    monkeypatch.setattr("signal_diagnostics.reports.html.render_html", explode)
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
    code = (
        "import json, sys; from signal_diagnostics import reports; "
        f"reports.render(json.load(open({str(FIXTURE)!r})), {str(tmp_path)!r}); "
        "ours = [m for m in sys.modules if m.startswith('signal_diagnostics.')]; "
        "bad = sorted(m for m in ours if not m.startswith('signal_diagnostics.reports')); "
        "bad += sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'shap')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(
    "draw",
    [
        figs.class_balance_figure,
        figs.confusion_figure,
        figs.shuffle_figure,
        figs.learning_curve_figure,
        figs.timestep_map_figure,
        figs.attribution_figure,
        figs.comparison_figure,
        figs.attention_figure,
    ],
)
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
    assert (
        value({"ratio": 2.185185185185185, "majority_class": "3", "small": {}})
        == "ratio 2.19, majority class 3, small none"
    )
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
    assert plotting.DPI >= 150
    html = render_html(doc, {"shuffle_test": png})
    assert f'width="{round(width_in * 100)}" height="{round(height_in * 100)}"' in html


def test_rerendering_the_saved_json_with_the_cli_reproduces_the_report(doc, tmp_path):
    first = reports.render(doc, tmp_path / "a")
    saved = tmp_path / "a" / "diagnosis.json"
    saved.write_text(json.dumps(doc, indent=1))
    run = subprocess.run(
        [sys.executable, "-m", "signal_diagnostics", "render", str(saved), "--out", str(tmp_path / "b")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    second = tmp_path / "b"
    assert (second / "report.html").read_bytes() == first["html"].read_bytes()
    assert (second / "report.md").read_bytes() == first["markdown"].read_bytes()
    assert sorted(p.name for p in (second / "figures").iterdir()) == sorted(p.name for p in first["figures"].values())
    for name, path in first["figures"].items():
        assert (second / "figures" / path.name).read_bytes() == path.read_bytes(), name


def test_every_answer_on_the_first_screen_is_a_verdict_of_the_document(rendered, doc):
    _, html, md = rendered
    top = html[: html.index('<section id="dataset">')]
    for a in answers(doc):
        if a["id"] not in doc["verdicts"]:
            assert a["answer"] == "Not run."  # the fixture predates label issues and class pairs
            continue
        v = doc["verdicts"][a["id"]]
        assert (a["headline"], a["answer"], a["details"]) == (v["headline"], v["sentence"], v["details"])
        assert escape(v["sentence"]) in top
        assert v["headline"] in md


def test_rerendering_a_saved_document_gives_the_same_first_screen(doc, tmp_path):
    path = tmp_path / "diagnosis.json"
    path.write_text(json.dumps(doc))
    again = json.loads(path.read_text())
    assert answers(again) == answers(doc)
    first = reports.render(doc, tmp_path / "a")["html"].read_text()
    second = reports.render(again, tmp_path / "b")["html"].read_text()
    cut = first.index('<section id="dataset">')
    assert second[:cut] == first[:cut]


def test_reports_holds_no_decision_rule():
    import inspect

    source = inspect.getsource(reports.answers)
    for rule in ("p_value", "ci_low", "gain", "<= 0.05", "mean_difference"):
        assert rule not in source


def test_a_shuffle_test_that_stopped_early_says_how_many_shuffles_it_drew(doc):
    from signal_diagnostics.pipeline.verdicts.decide import decide
    from signal_diagnostics.reports.signal_sections import shuffle_section

    d = copy.deepcopy(doc)
    st = d["signal"]["shuffle_test"]
    st.update(p_value=20 / 57, permutations_drawn=57, permutations_max=st["n_permutations"], sequential_h=20)
    text = " ".join(shuffle_section(d)["paragraphs"])
    assert f"57 label shuffles (stopped after 57 of {st['n_permutations']}: p clearly large)" in text
    assert "p = 20 / shuffles drawn" in text
    assert decide(d)["signal"]["evidence"]["permutations_drawn"] == 57
    d["signal"]["baselines"] = []  # no baseline above chance: the answer is "none", with the test's own words
    assert f"stopped after 57 of {st['n_permutations']}: p clearly large" in decide(d)["signal"]["sentence"]
    st.update(permutations_drawn=st["n_permutations"])  # drew them all: the fixed design's words
    assert "(shuffles scoring at least the observed + 1) / (shuffles + 1)" in " ".join(shuffle_section(d)["paragraphs"])
