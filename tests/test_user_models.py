"""Their model: the motivating model written with keras-self-attention, as a builder file and as a
trained .keras file, through compare, explain, the attention checks and the lint."""

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")
ksa = pytest.importorskip("keras_self_attention")
if keras.backend.backend() != "tensorflow":
    pytest.skip("keras-self-attention runs on the TensorFlow backend only", allow_module_level=True)

from signal_diagnostics.data import synthetic  # noqa: E402
from signal_diagnostics.data.dataset import Dataset  # noqa: E402

BUILDER = Path(__file__).parent / "fixtures" / "motivating_model.py"
T, C = 12, 2


@pytest.fixture(scope="module")
def data():
    """48 series, 2 classes, a bump in steps 3-6; a third of the series padded from step 8."""
    d = synthetic.bump(n=48, T=T, C=C, start=3, stop=7, amplitude=3.0, seed=0)
    X = d.X.copy()
    X[::3, 8:] = 0.0
    return Dataset(X=X, y=d.y)


@pytest.fixture(scope="module")
def spec():
    return f"{BUILDER}:build"


@pytest.fixture(scope="module")
def trained_file(tmp_path_factory):
    """The motivating model as the user saved it (compiled, weights as they are) in trained.keras.

    Not fitted here: fitting two masked BiLSTMs costs ~20 s of graph tracing on a 2-core machine,
    and every check below reads the weights as they are, whatever they are.
    """
    from signal_diagnostics.models.model_files import load_builder

    keras.utils.set_random_seed(0)
    model = load_builder(str(BUILDER), "build")((T, C), 2, units=8)
    path = tmp_path_factory.mktemp("their") / "trained.keras"
    model.save(path)
    return str(path)


@pytest.fixture(scope="module")
def compared(data, spec, trained_file):
    """compare on the builder and the trained file: 2 models x 2 folds x 2 epochs (~90 s on 2 cores)."""
    from signal_diagnostics.pipeline.deep import compare_models

    return compare_models(
        data,
        [spec, trained_file],
        folds=2,
        seeds=1,
        epochs=2,
        baseline=None,
        hyper={"units": 8},
        batch_size=16,
        random_state=0,
    )


@pytest.fixture(scope="module")
def their_diagnostics(data, trained_file):
    from signal_diagnostics.attribution.explain import trained_from_file
    from signal_diagnostics.models.inspect_attention import attention_diagnostics

    trained = trained_from_file(trained_file, data.X, 2)
    return attention_diagnostics(trained, data.X, data.y_codes, data.lengths, seed=0)


def test_attention_checks_report_their_layer_on_the_trained_file(their_diagnostics):
    (a,) = [d.to_dict() for d in their_diagnostics]
    assert a["layer"] == "their_attention" and a["status"] == "warn"
    assert a["layer_class"] == "keras_self_attention.SeqSelfAttention"
    assert a["activation"] == "sigmoid" and a["bounded_activation"] is True
    assert a["normalized_entropy"] > 0.95  # sigmoid scores: near-uniform by construction
    assert np.isfinite(a["uniform_ablation_delta"]) and np.isfinite(a["permuted_ablation_delta"])
    # near-uniform rows over all 12 keys; the padded third of the series have 4 padded keys each
    assert a["padding_share"] == pytest.approx((16 * 8 * 4 / 12) / (16 * 8 + 32 * 12), abs=0.03)
    assert "sigmoid" in a["verdict"] and "padded" in a["verdict"]


def test_lint_flags_their_flatten_after_masking_and_sigmoid(data, spec, trained_file):
    from signal_diagnostics.models.lint import lint

    for source in (spec, trained_file):
        found = lint(source, data.X, data.y_codes, data.lengths, 2, hyper={"units": 8})
        checks = {f["check"]: f for f in found}
        assert {"flatten_after_masking", "bounded_attention", "attention_on_padding"} <= set(checks)
        assert checks["flatten_after_masking"]["evidence"]["layer_classes"] == ["Flatten"]
        assert checks["bounded_attention"]["evidence"]["activation"] == "sigmoid"
        assert all(f["status"] in ("warn", "info") and f["fix"] and f["model"] == source for f in found)
        said = "trained weights" if source == trained_file else "untrained weights"
        assert said in checks["attention_on_padding"]["message"]


@pytest.mark.slow
def test_compare_reports_their_attention_layer(compared, spec, trained_file):
    by_model = {a["model"]: a for a in compared.attention}
    assert set(by_model) == {spec, trained_file}
    for a in by_model.values():
        assert a["layer"] == "their_attention"
        assert a["layer_class"] == "keras_self_attention.SeqSelfAttention"
        assert a["activation"] == "sigmoid" and a["bounded_activation"] is True
        assert 0.9 < a["normalized_entropy"] <= 1.0  # sigmoid scores: near-uniform by construction
        assert np.isfinite(a["uniform_ablation_delta"]) and np.isfinite(a["permuted_ablation_delta"])
        assert 0.05 < a["padding_share"] < 0.5  # padded keys are not masked for real queries


@pytest.mark.slow
def test_compare_keeps_their_compile_settings(compared):
    for m in compared.models:
        assert m["compile"]["source"] == "user"
        assert m["compile"]["optimizer"] == "RMSprop"
        assert m["compile"]["loss"] == "sparse_categorical_crossentropy"


@pytest.mark.slow
def test_compare_lints_both_routes_before_training(compared, spec, trained_file):
    for name in (spec, trained_file):
        checks = {f["check"] for f in compared.lint if f["model"] == name}
        assert {"flatten_after_masking", "bounded_attention"} <= checks
    assert compared.to_dict()["lint"] == compared.lint


def test_explain_runs_on_the_trained_weights_as_they_are(data, trained_file):
    from signal_diagnostics.attribution.explain import explain_models, trained_from_file

    trained = trained_from_file(trained_file, data.X, 2)
    theirs = keras.saving.load_model(trained_file, custom_objects=ksa.SeqSelfAttention.get_custom_objects())
    np.testing.assert_allclose(trained.predict_proba(data.X), theirs.predict(data.X, verbose=0), atol=1e-6)
    rows = explain_models(data, [trained_file], methods=["attention"], samples=8, random_state=0)
    (row,) = rows
    assert row["layer_class"] == "keras_self_attention.SeqSelfAttention"
    assert row["padding_share"] > 0.05
    (diag,) = row["attention_diagnostics"]
    assert diag["layer"] == "their_attention" and np.isfinite(diag["normalized_entropy"])


def test_attribute_finds_their_attention_layer(data, trained_file):
    import signal_diagnostics

    model = keras.saving.load_model(trained_file, custom_objects=ksa.SeqSelfAttention.get_custom_objects())
    a = signal_diagnostics.attribute(model, data.X[:6], data.y_codes[:6], method="attention")
    assert a.info["layer_class"] == "keras_self_attention.SeqSelfAttention"
    assert np.all(a.timestep[0, 8:] == 0)  # series 0 is padded from step 8: no importance there


def test_builder_gets_only_the_options_it_takes():
    from signal_diagnostics.models.model_files import load_builder
    from signal_diagnostics.models.training import new_network

    _, net = new_network(load_builder(str(BUILDER), "build_fixed"), (T, C), 2, {"units": 8, "dropout": 0.1})
    assert net.layers[1].forward_layer.units == 4  # build_fixed takes no options: its own 4 units
    _, net = new_network(f"{BUILDER}:build", (T, C), 2, {"units": 6, "dropout": 0.1})
    assert net.layers[1].forward_layer.units == 6  # build takes units, not dropout


def test_a_builder_that_compiles_keeps_its_loss_and_optimizer():
    from signal_diagnostics.models.training import compile_model, new_network

    _, net = new_network(f"{BUILDER}:build", (T, C), 2, {})
    assert compile_model(net, 1e-3) == {
        "loss": "sparse_categorical_crossentropy",
        "optimizer": "RMSprop",
        "learning_rate": pytest.approx(1e-2),
        "source": "user",
    }
    _, plain = new_network("bilstm", (T, C), 2, {"units": 4})
    info = compile_model(plain, 5e-3)
    assert info["source"] == "toolkit" and info["optimizer"] == "Adam"
    assert info["learning_rate"] == pytest.approx(5e-3)


def test_compare_clones_the_trained_file_with_fresh_weights_and_its_compile_settings(trained_file):
    from signal_diagnostics.models.training import new_network

    saved = keras.saving.load_model(trained_file, custom_objects=ksa.SeqSelfAttention.get_custom_objects())
    keras.utils.set_random_seed(1)
    _, clone = new_network(trained_file, (T, C), 2, {})
    assert [type(a) for a in clone.layers] == [type(b) for b in saved.layers]
    assert not np.allclose(clone.layers[-1].get_weights()[0], saved.layers[-1].get_weights()[0])
    assert type(clone.optimizer).__name__ == "RMSprop" and clone.loss == "sparse_categorical_crossentropy"


def test_explain_on_the_command_line_reads_the_trained_file(data, trained_file, tmp_path):
    import json

    from signal_diagnostics.cli import main

    npz = tmp_path / "d.npz"
    np.savez(npz, X=data.X, y=data.y)
    out = tmp_path / "explain.json"
    assert (
        main(
            [
                "explain",
                str(npz),
                "--model",
                trained_file,
                "--method",
                "attention",
                "--samples",
                "6",
                "--standardise",
                "none",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text())
    assert doc["attribution"][0]["layer_class"] == "keras_self_attention.SeqSelfAttention"
    assert doc["config"]["standardise"] == "none"
