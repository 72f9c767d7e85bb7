"""Peak memory of ``diagnose signal`` on large synthetic data (issue 7: target <= 4 GB at 100,000 x 500 x 3).

For each size a seeded synthetic dataset (``n`` series x ``T`` steps x ``C`` channels, float32; Gaussian
noise with a class-dependent bump on channel 0, the shape of ``signal_diagnostics.data.synthetic.bump``) is written to
an uncompressed ``.npz`` in a temporary directory, and ``python -m signal_diagnostics signal FILE --n-permutations
200 --json OUT`` runs on it in a subprocess. Memory is measured three ways:

- ``ru_maxrss_gb``: the largest resident set of any one process (``os.wait4``: the command and the
  worker processes it reaped);
- ``tree_rss_gb``: the largest sum of RSS over the process tree, sampled every 0.2 s (``psutil``); it
  counts the pages of a memory-mapped file once per process that reads them;
- ``tree_pss_gb``: the largest sum of PSS over the tree, sampled every second: shared pages split
  between the processes that share them, i.e. the memory the run actually occupies.

``peak_gb`` (compared with the 4 GB target) is ``tree_pss_gb``, or ``tree_rss_gb`` where PSS cannot be
read. ``diagnose signal`` runs units in a pool of one process per core on large data unless
``--workers`` is given.

With ``--units`` each part of ``diagnose signal`` instead runs alone in its own process on the
first of the 5 folds (a fold's memory is every fold's: they run one after another), and its
``ru_maxrss`` is reported: the load with the health checks, the timestep map, each baseline, the
label-shuffle test (``--n-permutations`` permutations), the learning curve and the ceiling (both on
their capped subsamples, in full). This measures the full size in a fraction of a whole run's time.
Usage:

    python benchmarks/signal_memory.py [--sizes 2000,5000] [--n 100000] [--T 500] [--C 3]
        [--classes 2] [--n-permutations 200] [--workers N] [--no-curve] [--units [NAMES]] [--out result.json]

On a 2-core machine a whole run at 100,000 x 500 x 3 takes hours (each of the 5 folds of the
MiniRocket baseline and of the shuffle test decomposes a 9,996 x 9,996 covariance and reads 80,000
series' features a few times: about 17-22 minutes per fold there); ``--n 100000 --units`` measures
each part at that size in about an hour.

With ``--units`` and several sizes, ``scaling`` fits each unit's peak as a fixed part plus a
multiple of X's bytes and lists, beside it, the estimate ``diagnose`` uses to cap its default
number of workers (``signal_diagnostics.pipeline.resources.unit_memory_bytes``) and the workers that cap gives here.

``--n`` runs that one size instead of ``--sizes``. Time figures depend on the machine and on whatever
else runs on it; memory figures do not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TARGET_GB = 4.0  # issue 7: peak memory of `diagnose signal` at 100,000 x 500 x 3 with 200 permutations
CHUNK = 5_000  # series generated at a time, so the generator itself stays small


def make_data(path: Path, n: int, T: int, C: int, classes: int, seed: int = 0, amplitude: float = 0.5) -> None:
    """Write ``X`` ``(n, T, C)`` float32 and ``y`` to an uncompressed ``.npz`` (memory-mappable by the loader).

    Class ``k`` adds ``amplitude * k`` to channel 0 in steps ``[0.4 T, 0.5 T)``; elsewhere pure noise.
    """
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % classes)
    X = np.empty((n, T, C), dtype=np.float32)
    start, stop = int(0.4 * T), max(int(0.5 * T), int(0.4 * T) + 1)
    for i in range(0, n, CHUNK):
        block = rng.standard_normal((min(CHUNK, n - i), T, C), dtype=np.float32)
        block[:, start:stop, 0] += amplitude * y[i : i + len(block), None]
        X[i : i + len(block)] = block
    np.savez(path, X=X, y=y)


def _tree(proc, kind: str) -> int:
    """Sum of ``rss`` (``memory_info``) or ``pss`` (``memory_full_info``) over ``proc`` and its descendants."""
    import psutil

    total = 0
    try:
        for p in [proc] + proc.children(recursive=True):
            try:
                total += p.memory_info().rss if kind == "rss" else p.memory_full_info().pss
            except (psutil.Error, AttributeError):
                pass
    except psutil.Error:
        pass
    return total


def measure(cmd: list[str], env: dict, log: Path) -> dict:
    """Run ``cmd``; return seconds, exit code, ``ru_maxrss`` and the sampled process-tree peaks (bytes)."""
    import psutil

    start = time.perf_counter()
    with open(log, "w") as fh:
        child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        proc = psutil.Process(child.pid)
        peak = {"rss": 0, "pss": 0}
        done = threading.Event()

        def sample():
            tick = 0
            while not done.is_set():
                peak["rss"] = max(peak["rss"], _tree(proc, "rss"))
                if tick % 5 == 0:
                    peak["pss"] = max(peak["pss"], _tree(proc, "pss"))
                tick += 1
                done.wait(0.2)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen.wait
        done.set()
        thread.join()
    return {
        "seconds": time.perf_counter() - start,
        "exit_code": child.returncode,
        "ru_maxrss": usage.ru_maxrss * 1024,
        "tree_rss": peak["rss"],
        "tree_pss": peak["pss"],
    }


def signal_command(data: Path, out: Path, n_permutations: int, random_state: int, workers: int | None = None):
    """The measured command, ``diagnose signal DATA --n-permutations N --json OUT --random-state S [--workers W]``,
    and the environment it runs in (also ``benchmarks/scale.py``'s)."""
    cmd = [sys.executable, "-m", "signal_diagnostics", "signal", str(data), "--n-permutations", str(n_permutations)]
    cmd += ["--json", str(out), "--random-state", str(random_state)]
    if workers:
        cmd += ["--workers", str(workers)]
    return cmd, dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")


def run_size(n: int, args, workdir: Path) -> dict:
    data = workdir / f"signal_{n}x{args.T}x{args.C}.npz"
    t0 = time.perf_counter()
    make_data(data, n, args.T, args.C, args.classes, seed=args.random_state)
    generate_s = time.perf_counter() - t0
    out_json = workdir / f"diagnosis_{n}.json"
    cmd, env = signal_command(data, out_json, args.n_permutations, args.random_state, args.workers)
    if args.no_curve:
        cmd.append("--no-curve")
    from signal_diagnostics.pipeline.resources import memory_capped_workers

    default_workers = memory_capped_workers(os.cpu_count() or 1, n * args.T * args.C * 4, n)
    print(f"n={n}: {' '.join(cmd[1:])}", flush=True)
    got = measure(cmd, env, workdir / f"log_{n}.txt")
    peak = got["tree_pss"] or max(got["tree_rss"], got["ru_maxrss"])
    row = {
        "n": n,
        "T": args.T,
        "C": args.C,
        "classes": args.classes,
        "permutations": args.n_permutations,
        "workers": args.workers or f"default ({default_workers if n * args.T * args.C >= 1_000_000 else 1})",
        "seconds": round(got["seconds"], 1),
        "peak_gb": round(peak / 1e9, 3),
        "ru_maxrss_gb": round(got["ru_maxrss"] / 1e9, 3),
        "tree_rss_gb": round(got["tree_rss"] / 1e9, 3),
        "tree_pss_gb": round(got["tree_pss"] / 1e9, 3),
        "target_gb": TARGET_GB,
        "within_target": bool(peak / 1e9 <= TARGET_GB),
        "data_mb": round(data.stat().st_size / 1e6, 1),
        "generate_s": round(generate_s, 1),
        "exit_code": got["exit_code"],
    }
    if out_json.exists():
        doc = json.loads(out_json.read_text())
        row["errors"] = "; ".join(f"{k}: {v}" for k, v in (doc.get("errors") or {}).items())[:300]
        row["verdict"] = ((doc.get("signal") or {}).get("verdict") or {}).get("level")
    else:
        row["errors"] = (workdir / f"log_{n}.txt").read_text()[-300:]
    data.unlink()
    return row


UNITS = (
    "load_health",
    "timestep_map",
    "logistic",
    "features_gb",
    "minirocket",
    "shuffle_test",
    "learning_curve",
    "ceiling",
)


def run_unit(name: str, data: str, permutations: int) -> None:
    """One part of ``diagnose signal`` on the data in ``data``, on the first fold where it has folds."""
    from signal_diagnostics.data.loaders import load
    from signal_diagnostics.evaluation.splits import make_splits

    ds = load(data)
    first = make_splits(ds.y_codes, folds=5, random_state=0).pairs[:1]
    if name == "load_health":
        from signal_diagnostics.checks.health import health_checks

        health_checks(ds, folds=5, random_state=0)
    elif name == "timestep_map":
        from signal_diagnostics.checks.timemap import timestep_signal

        timestep_signal(ds.X, ds.y_codes, ds.lengths)
    elif name in ("logistic", "features_gb", "minirocket"):
        from signal_diagnostics import baselines
        from signal_diagnostics.evaluation.scores import evaluate

        evaluate(baselines.make(name, random_state=0), ds.X, ds.y_codes, first, name=name)
    elif name == "shuffle_test":
        from signal_diagnostics.checks.shuffle import shuffle_test

        shuffle_test(ds.X, ds.y_codes, model="minirocket", n_permutations=permutations, folds=first, random_state=0)
    elif name == "learning_curve":
        from signal_diagnostics.checks.curves import learning_curve

        learning_curve(ds.X, ds.y_codes, model="minirocket", repeats=5, random_state=0)
    elif name == "ceiling":
        from signal_diagnostics.checks.ceiling import bayes_error_bounds

        bayes_error_bounds(ds.X, ds.y_codes, folds=5, random_state=0)
    else:
        raise SystemExit(f"unknown unit {name!r}; known: {', '.join(UNITS)}")


def unit_rows(n: int, args, workdir: Path, names: list[str]) -> list[dict]:
    data = workdir / f"units_{n}x{args.T}x{args.C}.npz"
    make_data(data, n, args.T, args.C, args.classes, seed=args.random_state)
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    rows = []
    for name in names:
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--run-unit",
            name,
            "--data",
            str(data),
            "--n-permutations",
            str(args.n_permutations),
        ]
        print(f"n={n}: unit {name}", flush=True)
        got = measure(cmd, env, workdir / f"log_{name}_{n}.txt")
        rows.append(
            {
                "unit": name,
                "n": n,
                "T": args.T,
                "C": args.C,
                "folds_run": "1 of 5" if name in ("logistic", "features_gb", "minirocket", "shuffle_test") else "all",
                "seconds": round(got["seconds"], 1),
                "peak_gb": round(got["ru_maxrss"] / 1e9, 3),
                "target_gb": TARGET_GB,
                "exit_code": got["exit_code"],
            }
        )
        if got["exit_code"]:
            rows[-1]["errors"] = (workdir / f"log_{name}_{n}.txt").read_text()[-300:]
        print(f"  {name}: {rows[-1]['seconds']:.0f} s, peak {rows[-1]['peak_gb']:.2f} GB", flush=True)
        if args.out:
            _write(args.out, [], rows)
    data.unlink()
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,5000", help="comma-separated numbers of series (default: 2000,5000)")
    ap.add_argument("--n", type=int, default=None, help="run this one size instead of --sizes")
    ap.add_argument("--T", type=int, default=500)
    ap.add_argument("--C", type=int, default=3)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--n-permutations", type=int, default=200)
    ap.add_argument("--random-state", type=int, default=0)
    ap.add_argument("--workers", type=int, default=None, help="pass --workers N to diagnose signal (default: its own)")
    ap.add_argument("--no-curve", action="store_true", help="pass --no-curve to diagnose signal")
    ap.add_argument(
        "--units",
        nargs="?",
        const=",".join(UNITS),
        default=None,
        help=f"measure each part alone instead of whole runs (default: all of {', '.join(UNITS)})",
    )
    ap.add_argument("--run-unit", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--data", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.run_unit:
        run_unit(args.run_unit, args.data, args.n_permutations)
        return 0
    sizes = [args.n] if args.n else [int(s) for s in args.sizes.split(",") if s.strip()]

    rows, units = [], []
    with tempfile.TemporaryDirectory(prefix="signal_memory_") as tmp:
        if args.units:
            for n in sizes:
                units += unit_rows(n, args, Path(tmp), [u for u in args.units.split(",") if u])
            _write(args.out, rows, units)
            return 0 if all(r["exit_code"] == 0 for r in units) else 1
        for n in sizes:
            rows.append(run_size(n, args, Path(tmp)))
            r = rows[-1]
            print(
                f"  n={n}: {r['seconds']:.0f} s, peak {r['peak_gb']:.2f} GB (one process {r['ru_maxrss_gb']:.2f} GB; "
                f"target {TARGET_GB:g} GB), "
                f"exit {r['exit_code']}{', errors: ' + r['errors'] if r.get('errors') else ''}",
                flush=True,
            )
            if args.out:  # write after every size: a long run keeps what it has
                _write(args.out, rows)
    _write(args.out, rows)
    return 0 if all(r["exit_code"] == 0 for r in rows) else 1


def scaling(units: list[dict]) -> list[dict]:
    """Per unit, peak = fixed + slope x X's bytes, from its two extreme sizes, beside the estimate with
    which ``diagnose`` caps its default workers (``signal_diagnostics.pipeline.resources.unit_memory_bytes``)."""
    from signal_diagnostics.pipeline.resources import memory_budget_bytes, memory_capped_workers, unit_memory_bytes

    rows = []
    for name in dict.fromkeys(r["unit"] for r in units):
        mine = sorted((r for r in units if r["unit"] == name and r["exit_code"] == 0), key=lambda r: r["n"])
        for r in mine:
            r["data_gb"] = round(r["n"] * r["T"] * r["C"] * 4 / 1e9, 3)
        row = {
            "unit": name,
            "sizes": [r["n"] for r in mine],
            "peak_gb": [r["peak_gb"] for r in mine],
            "estimate_gb": [round(unit_memory_bytes(r["data_gb"] * 1e9, r["n"]) / 1e9, 3) for r in mine],
            "default_workers_here": [
                memory_capped_workers(os.cpu_count() or 1, r["data_gb"] * 1e9, r["n"]) for r in mine
            ],
            "budget_gb_here": round(memory_budget_bytes() / 1e9, 1),
        }
        if len(mine) >= 2 and mine[-1]["data_gb"] > mine[0]["data_gb"]:
            slope = (mine[-1]["peak_gb"] - mine[0]["peak_gb"]) / (mine[-1]["data_gb"] - mine[0]["data_gb"])
            row["gb_per_data_gb"] = round(slope, 2)
            row["fixed_gb"] = round(mine[0]["peak_gb"] - slope * mine[0]["data_gb"], 3)
        rows.append(row)
    return rows


def _write(out: str | None, rows: list[dict], units: list[dict] | None = None) -> None:
    import psutil

    result = {
        "command": "python -m signal_diagnostics signal DATA.npz --n-permutations N --json OUT [--workers N]",
        "cpu_cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "target_gb": TARGET_GB,
        "runs": rows,
    }
    if units:
        result["units"] = units
        result["scaling"] = scaling(units)
        result["largest_unit_gb"] = max(r["peak_gb"] for r in units)
        result["units_note"] = (
            "each unit alone in a fresh process (ru_maxrss, incl. ~0.4 GB of Python and "
            "libraries and the memory-mapped X pages it reads); with --workers 1 a run does "
            "them one after another in one process, so its peak is about the largest unit's"
        )
    if out:
        Path(out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
