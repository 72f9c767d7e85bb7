"""A model is resolved once at the door and its ModelSpec flows: a builder file is imported once per
process, a trained .keras file read once at the door and once per unit, and specs pickle to workers."""

import pickle

import pytest

keras = pytest.importorskip("keras")

from signal_diagnostics.data import synthetic  # noqa: E402

BUILDER = """
from pathlib import Path

with open(Path(__file__).with_suffix(".count"), "a") as f:  # one line per execution of this module
    f.write("x\\n")


def build(input_shape, n_classes, units=4):
    import keras

    inp = keras.Input(shape=input_shape)
    x = keras.layers.Dense(units, activation="relu")(keras.layers.Flatten()(inp))
    return keras.Model(inp, keras.layers.Dense(n_classes, activation="softmax")(x))
"""


@pytest.fixture(scope="module")
def data():
    """The user's regime, small: a dominant class (80 %), a weak bump, variable lengths (zero padding)."""
    return synthetic.imbalanced(n=40, T=8, C=1, classes=2, majority=0.8, amplitude=0.5, start=2, stop=5, seed=0)


def _builder(folder, name="m"):
    path = folder / f"{name}.py"
    path.write_text(BUILDER)
    return path


def _imports(path) -> int:
    count = path.with_suffix(".count")
    return len(count.read_text().splitlines()) if count.exists() else 0


def _compare(data, models, **options):
    from signal_diagnostics.pipeline.deep import compare_models

    opts = dict(folds=2, seeds=2, epochs=1, baseline=None, min_updates=0, batch_size=16, hyper={"units": 4})
    return compare_models(data, models, **{**opts, **options})


def test_a_builder_file_is_imported_once_per_process_over_every_unit(data, tmp_path):
    path = _builder(tmp_path)
    result = _compare(data, [f"{path}:build"])
    assert [m["name"] for m in result.models] == [f"{path}:build"]
    assert result.models[0]["training"]["runs"] == 4  # 2 folds x 2 seeds, each building the model
    assert _imports(path) == 1


def test_an_edited_builder_file_is_imported_again(tmp_path):
    from signal_diagnostics.models.model_files import load_builder
    from signal_diagnostics.models.resolve import resolve

    path = _builder(tmp_path)
    first = resolve(f"{path}:build")
    load_builder(str(path), "build")
    assert _imports(path) == 1
    path.write_text(BUILDER + "\nEDITED = True\n")
    second = resolve(f"{path}:build")
    assert _imports(path) == 2 and second.digest != first.digest


def test_a_trained_file_is_read_once_at_the_door_and_once_per_unit(data, tmp_path, monkeypatch):
    from signal_diagnostics.models.model_files import load_builder
    from signal_diagnostics.models.resolve import resolve_all

    net = load_builder(str(_builder(tmp_path, "saved")), "build")(data.X.shape[1:], data.n_classes)
    net.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    file = str(tmp_path / "trained.keras")
    net.save(file)
    loads = []
    real = keras.saving.load_model
    monkeypatch.setattr(keras.saving, "load_model", lambda *a, **k: loads.append(a[0]) or real(*a, **k))

    resolve_all([file, file], input_shape=data.X.shape[1:], n_classes=data.n_classes)
    assert len(loads) == 1  # the door: read once, then remembered for this file's content
    at_start = []
    result = _compare(data, [file], progress=lambda d, n, lab: at_start.append(len(loads)) if lab == "starting" else 0)
    units = 1 + 2 * 2  # a structure unit, then 2 folds x 2 seeds
    assert at_start == [1 + 2]  # before training: the lint reads its trained weights, the control plan its layers
    assert len(loads) == 1 + 2 + units
    assert result.models[0]["description"].endswith("from trained.keras")


def test_model_specs_pickle_as_plain_data(tmp_path):
    from signal_diagnostics.models.resolve import resolve

    spec = resolve(f"{_builder(tmp_path)}:build")
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec and again.kind == "builder" and again.digest == spec.digest
    assert again.build((8, 1), 2).output_shape == (None, 2)
    assert resolve("bilstm").digest is None


def _local_builder(input_shape, n_classes):
    inp = keras.Input(shape=input_shape)
    return keras.Model(inp, keras.layers.Dense(n_classes, activation="softmax")(keras.layers.Flatten()(inp)))


def test_a_builder_function_gets_a_callable_spec_labelled_by_its_name():
    from signal_diagnostics.models.resolve import resolve

    spec = resolve(_local_builder)
    assert (spec.kind, spec.label, spec.digest, spec.fn) == ("callable", "_local_builder", None, _local_builder)
    assert spec.build((8, 1), 3, units=99).output_shape == (None, 3)  # options it does not take are left out
