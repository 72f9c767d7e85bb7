"""The whole GPU check in one command: training throughput per Keras backend, a comparison, mixed precision.

Meant for a GPU machine with Python, PyTorch and JAX but no TensorFlow (the one this project is lent
at times, for minutes): every step runs in its own process with a time limit, and the results go to
one JSON file whose schema is in ``docs/gpu-check.md``. Steps:

1. ``throughput``: per Keras backend (torch, jax) the samples/s of the zoo's masked BiLSTM 256 x 2,
   batch 64, on ``synthetic.imbalanced`` 640 x 29 x 12 (one warm-up epoch, then ``--epochs`` timed),
   in float32 and in ``mixed_float16``, and how many LSTM calls took Keras's fused (cuDNN) kernel or
   its per-step loop; against a plain PyTorch cuDNN ``nn.LSTM`` of the same size (the practical limit).
2. ``compare``: ``diagnose compare --device gpu --backend torch`` with two models (bilstm,
   bilstm_attention), 2 epochs, on ``aeon:JapaneseVowels``; where aeon is not installed, the same
   comparison through ``signal_diagnostics.pipeline.deep.compare_models`` on ``synthetic:imbalanced`` (640 x 29 x 12)
   without the MiniRocket baseline (which needs aeon), and the record says so.

``--no-aeon`` takes the second path even where aeon is installed. ``--cpu`` is the dry run: GPUs hidden, 16 units, one timed epoch, the reference LSTM on the CPU; it
checks that every step runs (``tests/test_gpu_check.py``). Usage:

    python benchmarks/gpu_check.py [--cpu] [--no-aeon] [--out out/gpu_check.json] [--epochs 2] [--units 256]
    benchmarks/gpu_check.sh OUT_DIR      # on the GPU machine: installs carried wheels, then this

Only the standard library is imported here; each step imports what it needs in its own process.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "signal-diagnostics/gpu-check/1"
N, T, C, K = 640, 29, 12, 8  # the motivating data set's shape (synthetic.imbalanced)
BATCH = 64
TARGET_FRACTION = 0.70  # issue 15: the Keras model should reach 70% of a plain PyTorch cuDNN LSTM
BACKENDS = ("torch", "jax")
STEP_TIMEOUT_S = 240  # no one step may eat the machine's window
COMPARE_MODELS = "bilstm,bilstm_attention"
SYNTHETIC_SOURCE = f"synthetic:imbalanced?n={N}&T={T}&C={C}"


# ---------------------------------------------------------------- children (one process each)


def _data():
    from signal_diagnostics.data import synthetic

    ds = synthetic.imbalanced(n=N, T=T, C=C, classes=K, seed=0)
    return ds.X, ds.y_codes


def _count_lstm_paths(backend: str) -> dict:
    """Wrap Keras's LSTM entry points to count fused (cuDNN) calls and per-step loop calls.

    ``keras.src.backend.lstm`` is the fused kernel (it raises NotImplementedError where it cannot run,
    e.g. with a mask); ``keras.src.backend.rnn`` is the generic per-step loop. On torch, ``lstm``
    itself falls back to a Python loop (``_fallback_lstm``) off CUDA. Under JAX's jit the counts are
    per trace, not per step: what matters is which path appears at all (the zoo's layer traces no
    masked branch: ``MaskedBidirectionalLSTM(exact_mask=False)``).
    """
    import keras.src.backend as kb

    counts = {"fused": 0, "loop": 0}

    def counting(fn, name):
        def wrapped(*args, **kwargs):
            out = fn(*args, **kwargs)
            counts[name] += 1
            return out

        return wrapped

    kb.rnn = counting(kb.rnn, "loop")
    if backend == "torch":
        import importlib

        trnn = importlib.import_module("keras.src.backend.torch.rnn")  # the module (the package's `rnn` is a function)

        trnn._cudnn_lstm = counting(trnn._cudnn_lstm, "fused")
        trnn._fallback_lstm = counting(trnn._fallback_lstm, "loop")
    else:
        kb.lstm = counting(kb.lstm, "fused")
    return counts


def _keras_epochs(model, X, y, epochs: int) -> tuple[float, float, float]:
    """Seconds of the warm-up epoch, seconds per timed epoch, the last loss."""
    start = time.perf_counter()
    model.fit(X, y, batch_size=BATCH, epochs=1, verbose=0)
    first = time.perf_counter() - start
    start = time.perf_counter()
    history = model.fit(X, y, batch_size=BATCH, epochs=epochs, verbose=0)
    loss = float(history.history["loss"][-1])
    return first, (time.perf_counter() - start) / epochs, loss


def child_throughput(units: int, epochs: int) -> dict:
    """The zoo's masked BiLSTM in this process's backend, float32 then mixed_float16."""
    from signal_diagnostics.models.backend import select_backend

    backend = select_backend()
    import keras
    import numpy as np

    from signal_diagnostics.models import build
    from signal_diagnostics.models.backend import device, set_mixed_precision

    counts = _count_lstm_paths(backend)
    X, y = _data()
    runs = []
    for mixed in (False, True):
        policy = set_mixed_precision(mixed)
        keras.utils.set_random_seed(0)
        before = dict(counts)
        model = build("bilstm", (T, C), K, units=units, depth=2)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        first, seconds, loss = _keras_epochs(model, X, y, epochs)
        proba = keras.ops.convert_to_numpy(model.predict(X[:BATCH], verbose=0))
        runs.append(
            {
                "backend": backend,
                "device": device(),
                "precision": policy,
                "model": f"keras bilstm {units}x2 masked",
                "bilstm_layer": type(model.get_layer("bilstm_1")).__name__,
                "first_epoch_s": round(first, 3),
                "epoch_s": round(seconds, 4),
                "samples_per_s": round(N / seconds, 1),
                "final_loss": loss,
                "output_dtype": str(proba.dtype),
                "probabilities_ok": bool(np.all(np.isfinite(proba)) and np.abs(proba.sum(1) - 1).max() < 1e-3),
                "fused_lstm_calls": counts["fused"] - before["fused"],
                "loop_lstm_calls": counts["loop"] - before["loop"],
            }
        )
    set_mixed_precision(False)
    return {"runs": runs}


def child_reference(units: int, epochs: int, cpu: bool) -> dict:
    """A plain PyTorch ``nn.LSTM`` (cuDNN on a GPU), bidirectional, 2 layers, same size, no mask."""
    import torch
    from reference_lstm import time_reference_lstm

    X, y = _data()
    device = "cpu" if cpu or not torch.cuda.is_available() else "cuda"
    r = time_reference_lstm(X, y, units, epochs, BATCH, device)
    return {
        "backend": "torch (plain nn.LSTM)",
        "device": f"gpu:0 {r['device_name']}" if device == "cuda" else "cpu",
        "precision": "float32",
        "model": f"nn.LSTM {units}x2 bidirectional, no mask",
        "first_epoch_s": round(r["first_epoch_s"], 3),
        "epoch_s": round(r["epoch_s"], 4),
        "samples_per_s": round(r["samples_per_s"], 1),
        "final_loss": r["final_loss"],
    }


def child_compare_api(device_target: str, epochs: int, units: int | None, out: str) -> dict:
    """``compare_models`` on synthetic data without a baseline (the fallback where aeon is missing)."""
    from signal_diagnostics.models.backend import configure

    configured = configure(os.environ.get("KERAS_BACKEND", "torch"), device_target)
    from signal_diagnostics import load
    from signal_diagnostics.pipeline.deep import compare_models

    ds = load(SYNTHETIC_SOURCE)
    result = compare_models(
        ds,
        COMPARE_MODELS.split(","),
        folds=2,
        seeds=1,
        epochs=epochs,
        baseline=None,
        hyper={"units": units} if units else None,
    ).to_dict()
    doc = {"dataset": {"source": SYNTHETIC_SOURCE}, "deep": result, "errors": [], **configured}
    Path(out).write_text(json.dumps(doc))
    return {"written": out}


def child(args) -> None:
    if args.child == "throughput":
        record = child_throughput(args.units, args.epochs)
    elif args.child == "reference":
        record = child_reference(args.units, args.epochs, args.cpu)
    else:
        record = child_compare_api("cpu" if args.cpu else "gpu", args.epochs, args.compare_units, args.child_out)
    print("RESULT " + json.dumps(record))


# ---------------------------------------------------------------- the parent: steps and the JSON


def _env(cpu: bool, backend: str | None = None) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    if backend:
        env["KERAS_BACKEND"] = backend
    if cpu:
        env["CUDA_VISIBLE_DEVICES"] = "-1"
        env["JAX_PLATFORMS"] = "cpu"
    return env


def _run(cmd: list[str], env: dict, timeout: float) -> tuple[dict | None, str, float]:
    """Run a step; (its RESULT record or None, the error's last lines, seconds)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s", time.perf_counter() - start
    seconds = time.perf_counter() - start
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :]), "", seconds
    tail = "\n".join((proc.stderr or proc.stdout or "no output").strip().splitlines()[-6:])
    return None, f"exit {proc.returncode}: {tail[-1500:]}", seconds


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("numpy", "keras", "torch", "jax", "jaxlib", "tensorflow", "aeon", "scikit-learn", "numba"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _gpu_name() -> str | None:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0] if out else None


def step_throughput(args, failures: list[str]) -> dict:
    self_cmd = [sys.executable, __file__, "--epochs", str(args.epochs), "--units", str(args.units)]
    section: dict = {
        "data": f"synthetic.imbalanced {N} x {T} x {C}, {K} classes, zero-padded",
        "batch_size": BATCH,
        "units": args.units,
        "timed_epochs": args.epochs,
        "target_fraction": TARGET_FRACTION,
        "reference": None,
        "runs": [],
    }
    if importlib.util.find_spec("torch") is not None:
        record, error, seconds = _run(
            self_cmd + ["--child", "reference"] + (["--cpu"] if args.cpu else []), _env(args.cpu), STEP_TIMEOUT_S
        )
        section["reference"] = {
            **(record or {"error": error}),
            "status": "pass" if record else "fail",
            "seconds": round(seconds, 1),
        }
        if not record:
            failures.append(f"reference LSTM: {error.splitlines()[-1] if error else 'failed'}")
    else:
        section["reference"] = {"status": "skipped", "error": "torch is not installed"}
    ref_rate = (section["reference"] or {}).get("samples_per_s")
    for backend in BACKENDS:
        if importlib.util.find_spec(backend) is None:
            section["runs"].append({"backend": backend, "status": "skipped", "error": f"{backend} is not installed"})
            continue
        record, error, seconds = _run(self_cmd + ["--child", "throughput"], _env(args.cpu, backend), STEP_TIMEOUT_S)
        if not record:
            section["runs"].append({"backend": backend, "status": "fail", "error": error, "seconds": round(seconds, 1)})
            failures.append(f"throughput on {backend}: {error.splitlines()[-1] if error else 'failed'}")
            continue
        for run in record["runs"]:
            run["fraction_of_reference"] = round(run["samples_per_s"] / ref_rate, 3) if ref_rate else None
            run["meets_target"] = (
                run["fraction_of_reference"] >= TARGET_FRACTION
                if run["fraction_of_reference"] is not None and not args.cpu
                else None
            )
            problems = []
            if not run["probabilities_ok"] or run["output_dtype"] != "float32":
                problems.append("probabilities not finite float32 rows summing to 1")
            if not args.cpu:
                if not run["device"].startswith("gpu"):
                    problems.append(f"ran on {run['device']}, not a GPU")
                if run["fused_lstm_calls"] == 0 or run["loop_lstm_calls"] > 0:
                    problems.append(
                        f"LSTM took the per-step loop ({run['loop_lstm_calls']} loop, "
                        f"{run['fused_lstm_calls']} fused calls)"
                    )
            run["status"] = "fail" if problems else "pass"
            run["error"] = "; ".join(problems) or None
            run["seconds"] = round(seconds, 1)
            failures += [f"throughput on {backend} ({run['precision']}): {p}" for p in problems]
            section["runs"].append(run)
    return section


def step_compare(args, failures: list[str]) -> dict:
    backend = "torch" if importlib.util.find_spec("torch") is not None else "jax"
    device = "cpu" if args.cpu else "gpu"
    units = 8 if args.cpu else None  # the CPU dry run trains tiny models; on a GPU the zoo's width (256)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "compare.json"
        if importlib.util.find_spec("aeon") is not None and not args.no_aeon:
            via, source = "cli", "aeon:JapaneseVowels"
            cmd = [
                sys.executable,
                "-m",
                "signal_diagnostics",
                "compare",
                source,
                "--models",
                COMPARE_MODELS,
                "--epochs",
                str(args.compare_epochs),
                "--folds",
                "2",
                "--device",
                device,
                "--backend",
                backend,
                "--json",
                str(out),
            ] + (["--units", str(units)] if units else [])
            start = time.perf_counter()
            try:
                proc = subprocess.run(
                    cmd, env=_env(args.cpu, backend), capture_output=True, text=True, timeout=STEP_TIMEOUT_S, cwd=ROOT
                )
                error = "" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.strip()[-1500:]}"
            except subprocess.TimeoutExpired:
                error = f"timed out after {STEP_TIMEOUT_S} s"
            seconds = time.perf_counter() - start
        else:
            via, source = "python (aeon not installed: synthetic data, no MiniRocket baseline)", SYNTHETIC_SOURCE
            cmd = [
                sys.executable,
                __file__,
                "--child",
                "compare",
                "--epochs",
                str(args.compare_epochs),
                "--child-out",
                str(out),
            ] + (["--cpu", "--compare-units", str(units)] if args.cpu else [])
            _, error, seconds = _run(cmd, _env(args.cpu, backend), STEP_TIMEOUT_S)
        doc = json.loads(out.read_text()) if out.exists() else {}
    deep = doc.get("deep") or {}
    models = {m["name"]: m for m in deep.get("models") or []}
    record = {
        "via": via,
        "command": cmd[1:] if via == "cli" else None,
        "dataset": source,
        "backend": backend,
        "device": sorted({m.get("device") for m in models.values()}) or None,
        "models": sorted(models),
        "epochs": args.compare_epochs,
        "folds": 2,
        "balanced_accuracy": {n: m.get("balanced_accuracy") for n, m in models.items()},
        "comparisons": [[c.get("a"), c.get("b")] for c in deep.get("comparisons") or []],
        "document_errors": doc.get("errors") or [],
        "seconds": round(seconds, 1),
    }
    problems = [error] if error else []
    if not error:
        if set(models) != set(COMPARE_MODELS.split(",")):
            problems.append(f"models trained: {sorted(models)}")
        if record["document_errors"]:
            problems.append(f"document errors: {record['document_errors']}")
        if not args.cpu and not all(str(d).startswith("gpu") for d in record["device"] or ["none"]):
            problems.append(f"trained on {record['device']}, not a GPU")
    record["status"] = "fail" if problems else "pass"
    record["error"] = "; ".join(problems) or None
    failures += [f"compare: {p.splitlines()[-1] if p else p}" for p in problems]
    return record


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", action="store_true", help="dry run on the CPU: tiny models, GPUs hidden")
    parser.add_argument("--epochs", type=int, default=None, help="timed epochs (default: 2; 1 with --cpu)")
    parser.add_argument("--units", type=int, default=None, help="BiLSTM width (default: 256; 16 with --cpu)")
    parser.add_argument("--compare-epochs", type=int, default=2)
    parser.add_argument(
        "--no-aeon",
        action="store_true",
        help="compare on synthetic data through the Python API, as where aeon is not installed",
    )
    parser.add_argument("--out", default="out/gpu_check.json", help="the JSON written (default: out/gpu_check.json)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    parser.add_argument("--compare-units", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.epochs = args.epochs or (1 if args.cpu else 2)
    args.units = args.units or (16 if args.cpu else 256)
    if args.child:
        child(args)
        return {}
    start = time.perf_counter()
    failures: list[str] = []
    result = {
        "schema": SCHEMA,
        "mode": "cpu" if args.cpu else "gpu",
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "gpu": None if args.cpu else _gpu_name(),
            "versions": _versions(),
        },
    }
    result["throughput"] = step_throughput(args, failures)
    result["compare"] = step_compare(args, failures)
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["passed"] = not failures
    result["failures"] = failures
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    rows = [result["throughput"]["reference"] or {}] + result["throughput"]["runs"]
    for r in rows:
        print(
            f"{r.get('backend', '?'):22} {r.get('precision', ''):14} {r.get('device', ''):28} "
            f"{r.get('samples_per_s', '')!s:>10} samples/s  {r.get('status', '')}  {r.get('error') or ''}"
        )
    print(f"compare ({result['compare']['via']}): {result['compare']['status']} {result['compare']['error'] or ''}")
    print(f"{'PASSED' if result['passed'] else 'FAILED'} in {result['seconds']} s -> {args.out}")
    return result


if __name__ == "__main__":
    sys.exit(0 if main().get("passed", True) else 1)
