"""Training throughput of the motivating model (masked BiLSTM 256 x 2, batch 64) per Keras backend.

Each installed backend (tensorflow, torch, jax) runs in its own process, because Keras fixes its
backend at import. The data are ``synthetic.imbalanced`` (640 x 29 x 12, zero-padded). One epoch is
run first (graph building, cuDNN autotuning), then ``--epochs`` are timed. With ``--gpu`` the Keras
backends also run on the GPU and a plain PyTorch ``nn.LSTM`` (cuDNN, bidirectional, 2 layers, same
size, no mask) gives the practical limit. Usage:

    python benchmarks/train_throughput.py [--epochs 2] [--units 256] [--gpu] [--out result.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

N, T, C, K = 640, 29, 12, 8  # the motivating data set's shape
BATCH = 64


def data():
    from signal_diagnostics.data import synthetic

    ds = synthetic.imbalanced(n=N, T=T, C=C, classes=K, seed=0)
    return ds.X, ds.y_codes


def keras_run(units: int, epochs: int) -> dict:
    """Time the zoo's ``bilstm`` (Masking + BiLSTM x 2 + Flatten) in this process's backend."""
    import keras

    from signal_diagnostics.models import build
    from signal_diagnostics.models.backend import device

    X, y = data()
    keras.utils.set_random_seed(0)
    model = build("bilstm", (T, C), K, units=units, depth=2)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    start = time.perf_counter()
    model.fit(X, y, batch_size=BATCH, epochs=1, verbose=0)
    first = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(X, y, batch_size=BATCH, epochs=epochs, verbose=0)
    seconds = (time.perf_counter() - start) / epochs
    return {
        "backend": keras.backend.backend(),
        "device": device(),
        "model": f"keras bilstm {units}x2 masked",
        "first_epoch_s": round(first, 3),
        "epoch_s": round(seconds, 3),
        "samples_per_s": round(N / seconds, 1),
    }


def torch_cudnn_run(units: int, epochs: int) -> dict:
    """Plain PyTorch cuDNN ``nn.LSTM`` of the same size: the practical limit on this GPU."""
    from reference_lstm import time_reference_lstm

    X, y = data()
    r = time_reference_lstm(X, y, units, epochs, BATCH, "cuda")
    return {
        "backend": "torch (plain nn.LSTM)",
        "device": f"gpu:0 {r['device_name']}",
        "model": f"cuDNN LSTM {units}x2 bidirectional, no mask",
        "first_epoch_s": round(r["first_epoch_s"], 3),
        "epoch_s": round(r["epoch_s"], 3),
        "samples_per_s": round(r["samples_per_s"], 1),
    }


def child(args) -> None:
    if args.child == "torch-cudnn":
        record = torch_cudnn_run(args.units, args.epochs)
    else:
        record = keras_run(args.units, args.epochs)
    print("RESULT " + json.dumps(record))


def spawn(kind: str, args, gpu: bool) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if kind != "torch-cudnn":
        env["KERAS_BACKEND"] = kind
    if not gpu:
        env["CUDA_VISIBLE_DEVICES"] = ""  # keep every backend on the CPU
    cmd = [sys.executable, __file__, "--child", kind, "--epochs", str(args.epochs), "--units", str(args.units)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"backend": kind, "device": "gpu" if gpu else "cpu", "error": tail[:200]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after one warm-up epoch")
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--gpu", action="store_true", help="also run on the GPU, with a plain PyTorch cuDNN LSTM")
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return {}
    backends = [b for b in ("tensorflow", "torch", "jax") if importlib.util.find_spec(b) is not None]
    runs = [spawn(b, args, gpu=False) for b in backends]
    if args.gpu:
        runs += [spawn(b, args, gpu=True) for b in backends]
        torch_spec = importlib.util.find_spec("torch")
        if torch_spec is not None:
            runs.append(spawn("torch-cudnn", args, gpu=True))
    result = {
        "data": f"synthetic.imbalanced {N} x {T} x {C}, {K} classes",
        "batch_size": BATCH,
        "timed_epochs": args.epochs,
        "runs": runs,
    }
    cols = ["backend", "device", "model", "first_epoch_s", "epoch_s", "samples_per_s", "error"]
    print(" | ".join(cols))
    for r in runs:
        print(" | ".join(str(r.get(c, "")) for c in cols))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
    return result


if __name__ == "__main__":
    main()
