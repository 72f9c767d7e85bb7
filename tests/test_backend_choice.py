"""``--backend`` picks the Keras backend a model trains on, from the CLI, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from signal_diagnostics.models.backend import installed_backends

# the smallest compare that trains: 2 folds, 1 seed, 2 epochs, 4 LSTM units
TINY_COMPARE = [
    "compare",
    "synthetic:bump?n=40&T=12&start=3&stop=8",
    "--models",
    "bilstm",
    "--folds",
    "2",
    "--seeds",
    "1",
    "--epochs",
    "2",
    "--min-updates",
    "1",
    "--units",
    "4",
    "--device",
    "cpu",
]


@pytest.mark.parametrize("backend", ["jax", "tensorflow", "torch"])
def test_compare_trains_on_the_backend_named_on_the_command_line(backend, tmp_path):
    if backend not in installed_backends():
        pytest.skip(f"Keras backend {backend} is not installed")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    out = tmp_path / "d.json"
    proc = subprocess.run(
        [sys.executable, "-m", "signal_diagnostics", *TINY_COMPARE, "--backend", backend, "--json", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=Path(__file__).parents[1],
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    models = json.loads(out.read_text())["deep"]["models"]
    assert [m["name"] for m in models] == ["bilstm"]
    assert models[0]["backend"] == backend
