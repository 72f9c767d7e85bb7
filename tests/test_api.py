"""signal_diagnostics.report in a notebook: one call from arrays to a Diagnosis that shows, saves and reloads itself."""

import json
import re

import numpy as np
import pytest
from conftest import planted_bump

import signal_diagnostics
from signal_diagnostics import DataError, Diagnosis

QUESTIONS = ("signal", "how_much", "more_data", "deep", "attention", "where")
FAST = {
    "profile": "quick",
    "n_permutations": 19,
    "baselines": ["chance_prior", "logistic"],
    "curve_repeats": 2,
    "progress": False,
}


@pytest.fixture(scope="module")
def diagnosis():
    X, y = planted_bump()
    return signal_diagnostics.report((X, y), deep=False, **FAST)


def test_report_from_arrays_returns_a_diagnosis_with_verdicts(diagnosis):
    assert isinstance(diagnosis, Diagnosis)
    assert diagnosis.verdicts["signal"]["level"] in ("weak", "strong")
    assert diagnosis.to_dict()["dataset"]["n_series"] == 60
    assert diagnosis.to_dict()["config"]["n_permutations"] == 19  # options reach the Config


def test_html_card_holds_the_six_answers_and_no_external_resource(diagnosis):
    page = diagnosis._repr_html_()
    for question in QUESTIONS:
        assert f'data-answer="{question}"' in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?://""", page, re.I)
    assert "<script" not in page.lower()


def test_repr_is_short_and_names_the_answers(diagnosis):
    text = repr(diagnosis)
    assert len(text) < 1000
    assert text.startswith("Diagnosis('data', 60 series x 20 steps x 2 channels")
    assert "signal:" in text and "where:" in text


def test_save_and_load_round_trip(diagnosis, tmp_path):
    path = diagnosis.save(tmp_path / "d.json")
    again = Diagnosis.load(path)
    assert again.to_dict() == diagnosis.to_dict()
    assert again.verdicts == diagnosis.verdicts


def test_notes_from_loading_reach_the_document_and_match_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from signal_diagnostics.pipeline.document import SCHEMA_PATH

    X, y = planted_bump()
    onehot = (y[:, None] == np.array(["bump", "calm"])).astype(float)
    with pytest.warns(signal_diagnostics.errors.DataWarning, match="one-hot"):
        d = signal_diagnostics.report((X, onehot), deep=False, **{**FAST, "learning_curve": False})
    assert any("one-hot" in n for n in d.to_dict()["dataset"]["notes"])
    jsonschema.validate(d.to_dict(), json.loads(SCHEMA_PATH.read_text()))


def test_render_writes_the_report_from_the_document(diagnosis, tmp_path):
    paths = diagnosis.render(tmp_path / "out")
    assert paths["html"].exists() and paths["markdown"].exists()


def test_unknown_options_are_refused_with_the_known_ones():
    with pytest.raises(DataError, match=r"unknown option\(s\) permutation:.*permutations"):
        signal_diagnostics.report(planted_bump(), deep=False, permutation=10)


def test_unknown_profile_is_refused():
    with pytest.raises(DataError, match="unknown profile 'fast'"):
        signal_diagnostics.report(planted_bump(), profile="fast")


def test_a_class_smaller_than_the_folds_is_refused_before_any_work(tmp_path):
    X, y = planted_bump()
    y = y.copy()
    y[:3] = "rare"
    with pytest.raises(DataError, match="fewer than 5 series"):
        signal_diagnostics.report((X, y), out=tmp_path / "out", profile="quick", deep=False)
    assert not (tmp_path / "out").exists()


def test_an_unknown_model_name_is_refused_before_any_work(tmp_path, monkeypatch):
    from signal_diagnostics.pipeline import assemble

    def no_work(*args, **kwargs):
        raise AssertionError("the pipeline ran before the model name was checked")

    monkeypatch.setattr(assemble, "run_report_document", no_work)
    X, y = planted_bump()
    with pytest.raises(DataError, match="unknown model 'bilsm'"):
        signal_diagnostics.report((X, y), out=tmp_path / "out", profile="quick", models=["bilsm"], progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("cache", [False, None])
def test_cache_false_keeps_no_cache_in_the_out_folder(cache, tmp_path):
    X, y = planted_bump(n=40, T=12)
    signal_diagnostics.report((X, y), out=tmp_path / "out", deep=False, cache=cache, **FAST)
    assert (tmp_path / "out" / "diagnosis.json").exists()
    assert (tmp_path / "out" / ".cache").exists() is (cache is None)


@pytest.mark.slow
def test_report_with_the_deep_part_on_tiny_data(tmp_path):
    X, y = planted_bump(n=40, T=12)
    d = signal_diagnostics.report(
        (X, y),
        out=tmp_path / "out",
        profile="quick",
        deep=True,
        folds=2,
        epochs=1,
        units=4,
        samples=6,
        models=["bilstm"],
        methods=["occlusion"],
        **FAST,
    )
    assert d.to_dict()["deep"]["models"][0]["name"] == "bilstm"
    assert 'data-answer="deep"' in d._repr_html_()
    assert (tmp_path / "out" / "diagnosis.json").exists() and (tmp_path / "out" / "report.html").exists()


def test_the_card_escapes_user_strings():
    d = Diagnosis({"schema_version": "1.0", "dataset": {"name": "<script>alert(1)</script>", "n_series": 3}})
    page = d._repr_html_()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("data-answer=") == 8  # a document with nothing run still answers "not run"
