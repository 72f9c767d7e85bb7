"""explain_models: train, explain held-out series, score faithfulness and agreement."""

import json
from pathlib import Path

import pytest

import signal_diagnostics
from signal_diagnostics.attribution import explain_models
from signal_diagnostics.checks.timemap import timestep_signal
from signal_diagnostics.data import synthetic

pytest.importorskip("signal_diagnostics.models.training")
T = 20


@pytest.fixture(scope="module")
def section():
    d = synthetic.bump(n=160, T=T, C=2, start=8, stop=12, amplitude=2.0, seed=0)
    timestep_map = timestep_signal(d.X, d.y_codes).to_dict()
    return explain_models(
        d,
        ["bilstm", "bilstm_attention_pool"],
        methods=["shap", "integrated_gradients", "occlusion", "attention"],
        samples=16,
        epochs=10,
        random_state=0,
        hyper={"units": 16, "depth": 1},
        timestep_map=timestep_map,
        references={"bilstm_attention_pool": "bilstm"},
    )


def test_methods_that_do_not_apply_are_skipped(section):
    pairs = {(r["model"], r["method"]) for r in section}
    assert ("bilstm", "attention") not in pairs
    assert ("bilstm_attention_pool", "attention") in pairs
    assert len(pairs) == 7


def test_rows_have_the_document_shape(section):
    for row in section:
        assert len(row["timestep_importance"]) == T and len(row["channel_importance"]) == 2
        assert set(row["faithfulness"]) == {"aopc", "random_aopc"}
        assert set(row["class_timestep_importance"]) <= {"0", "1"}
    json.dumps(section)


def test_section_validates_against_the_document_schema(section):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(signal_diagnostics.__file__).parent / "schema" / "diagnosis.schema.json").read_text())
    jsonschema.validate(section, schema["properties"]["attribution"])


def test_agreement_compares_models_methods_and_the_timestep_map(section):
    row = next(r for r in section if r["model"] == "bilstm_attention_pool" and r["method"] == "attention")
    assert {
        "kendall_tau_vs_timestep_map",
        "kendall_tau_vs_shap",
        "kendall_tau_vs_integrated_gradients",
        "kendall_tau_vs_occlusion",
    } <= set(row["agreement"])
    shap = next(r for r in section if r["model"] == "bilstm_attention_pool" and r["method"] == "shap")
    assert "kendall_tau_vs_reference" in shap["agreement"] and shap["reference"] == "bilstm"
    plain = next(r for r in section if r["model"] == "bilstm" and r["method"] == "shap")
    assert "kendall_tau_vs_reference" not in plain["agreement"]  # bilstm has no reference of its own
    ig = next(r for r in section if r["model"] == "bilstm" and r["method"] == "integrated_gradients")
    assert ig["completeness"]["mean_relative_error"] < 0.05
    # the classical map and the model both see the planted window, so they rank steps alike
    assert ig["agreement"]["kendall_tau_vs_timestep_map"] > 0.2
