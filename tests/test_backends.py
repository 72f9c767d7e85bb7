"""The zoo trains, SeqSelfAttention saves and loads, integrated gradients are complete and two models
compare on every installed Keras backend (each in its own process: Keras fixes its backend at import).
``make test-torch`` installs CPU PyTorch and runs this file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from signal_diagnostics.models.backend import BACKENDS, installed_backends

SMOKE = Path(__file__).with_name("backend_smoke.py")


@pytest.fixture(scope="module", params=BACKENDS)
def smoke(request) -> dict:
    backend = request.param
    if backend not in installed_backends():
        pytest.skip(f"Keras backend {backend} is not installed")
    env = {**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run(
        [sys.executable, str(SMOKE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=Path(__file__).parents[1],
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]) | {"expected": backend}


def test_every_zoo_model_trains_and_predicts_probabilities(smoke):
    from signal_diagnostics.models import available

    assert smoke["backend"] == smoke["expected"]
    assert set(smoke["models"]) == set(available())
    for name, m in smoke["models"].items():
        assert m["shape"] == [20, 2], name
        assert m["row_sum_error"] < 1e-4, name
        assert m["backend"] == smoke["expected"], name


def test_seq_self_attention_round_trips_through_a_keras_file(smoke):
    assert smoke["save_load_max_difference"] < 1e-6


def test_integrated_gradients_pass_the_completeness_check(smoke):
    assert smoke["ig_mean_relative_error"] < 0.05


def test_two_models_compare_on_the_same_folds(smoke):
    control = "bilstm_attention (uniform attention)"  # the trained-uniform control trains on every backend too
    assert smoke["compare"]["models"] == ["bilstm", "bilstm_attention", control]
    assert smoke["compare"]["backends"] == [smoke["expected"]]
    assert smoke["compare"]["pairs"] == [["bilstm_attention", "bilstm"], ["bilstm_attention", control]]


def test_the_masked_bilstm_layer_matches_the_masked_bidirectional_lstm_on_this_backend():
    """tests/test_recurrent.py (run by the suite on TensorFlow) again on torch and JAX, where the zoo uses the layer."""
    others = [b for b in installed_backends() if b != "tensorflow"]
    if not others:
        pytest.skip("neither torch nor jax is installed")
    for backend in others:
        env = {**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": ""}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(Path(__file__).with_name("test_recurrent.py")),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            cwd=Path(__file__).parents[1],
        )
        assert proc.returncode == 0, f"{backend}: {proc.stdout[-3000:]}"
