"""The trained-uniform control (an attention model trained with its weights frozen to uniform) and the seed
stability of attention weights (Wiegreffe & Pinter 2019, section 4)."""

import json

import numpy as np
import pytest

from signal_diagnostics.data import synthetic
from signal_diagnostics.evaluation.weight_stability import jsd, seed_stability

HYPER = {"learning_rate": 0.05}


def cue_attention(input_shape, n_classes, **_):
    """Masking -> attention pooling over the raw steps -> softmax: it can read the label only where it attends."""
    import keras

    from signal_diagnostics.models.attention import AttentionPooling

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Masking(0.0)(inputs)
    x = AttentionPooling(units=16, name="pool")(x)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax", name="out")(x))


def cue_plain(input_shape, n_classes, **_):
    """The same stack without attention: a masked mean over the steps."""
    import keras

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Masking(0.0)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax", name="out")(x))


def dot_attention(input_shape, n_classes, **_):
    """Keras's own (dot-product) self-attention on the masked steps, then a masked mean."""
    import keras

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Masking(0.0)(inputs)
    x = keras.layers.Attention(name="dot")([x, x])
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax", name="out")(x))


def scores_only(input_shape, n_classes, **_):
    """A custom attention layer that returns its scores but offers no way to replace them."""
    import keras

    class ReadOnlyAttention(keras.layers.Layer):
        def call(self, inputs, return_attention_scores=False):
            a = keras.ops.softmax(keras.ops.matmul(inputs, keras.ops.transpose(inputs, (0, 2, 1))), axis=-1)
            out = keras.ops.matmul(a, inputs)
            return (out, a) if return_attention_scores else out

    inputs = keras.Input(shape=input_shape)
    x = ReadOnlyAttention(name="read_only")(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))


# --- seed stability -------------------------------------------------------------------------------------------


def _rows(rng, lengths, n_rows=4, concentration=0.3):
    """Per series, ``n_rows`` random weight rows (Dirichlet) over its real keys."""
    return [rng.dirichlet(np.full(L, concentration), size=n_rows) for L in lengths]


def test_jsd_is_zero_for_equal_rows_and_one_for_disjoint_rows():
    assert float(jsd(np.array([0.2, 0.8]), np.array([0.2, 0.8]))) == pytest.approx(0.0, abs=1e-12)
    assert float(jsd(np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.5, 0.5]))) == pytest.approx(1.0)


def test_identical_weights_across_seeds_have_zero_divergence_and_read_as_the_same_focus():
    rng = np.random.default_rng(0)
    lengths = rng.integers(6, 13, size=12)
    splits = []
    for _ in range(2):
        rows = _rows(rng, lengths)
        splits.append([rows, [r.copy() for r in rows], [r.copy() for r in rows]])  # three seeds, same weights
    st = seed_stability("m", "layer", splits, seed=1)
    assert st.between_seeds == pytest.approx(0.0, abs=1e-12)
    assert st.vs_shuffled > 0.2 and st.vs_uniform > 0.1
    assert st.reading == "same focus" and st.seeds == 3 and st.splits == 2
    assert st.rows == 2 * 3 * 12 * 4  # splits x seed pairs x series x rows


def test_independent_random_weights_come_near_the_shuffled_baseline():
    rng = np.random.default_rng(1)
    lengths = np.full(40, 10)
    splits = [[_rows(rng, lengths), _rows(rng, lengths)] for _ in range(3)]
    st = seed_stability("m", "layer", splits, seed=2)
    assert st.between_seeds == pytest.approx(st.vs_shuffled, rel=0.1)
    assert st.reading == "different focus"


def test_uniform_rows_read_as_flat():
    lengths = [5, 8, 8]
    rows = [np.full((3, L), 1.0 / L) for L in lengths]
    st = seed_stability("m", "layer", [[rows, rows]])
    assert st.between_seeds == pytest.approx(0.0, abs=1e-12) and st.reading == "flat"
    assert "Jensen-Shannon" in st.method and "shuffled across" in st.method


def test_seed_stability_needs_two_seeds():
    with pytest.raises(ValueError, match="two seeds"):
        seed_stability("m", "layer", [[[np.ones((1, 3)) / 3]]])


# --- the frozen model -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("builder, layer", [(cue_attention, "pool"), (dot_attention, "dot")])
def test_the_control_trains_with_uniform_weights_over_the_real_steps(builder, layer):
    import keras

    from signal_diagnostics.models.training import fit
    from signal_diagnostics.models.uniform_attention import UniformAttention

    ds = synthetic.cue(n=40, T=10, seed=3)
    before = keras.utils.set_random_seed(5) or builder(ds.X.shape[1:], 2)
    start = {w.path.split("/", 1)[1]: np.array(w) for w in before.get_layer(layer).weights}
    trained = fit(UniformAttention(builder), ds.X, ds.y_codes, n_classes=2, epochs=3, batch_size=8, seed=5, hyper=HYPER)
    assert trained.name == f"{builder.__name__} (uniform attention)"
    call = next(lyr for lyr in trained.model.layers if type(lyr).__name__ == "AttentionCall")
    weights = np.asarray(keras.Model(trained.model.input, call.output[1])(trained.standardise(ds.X)))
    weights = weights[:, None, :] if weights.ndim == 2 else weights
    for w, L in zip(weights, ds.lengths):
        rows = w[: min(L, w.shape[0])]
        np.testing.assert_allclose(rows[:, :L], 1.0 / L, atol=1e-5)  # uniform over the real steps
        np.testing.assert_allclose(rows[:, L:], 0.0, atol=1e-6)  # nothing on padding
    # the layer's score parameters never got a gradient: the override held in training, not only at evaluation
    after = {w.path.split("/", 1)[1]: np.array(w) for w in call.inner.weights}
    for name, value in start.items():
        np.testing.assert_allclose(after[name], value, err_msg=name)
    assert not np.allclose(np.array(trained.model.get_layer("out").kernel), np.array(before.get_layer("out").kernel))


def test_a_layer_that_cannot_be_frozen_gets_a_reason_and_no_control():
    from signal_diagnostics.models.uniform_attention import uniform_support
    from signal_diagnostics.pipeline.uniform_control import annotate_attention, plan_controls

    support = uniform_support(scores_only, (8, 2), 2)
    assert support["layers"] == ["read_only"]
    assert [u["layer"] for u in support["unsupported"]] == ["read_only"]
    assert "replace" in support["unsupported"][0]["reason"]
    assert uniform_support(cue_plain, (8, 2), 2) is None  # no attention: nothing to control

    plans = plan_controls([scores_only, cue_attention], ["scores_only", "cue_attention"], (8, 2), 2, None)
    assert plans["scores_only"]["variant"] is None
    assert plans["cue_attention"]["variant"] == "cue_attention (uniform attention)"
    rows = [{"model": "scores_only", "layer": "read_only"}, {"model": "cue_attention", "layer": "pool"}]
    annotate_attention(rows, plans, True, {})
    assert rows[0]["uniform_control"]["variant"] is None and "replace" in rows[0]["uniform_control"]["reason"]
    assert rows[1]["uniform_control"] == {"variant": "cue_attention (uniform attention)", "reason": None}
    assert rows[1]["seed_stability"] is None


# --- options --------------------------------------------------------------------------------------------------


def test_the_control_is_on_by_default_and_off_in_the_quick_profile():
    from signal_diagnostics.cli import build_parser
    from signal_diagnostics.pipeline.config import Config

    assert Config().uniform_control and Config.for_profile("full").uniform_control
    assert not Config.for_profile("quick").uniform_control
    parser = build_parser()
    assert parser.parse_args(["compare", "x.npz", "--no-uniform-control"]).no_uniform_control
    assert not parser.parse_args(["compare", "x.npz"]).no_uniform_control
    assert parser.parse_args(["report", "x.npz", "--out", "r", "--no-uniform-control"]).no_uniform_control


def test_no_uniform_control_on_the_command_line_trains_no_control(tmp_path):
    from signal_diagnostics.cli import main
    from signal_diagnostics.pipeline.uniform_control import OFF_REASON

    out = tmp_path / "d.json"
    argv = ["compare", "synthetic:cue?n=30&T=8", "--models", "bilstm_attention", "--folds", "2", "--epochs", "1"]
    argv += ["--units", "2", "--min-updates", "0", "--no-uniform-control", "--json", str(out)]
    assert main(argv) == 0
    doc = json.loads(out.read_text())
    deep = doc["deep"]
    assert doc["config"]["uniform_control"] is False and deep["uniform_control"]["enabled"] is False
    assert [m["name"] for m in deep["models"]] == ["bilstm_attention"]
    assert not any(c.get("control") for c in deep["comparisons"])
    assert [a["uniform_control"]["reason"] for a in deep["attention"]] == [OFF_REASON]


# --- the document, the answer and the report ------------------------------------------------------------------


def _doc():
    """A compare document with one attention model, its plain counterpart and its control (the control scores best)."""

    def model(name, score, **extra):
        return {
            "name": name,
            "kind": "deep",
            "balanced_accuracy": score,
            "accuracy": score,
            "macro_precision": score,
            "macro_f1": score,
            "structure": {"has_attention": "att" in name, "signature": ["Dense"], "attention_layers": []},
            **extra,
        }

    def comparison(a, b, diff, p, **extra):
        return {
            "a": a,
            "b": b,
            "metric": "balanced_accuracy",
            "mean_difference": diff,
            "ci_low": diff - 0.05,
            "ci_high": diff + 0.05,
            "p_value": p,
            "p_a_better": 0.98 if diff > 0 else 0.01,
            "p_equivalent": 0.01,
            "p_b_better": 0.01 if diff > 0 else 0.98,
            "verdict": f"{a} vs {b}",
            "outcome": f"{a} better (P = 0.98)" if diff > 0 else f"{b} better (P = 0.98)",
            "rope": 0.01,
            **extra,
        }

    rows = _rows(np.random.default_rng(4), [6] * 8)
    stability = seed_stability("att", "pool", [[rows, rows]]).to_dict()
    return {
        "schema_version": "2.0",
        "dataset": {"name": "demo"},
        "config": {"seeds": 2},
        "deep": {
            "metric": "balanced_accuracy",
            "models": [
                model("plain", 0.6),
                model("att", 0.9),
                model("att (uniform attention)", 0.95, control_of="att", control="uniform"),
            ],
            "comparisons": [
                comparison("att", "plain", 0.3, 0.001),
                comparison("att", "att (uniform attention)", -0.05, 0.01, control="uniform"),
            ],
            "references": {"plain": None, "att": "plain"},
            "attention": [
                {
                    "model": "att",
                    "layer": "pool",
                    "normalized_entropy": 0.5,
                    "max_weight_ratio": 3.0,
                    "uniform_ablation_delta": -0.3,
                    "status": "pass",
                    "verdict": "attention focuses",
                    "uniform_control": {"variant": "att (uniform attention)", "reason": None},
                    "seed_stability": stability,
                }
            ],
            "uniform_control": {
                "enabled": True,
                "variants": {"att": "att (uniform attention)"},
                "unsupported": [],
            },
        },
    }


def test_the_control_is_never_the_best_deep_model_and_the_answer_names_both_controls():
    from signal_diagnostics.pipeline.verdicts.attention import attention_verdict
    from signal_diagnostics.pipeline.verdicts.deep import deep_verdict

    doc = _doc()
    assert deep_verdict(doc).evidence["best_deep_model"] == "att"
    v = attention_verdict(doc)
    outcomes = {c["control"]: c["outcome"] for c in v.evidence["comparisons"]}
    assert outcomes == {"plain": "better", "uniform": "worse"}
    assert v.level == "adds nothing"  # better than the plain stack, but the learned weights lose to uniform ones
    assert "against plain" in v.sentence
    assert "against att (uniform attention), the same model trained with uniform attention weights" in v.sentence
    assert "Jensen-Shannon divergence of 0.000" in v.sentence and "the same focus every seed" in v.sentence


def test_the_document_with_controls_matches_the_schema_and_the_report_shows_them():
    import jsonschema

    from signal_diagnostics.pipeline.document import SCHEMA_PATH
    from signal_diagnostics.pipeline.verdicts.outcomes import with_decisions
    from signal_diagnostics.reports.deep_sections import attention_section

    doc = with_decisions(_doc())
    schema = json.loads(SCHEMA_PATH.read_text())["properties"]["deep"]
    jsonschema.validate(json.loads(json.dumps(doc["deep"], allow_nan=False)), schema)
    tables = attention_section(doc)["tables"]
    controls = next(t for t in tables if t["caption"] == "Attention controls")
    assert controls["rows"][0][:2] == ["att", "pool"]
    # the table shows the decision the answer uses (the learned weights lose to uniform ones), not a second rule
    assert controls["rows"][0][2].startswith("-0.050") and ": worse (adjusted p = " in controls["rows"][0][2]
    assert controls["rows"][0][-1] == "same focus"


# --- the known answer -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_learned_attention_that_follows_a_cue_beats_both_controls():
    """The label sits where a cue channel points: attention pooling that learns to follow the cue reads it,
    uniform weights (trained end to end) and the plain masked mean only see it diluted."""
    import jsonschema

    from signal_diagnostics.pipeline.deep import compare_models
    from signal_diagnostics.pipeline.document import SCHEMA_PATH

    ds = synthetic.cue(n=120, T=16, seed=0)
    result = compare_models(
        ds,
        [cue_attention, cue_plain],
        folds=3,
        seeds=2,
        epochs=1,
        min_updates=300,
        patience_updates=300,
        hyper=HYPER,
        batch_size=16,
        random_state=0,
    )
    by_pair = {(c.a, c.b): c for c in result.comparisons}
    against_plain = by_pair[("cue_attention", "cue_plain")]
    against_uniform = by_pair[("cue_attention", "cue_attention (uniform attention)")]
    assert against_plain.control == "" and against_uniform.control == "uniform"
    assert against_plain.mean_difference > 0.15 and against_uniform.mean_difference > 0.15
    assert against_uniform.p_a_better > 0.9
    control = next(m for m in result.models if m["name"] == "cue_attention (uniform attention)")
    assert control["control_of"] == "cue_attention"
    row = next(a for a in result.attention if a["model"] == "cue_attention")
    assert row["uniform_control"]["variant"] == "cue_attention (uniform attention)"
    stability = row["seed_stability"]  # its reading is the data's: a seed that misses the cue reads "different focus"
    assert stability["seeds"] == 2 and stability["rows"] == 3 * 16
    assert 0.0 <= stability["between_seeds"] <= 1.0 and stability["reading"] in (
        "same focus",
        "different focus",
        "flat",
    )
    schema = json.loads(SCHEMA_PATH.read_text())["properties"]["deep"]
    jsonschema.validate(json.loads(json.dumps(result.to_dict(), allow_nan=False)), schema)
