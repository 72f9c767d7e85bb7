"""Run the zoo, SeqSelfAttention's save/load, integrated gradients and one comparison on KERAS_BACKEND.

Keras fixes its backend at import, so ``tests/test_backends.py`` runs this file once per installed
backend in a fresh process. It prints one JSON object on its last line.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np


def main() -> dict:
    from signal_diagnostics.models.backend import select_backend

    select_backend()  # honours KERAS_BACKEND, refuses one that is not installed
    import keras

    from signal_diagnostics.attribution import attribute
    from signal_diagnostics.data import synthetic
    from signal_diagnostics.models import SeqSelfAttention, available
    from signal_diagnostics.models.training import fit

    d = synthetic.bump(n=80, T=16, C=2, start=6, stop=10, amplitude=2.0, variable_length=True, seed=0)
    out: dict = {"backend": keras.backend.backend(), "models": {}}
    for name in available():
        trained = fit(name, d.X[:60], d.y_codes[:60], n_classes=2, epochs=2, seed=0, hyper={"units": 4, "depth": 1})
        proba = trained.predict_proba(d.X[60:])
        out["models"][name] = {
            "shape": list(proba.shape),
            "row_sum_error": float(np.abs(proba.sum(1) - 1).max()),
            "backend": trained.backend,
        }

    layer_in = keras.Input((16, 2))
    layer = SeqSelfAttention(units=4, attention_type="multiplicative", attention_activation="sigmoid")
    net = keras.Model(layer_in, layer(keras.layers.Masking(0.0)(layer_in)))
    x = d.X[:4]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "attention.keras"
        net.save(path)
        again = keras.models.load_model(path, custom_objects={"SeqSelfAttention": SeqSelfAttention})
        difference = keras.ops.convert_to_numpy(net(x)) - keras.ops.convert_to_numpy(again(x))
        out["save_load_max_difference"] = float(np.abs(difference).max())

    trained = fit("bilstm", d.X[:60], d.y_codes[:60], n_classes=2, epochs=3, seed=0, hyper={"units": 8, "depth": 1})
    ig = attribute(trained, d.X[60:70], d.y_codes[60:70], method="integrated_gradients", lengths=d.lengths[60:70])
    out["ig_mean_relative_error"] = ig.completeness["mean_relative_error"]

    from signal_diagnostics.pipeline.deep import compare_models

    result = compare_models(
        d, ["bilstm", "bilstm_attention"], folds=2, seeds=1, epochs=2, baseline=None, hyper={"units": 4, "depth": 1}
    ).to_dict()
    out["compare"] = {
        "models": [m["name"] for m in result["models"]],
        "backends": sorted({m["backend"] for m in result["models"]}),
        "pairs": [[c["a"], c["b"]] for c in result["comparisons"]],
    }
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.exit(0)
