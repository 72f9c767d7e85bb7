"""The model zoo builds, trains, predicts probabilities, honours padding and saves; training is careful."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from signal_diagnostics.data import synthetic  # noqa: E402
from signal_diagnostics.errors import DataError  # noqa: E402
from signal_diagnostics.models import available, build  # noqa: E402
from signal_diagnostics.models.training import Standardiser, balanced_class_weight, fit  # noqa: E402

ZOO = [
    "bilstm",
    "bilstm_attention",
    "attention_residual_bilstm",
    "multihead_bilstm",
    "bilstm_attention_pool",
    "transformer",
]
TINY = dict(units=4, depth=1)  # one level keeps graph building (most of the time) short


@pytest.fixture(scope="module")
def tiny():
    return synthetic.bump(n=30, T=12, C=2, classes=3, start=4, stop=8, amplitude=2.0, variable_length=True, seed=1)


def test_available_lists_every_zoo_model():
    assert set(available()) == set(ZOO)


@pytest.mark.parametrize("name", ZOO)
def test_zoo_model_trains_and_predicts_probabilities(name, tiny):
    trained = fit(name, tiny.X, tiny.y_codes, n_classes=3, epochs=2, batch_size=16, hyper=TINY)
    proba = trained.predict_proba(tiny.X)
    assert proba.shape == (30, 3)
    assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert trained.epochs_run == 2 and trained.backend == keras.backend.backend()


@pytest.mark.parametrize("name", ZOO)
def test_zoo_model_survives_a_keras_file_round_trip(name, tiny, tmp_path):
    model = build(name, (12, 2), 3, **TINY)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(tiny.X, verbose=0), model.predict(tiny.X, verbose=0), atol=1e-6)


def test_attention_pooling_ignores_extra_padding(tiny):
    short = build("bilstm_attention_pool", (12, 2), 3, **TINY)
    long = build("bilstm_attention_pool", (20, 2), 3, **TINY)
    long.set_weights(short.get_weights())
    X_long = np.concatenate([tiny.X, np.zeros((30, 8, 2), np.float32)], axis=1)
    np.testing.assert_allclose(long.predict(X_long, verbose=0), short.predict(tiny.X, verbose=0), atol=1e-5)


def test_flatten_models_see_zeros_on_padded_steps(tiny):
    model = build("bilstm", (12, 2), 3, **TINY)
    zero_layer = next(layer for layer in model.layers if type(layer).__name__ == "ZeroPadded")
    zeroed = keras.Model(model.inputs, zero_layer.output)
    out = zeroed.predict(tiny.X, verbose=0)
    padded = np.arange(12)[None, :] >= tiny.lengths[:, None]
    assert padded.any()
    assert np.all(out[padded] == 0.0)
    assert np.all(np.abs(out[~padded]).sum(axis=-1) > 0)


def test_user_model_from_a_file_trains(tiny, tmp_path):
    source = tmp_path / "my_model.py"
    source.write_text(
        "import keras\n"
        "def make(input_shape, n_classes):\n"
        "    x = keras.Input(input_shape)\n"
        "    h = keras.layers.GlobalAveragePooling1D()(keras.layers.Masking(0.0)(x))\n"
        "    return keras.Model(x, keras.layers.Dense(n_classes, activation='softmax')(h), name='mine')\n"
    )
    trained = fit(f"{source}:make", tiny.X, tiny.y_codes, n_classes=3, epochs=2)
    assert trained.predict_proba(tiny.X).shape == (30, 3)


def test_user_file_without_the_function_is_refused(tmp_path):
    source = tmp_path / "empty.py"
    source.write_text("x = 1\n")
    with pytest.raises(DataError, match="no function 'make'"):
        build(f"{source}:make", (12, 2), 3)


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(DataError, match="bilstm_attention_pool"):
        build("resnet", (12, 2), 3)


def test_standardiser_uses_real_steps_only_and_keeps_padding_zero():
    X = np.zeros((2, 4, 1), np.float32)
    X[0, :2, 0] = [4.0, 6.0]  # real steps: 4, 6, 5, 5 -> mean 5, std sqrt(0.5)
    X[1, :2, 0] = [5.0, 5.0]
    scaler = Standardiser.fit(X)
    np.testing.assert_allclose(scaler.mean, [5.0])
    np.testing.assert_allclose(scaler.std, [np.sqrt(0.5)])
    out = scaler.transform(X)
    assert np.all(out[:, 2:] == 0.0)
    np.testing.assert_allclose(out[0, :2, 0], [-np.sqrt(2), np.sqrt(2)], rtol=1e-6)


def test_balanced_class_weight_evens_out_class_totals():
    y = np.array([0] * 6 + [1] * 2 + [2] * 1)
    w = balanced_class_weight(y, n_classes=4)
    totals = [w[k] * np.sum(y == k) for k in range(3)]
    np.testing.assert_allclose(totals, totals[0])
    assert w[3] == 1.0


def test_fit_with_the_same_seed_gives_the_same_model(tiny):
    runs = [
        fit("bilstm", tiny.X, tiny.y_codes, n_classes=3, epochs=1, seed=5, hyper=TINY).predict_proba(tiny.X)
        for _ in range(2)
    ]
    np.testing.assert_allclose(runs[0], runs[1], atol=1e-6)


def test_fit_refuses_labels_outside_the_class_codes(tiny):
    with pytest.raises(DataError, match="class codes"):
        fit("bilstm", tiny.X, tiny.y_codes + 1, n_classes=3, epochs=1, hyper=TINY)


def test_unknown_backend_is_refused():
    from signal_diagnostics.models.backend import select_backend

    with pytest.raises(DataError, match="unknown Keras backend 'theano'"):
        select_backend("theano")


def test_importing_the_models_package_leaves_the_backend_free_to_choose():
    import subprocess
    import sys

    from signal_diagnostics.models.backend import installed_backends

    if "jax" not in installed_backends():
        pytest.skip("JAX is not installed")
    code = (
        "import sys, signal_diagnostics.models, signal_diagnostics.models.backend as b; "
        "assert 'keras' not in sys.modules; b.select_backend('jax'); "
        "from signal_diagnostics.models import available; import keras; print(keras.backend.backend(), len(available()))"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "KERAS_BACKEND"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["jax", str(len(ZOO))]


def test_switching_backend_once_keras_runs_is_refused():
    from signal_diagnostics.models.backend import installed_backends, select_backend

    others = [b for b in installed_backends() if b != keras.backend.backend()]
    if not others:
        pytest.skip("only one Keras backend is installed")
    with pytest.raises(DataError, match="already running"):
        select_backend(others[0])


def test_asking_for_a_gpu_where_none_is_visible_is_refused(monkeypatch):
    from signal_diagnostics.models import backend

    monkeypatch.setattr(backend, "device", lambda: "cpu")
    with pytest.raises(DataError, match="--device gpu, but the .* backend sees no GPU"):
        backend.configure(None, "gpu")
    assert backend.configure(None, "auto") == {"backend": keras.backend.backend(), "device": "cpu"}


def test_unknown_device_is_refused():
    from signal_diagnostics.models import backend

    with pytest.raises(DataError, match="unknown device 'tpu'"):
        backend.configure(None, "tpu")
