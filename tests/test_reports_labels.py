"""The labels and class-pair sections, the class-pair figure and the cluster windows, from document fields alone."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from signal_diagnostics import reports
from signal_diagnostics.reports import figures as figs
from signal_diagnostics.reports.sections import sections

FIXTURE = Path(__file__).parent / "fixtures" / "diagnosis_example.json"
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def doc() -> dict:
    d = json.loads(FIXTURE.read_text())
    classes = [str(c) for c in d["dataset"]["classes"]][:3]
    sig = d["signal"]
    sig["label_issues"] = {
        "n_issues": 12,
        "share": 0.06,
        "interval": {"low": 0.04, "high": 0.08, "method": "bootstrap percentile"},
        "noise_matrix": [[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.0, 0.0, 1.0]],
        "model_error": 0.2,
        "suspects": [
            {"index": 7, "given": EVIL, "likely": classes[0], "given_probability": 0.1, "likely_probability": 0.8}
        ],
        "restates_error": False,
        "health_score": 0.94,
        "classes": [EVIL] + classes[1:],
        "n_series": 200,
        "message": "About 12 series look mislabelled.",
        "method": "cleanlab",
    }
    sig["class_pairs"] = {
        "classes": classes,
        "matrix": [[None, 0.9, 0.95], [0.9, None, 0.52], [0.95, 0.52, None]],
        "p_values": [[None, 0.005, 0.005], [0.005, None, 0.4], [0.005, 0.4, None]],
        "q_values": [[None, 0.0075, 0.0075], [0.0075, None, 0.4], [0.0075, 0.4, None]],
        "indistinguishable": [[False, False, False], [False, False, True], [False, True, False]],
        "indistinguishable_groups": [classes[1:]],
        "alpha": 0.05,
        "method": "two-class ridge per pair",
        "pairs": [
            {
                "a": classes[1],
                "b": classes[2],
                "balanced_accuracy": 0.52,
                "p_value": 0.4,
                "q_value": 0.4,
                "distinguishable": False,
            }
        ],
        "per_class": {
            "model": "minirocket",
            "recall": [{"class": c, "recall": 0.5, "low": 0.3, "high": 0.7, "n": 20} for c in classes],
            "balanced_weights": {
                "recall": [0.9, 0.3, 0.3],
                "recall_balanced": [0.7, 0.5, 0.5],
                "balanced_accuracy": 0.5,
                "balanced_accuracy_balanced": 0.57,
                "accuracy": 0.8,
                "accuracy_balanced": 0.7,
                "method": "argmax p / prior",
            },
        },
    }
    sig["timestep_map"]["clusters"] = [
        {
            "channel": 0,
            "channels": [0],
            "start": 2,
            "stop": 5,
            "mass": 40.0,
            "p_value": 0.001,
            "significant": True,
            "words": "channel 0, steps 2-4",
        }
    ]
    sig["timestep_map"]["cluster_alpha"] = 0.05
    return d


def test_labels_and_class_pair_sections_show_the_fields(doc):
    by = {s["id"]: s for s in sections(doc)}
    labels, pairs = by["label_issues"], by["class_pairs"]
    assert labels["state"] == "ok" and "About 12 series look mislabelled." in labels["paragraphs"]
    assert any(t["caption"].startswith("Most suspect") for t in labels["tables"])
    assert pairs["state"] == "ok" and pairs["figures"] == ["class_pairs"]
    assert any("not told apart" in p for p in pairs["paragraphs"])
    assert any(t["caption"] == "Per-class recall" and len(t["headers"]) == 5 for t in pairs["tables"])
    windows = next(t for t in by["timestep_map"]["tables"] if t["caption"].startswith("Cluster-test windows"))
    assert windows["rows"][0][0] == "channel 0, steps 2-4"


def test_missing_fields_leave_the_sections_not_run(doc):
    bare = copy.deepcopy(doc)
    del bare["signal"]["label_issues"], bare["signal"]["class_pairs"]
    by = {s["id"]: s for s in sections(bare)}
    assert by["label_issues"]["state"] == "not run" and by["class_pairs"]["state"] == "not run"
    assert figs.class_pairs_figure(None) is None


def test_report_draws_the_class_pair_figure_and_escapes_labels(doc, tmp_path):
    paths = reports.render(doc, tmp_path)
    html = paths["html"].read_text()
    assert "Label issues" in html and "Which classes can be told apart" in html
    assert EVIL not in html and "&lt;script&gt;" in html
    assert (tmp_path / "figures" / "class_pairs.png").exists()
