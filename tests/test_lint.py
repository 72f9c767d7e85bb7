"""Model lint reads a model before training and says what will hurt; the report shows it as a table."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from signal_diagnostics.data import synthetic  # noqa: E402
from signal_diagnostics.models.lint import lint, lint_model  # noqa: E402

T, C = 10, 2


@pytest.fixture(scope="module")
def data():
    d = synthetic.bump(n=30, T=T, C=C, start=3, stop=6, amplitude=2.0, seed=0)
    X = d.X.copy()
    X[::2, 6:] = 0.0  # half the series padded from step 6
    lengths = np.where(np.arange(30) % 2 == 0, 6, T)
    return X, d.y_codes, lengths


def checks(findings):
    return {f["check"] for f in findings}


def test_the_zoo_bilstm_is_flagged_for_flatten_after_masking(data):
    X, y, lengths = data
    (finding,) = [
        f for f in lint("bilstm", X, y, lengths, 2, hyper={"units": 4}) if f["check"] == "flatten_after_masking"
    ]
    assert finding["status"] == "warn" and finding["model"] == "bilstm"
    assert finding["evidence"]["masking_layer"] == "padding" and "pool" in finding["fix"].lower()


def test_attention_pooling_is_not_flagged(data):
    X, y, lengths = data
    assert lint("bilstm_attention_pool", X, y, lengths, 2, hyper={"units": 4}) == []


def test_sigmoid_attention_is_flagged_and_its_padding_share_measured(data):
    X, y, lengths = data
    found = {f["check"]: f for f in lint("bilstm_attention", X, y, lengths, 2, hyper={"units": 4})}
    assert {"flatten_after_masking", "bounded_attention", "attention_on_padding"} == set(found)
    assert found["bounded_attention"]["evidence"]["max_weight_ratio_cap"] == pytest.approx(np.e)
    assert 0.05 < found["attention_on_padding"]["evidence"]["padding_share"] < 0.5


def _accuracy_model():
    inputs = keras.Input((T, C))
    x = keras.layers.GlobalAveragePooling1D()(keras.layers.Masking(0.0)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def test_accuracy_as_the_only_metric_is_flagged_on_imbalanced_data_only():
    imbalanced = np.array([0] * 24 + [1] * 6)
    balanced = np.array([0, 1] * 15)
    (finding,) = lint_model("m", _accuracy_model(), y=imbalanced)
    assert finding["check"] == "accuracy_only_metric" and finding["evidence"]["imbalance_ratio"] == 4.0
    assert lint_model("m", _accuracy_model(), y=balanced) == []


def test_report_shows_the_findings_in_a_model_lint_table():
    from signal_diagnostics.reports.deep_sections import lint_section
    from signal_diagnostics.reports.html import render_html

    finding = {
        "model": "<b>mine</b>",
        "check": "flatten_after_masking",
        "status": "warn",
        "message": "Flatten comes after Masking",
        "evidence": {},
        "fix": "pool over the real steps",
    }
    section = lint_section({"deep": {"lint": [finding]}})
    assert section["state"] == "ok" and section["title"] == "Model lint"
    (table,) = section["tables"]
    assert table["rows"][0][0] == "<b>mine</b>" and table["rows"][0][2]["badge"] == "warn"
    assert lint_section({"deep": {"models": []}})["state"] == "not run"
    html = render_html({"deep": {"lint": [finding]}})
    assert "Model lint" in html and "&lt;b&gt;mine&lt;/b&gt;" in html and "<b>mine</b>" not in html
