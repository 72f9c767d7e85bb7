"""Bad model names are bad input: one line on stderr, exit 2, nothing written, before any training."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from signal_diagnostics.cli import main  # noqa: E402
from signal_diagnostics.errors import DataError  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    rng = np.random.default_rng(0)
    np.savez(root / "d.npz", X=rng.standard_normal((30, 8, 2)).astype("float32"), y=np.array([0, 1] * 15))
    (root / "builders.py").write_text("def build(input_shape, n_classes):\n    return None\n")
    (root / "broken.py").write_text("import no_such_package_here\n")
    (root / "garbage.keras").write_bytes(b"\x00not a zip")
    (root / "weights.h5").write_bytes(b"\x89HDF")
    inputs = keras.Input((8, 2))
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x)).save(root / "lambda.keras")
    inputs = keras.Input((5, 2))  # another shape than the data's (8, 2)
    x = keras.layers.GlobalAveragePooling1D()(inputs)
    keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x)).save(root / "other_shape.keras")
    return root


BAD = {
    "unknown zoo name": ("nosuchmodel", "unknown model 'nosuchmodel'"),
    "missing builder file": ("{root}/missing.py:build", "not found"),
    "missing function": ("{root}/builders.py:nofn", "has no function 'nofn'"),
    "builder file that fails to import": ("{root}/broken.py:build", "fails to import"),
    "no function named": ("{root}/builders.py", "names no function"),
    "missing model file": ("{root}/missing.keras", "not found"),
    "unreadable model file": ("{root}/garbage.keras", "not a Keras archive"),
    "hdf5 file": ("{root}/weights.h5", "not a .keras file"),
    "lambda layer": ("{root}/lambda.keras", "Lambda"),
    "other input shape": ("{root}/other_shape.keras", "takes input (5, 2)"),
}
COMMANDS = {
    "compare": lambda root, m, out: [
        "compare",
        f"{root}/d.npz",
        "--models",
        f"bilstm,{m}",
        "--epochs",
        "1",
        "--json",
        out,
    ],
    "explain": lambda root, m, out: ["explain", f"{root}/d.npz", "--model", m, "--json", out],
    "report": lambda root, m, out: ["report", f"{root}/d.npz", "--models", m, "--quick", "--out", out],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(BAD))
def test_bad_model_name_exits_2_with_one_line_and_writes_nothing(command, case, files, tmp_path, capsys, monkeypatch):
    import signal_diagnostics.pipeline.assemble

    def no_work(*args, **kwargs):
        raise AssertionError("a baseline or a training run started before the model names were checked")

    for runner in ("run_compare_document", "run_explain_document", "run_report_document"):
        monkeypatch.setattr(signal_diagnostics.pipeline.assemble, runner, no_work)
    spec, message = BAD[case]
    out = tmp_path / ("out" if command == "report" else "d.json")
    code = main(COMMANDS[command](files, spec.format(root=files), str(out)))
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("diagnose: error:") and message in err
    assert not out.exists()


def test_compare_models_refuses_a_bad_name_before_the_baseline(files, monkeypatch):
    import signal_diagnostics.pipeline.deep
    from signal_diagnostics import load
    from signal_diagnostics.pipeline.deep import compare_models

    monkeypatch.setattr(signal_diagnostics.pipeline.deep, "evaluate", lambda *a, **k: pytest.fail("the baseline ran"))
    ds = load(str(files / "d.npz"))
    for spec, message in BAD.values():
        with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
            compare_models(ds, ["bilstm", spec.format(root=files)], folds=2, seeds=1, epochs=1)


def test_a_baseline_name_is_a_model_for_explain_only(files):
    from signal_diagnostics.models.resolve import resolve

    assert resolve("minirocket", baselines_allowed=True).kind == "baseline"
    with pytest.raises(DataError, match="unknown model 'minirocket'"):
        resolve("minirocket")


def test_resolve_says_what_each_name_is(files):
    from signal_diagnostics.models.resolve import resolve

    assert resolve("bilstm").kind == "zoo"
    spec = resolve(f"{files}/builders.py:build")
    assert (spec.kind, spec.function) == ("builder", "build")


def test_a_changed_model_file_gets_a_new_cache_key(tmp_path):
    from signal_diagnostics.models.resolve import source_digest

    builder = tmp_path / "m.py"
    builder.write_text("def build(input_shape, n_classes):\n    pass\n")
    before = source_digest(f"{builder}:build")
    builder.write_text("def build(input_shape, n_classes, units=8):\n    pass\n")
    assert before is not None and source_digest(f"{builder}:build") != before
    assert source_digest("bilstm") is None
