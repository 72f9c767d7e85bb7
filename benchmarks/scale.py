"""How ``diagnose signal`` scales with the number of series (issue 21, part 7), and how well its cost model predicts.

Data: ``signal_diagnostics.data.synthetic.imbalanced`` at ``n`` series x T 200 x C 6, 8 classes, class 0 at 60 %,
a weak bump (``--amplitude``) in steps 80-120 on every channel, zero padding (variable lengths). Four modes:

- default: the whole ``diagnose signal DATA --n-permutations 200 --json OUT`` in a subprocess at each size of
  ``--sizes`` (``--budget M`` adds ``--budget M``; ``--budget-sizes`` names the sizes that get it), wall time and
  peak memory (PSS of the process tree, as ``benchmarks/signal_memory.py`` measures it), the growth exponent
  between consecutive sizes (``log(t2 / t1) / log(n2 / n1)``), whether the planted signal was found, and each
  unit's predicted time (``signal_diagnostics.pipeline.cost``, said before the run) beside its measured time
  (the document's ``cost`` section) with their ratio;
- ``--units``: each unit of ``diagnose signal`` timed alone in this process at each size (the calibration of
  each step's ``constants``, ``signal_diagnostics.pipeline.steps``:
  ``python benchmarks/scale.py --units --sizes 1000,2000,4000 --out benchmarks/results/scale_units.json``);
- ``--by-hand N``: at ``N`` series, what a user would do by hand: aeon's MiniRocket features (computed once, not
  per fold) + scikit-learn's ``permutation_test_score`` of ``StandardScaler`` + ``RidgeClassifierCV`` (5 folds,
  ``--hand-permutations`` label permutations, default 200; with ``--hand-measure K`` only K are run and the time of
  200 is extrapolated linearly, stated in the row), beside the timed ``diagnose signal`` of the same size;
- ``--repredict RESULT``: the whole runs of a result file priced again by the cost model as it is now, after a
  recalibration (``predicted_now_s``, ``ratio_now``); nothing is timed again.

Usage::

    python benchmarks/scale.py --sizes 1000,2000 --by-hand 1000 --hand-measure 10 --out benchmarks/results/scale.json
    python benchmarks/scale.py --sizes 2000,8000,32000,100000 --budget 30 --budget-sizes 100000   # hours on 2 cores

Times depend on the machine and whatever else runs on it: on a shared machine they are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as diagnose's workers: idle OpenMP threads sleep
os.environ.setdefault("KMP_BLOCKTIME", "0")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
T, C, CLASSES, MAJORITY = 200, 6, 8, 0.6


def make_data(path: Path, n: int, amplitude: float, seed: int = 0) -> None:
    """The user's regime at ``n`` series, written to an uncompressed ``.npz`` (X float32, y, lengths)."""
    from signal_diagnostics.data import synthetic

    ds = synthetic.imbalanced(
        n=n, T=T, C=C, classes=CLASSES, majority=MAJORITY, amplitude=amplitude, start=80, stop=120, seed=seed
    )
    np.savez(path, X=ds.X.astype(np.float32), y=ds.y, lengths=ds.lengths)


def whole_run(n: int, args, work: Path, budget: float | None) -> dict:
    """``diagnose signal`` at ``n`` series in a subprocess: wall time, peak memory, prediction against measurement."""
    from signal_memory import measure, signal_command

    data = work / f"scale_{n}.npz"
    make_data(data, n, args.amplitude, args.random_state)
    out = work / f"diagnosis_{n}.json"
    cmd, env = signal_command(data, out, args.n_permutations, args.random_state, args.workers)
    if budget is not None:
        cmd += ["--budget", f"{budget:g}"]
    print(f"n={n}: {' '.join(cmd[3:])}", flush=True)
    got = measure(cmd, env, work / f"log_{n}.txt")
    log = (work / f"log_{n}.txt").read_text()
    peak = got["tree_pss"] or max(got["tree_rss"], got["ru_maxrss"])
    row = {
        "n": n,
        "budget_min": budget,
        "seconds": round(got["seconds"], 1),
        "peak_gb": round(peak / 1e9, 3),
        "exit_code": got["exit_code"],
        "said_before": next((line for line in log.splitlines() if line.startswith("cost:")), None),
    }
    if out.exists():
        doc = json.loads(out.read_text())
        cost = doc.get("cost") or {}
        row["predicted_s"] = cost.get("predicted_s")
        row["signal"] = ((doc.get("verdicts") or {}).get("signal") or {}).get("level")
        row["p_value"] = ((doc.get("signal") or {}).get("shuffle_test") or {}).get("p_value")
        row["best_baseline"] = (doc.get("signal") or {}).get("best_baseline")  # the learning curve's model
        row["units"] = {
            name: {**u, "ratio": round(u["measured_s"] / u["predicted_s"], 2) if u.get("predicted_s") else None}
            for name, u in (cost.get("units") or {}).items()
            if u.get("measured_s") is not None
        }
        row["plan"] = doc.get("plan")
        row["errors"] = doc.get("errors") or {}
    else:
        row["errors"] = log[-400:]
    data.unlink()
    return row


def unit_times(n: int, args, work: Path) -> dict:
    """Each unit of ``diagnose signal`` alone, in this process (calibration of the cost model)."""
    from threadpoolctl import threadpool_limits

    from signal_diagnostics.checks.health import health_checks
    from signal_diagnostics.data.loaders import load
    from signal_diagnostics.pipeline.config import Config
    from signal_diagnostics.pipeline.plan import make_plan, priced_curve, run_shape
    from signal_diagnostics.pipeline.signal_units import curve_call, signal_calls
    from signal_diagnostics.pipeline.steps import CURVES

    data = work / f"scale_{n}.npz"
    make_data(data, n, args.amplitude, args.random_state)
    ds = load(str(data))
    cfg = Config(n_permutations=args.n_permutations, random_state=args.random_state)
    plan = make_plan(ds, cfg, workers=1)
    only = set(args.only.split(",")) if args.only else None
    row = {"n": n, "units": {}, "cpu": {}, "predicted": {u: p["predicted_s"] for u, p in plan.predicted.items()}}
    jobs = [
        (
            "health",
            health_checks,
            (ds,),
            {"folds": cfg.folds, "random_state": cfg.random_state, "n_permutations": cfg.n_permutations},
        )
    ]
    jobs += [  # each unit with its arguments by name, as the run calls it
        (c.name, c.fn, (), c.kwargs) for c in signal_calls(ds, cfg, plan) + [curve_call(ds, cfg, plan, "minirocket")]
    ]
    for model in CURVES:  # the curve of each baseline that refits at every size (priced once it is chosen)
        call = curve_call(ds, cfg, plan, model)
        jobs.append((f"learning_curve:{model}", call.fn, (), call.kwargs))
        row["predicted"][f"learning_curve:{model}"] = priced_curve(plan, ds, cfg, model).predicted["learning_curve"][
            "predicted_s"
        ]
    for name, fn, fargs, kwargs in jobs:
        if only and name not in only:
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        with threadpool_limits(args.threads):
            fn(*fargs, **kwargs)
        row["units"][name] = round(time.perf_counter() - t0, 2)
        row["cpu"][name] = round(time.process_time() - c0, 2)  # CPU of all threads: steadier on a shared machine
        print(
            f"n={n} {name}: {row['units'][name]} s wall, {row['cpu'][name]} s CPU (predicted {row['predicted'].get(name)})",
            flush=True,
        )
    row["shape"] = {k: v for k, v in run_shape(ds, cfg).items() if k == "class_shares" or not isinstance(v, list)}
    data.unlink()
    return row


def by_hand(n: int, args, work: Path) -> dict:
    """aeon MiniRocket + scikit-learn ``permutation_test_score`` with ``--hand-permutations`` permutations."""
    from aeon.transformations.collection.convolution_based import MiniRocket
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.model_selection import StratifiedKFold, permutation_test_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = work / f"hand_{n}.npz"
    make_data(data, n, args.amplitude, args.random_state)
    with np.load(data) as f:
        X, y = f["X"], f["y"]
    t0 = time.perf_counter()
    F = MiniRocket(random_state=0).fit_transform(np.transpose(X, (0, 2, 1)).astype(np.float64))
    transform_s = time.perf_counter() - t0
    model = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    todo = args.hand_measure or args.hand_permutations
    t0 = time.perf_counter()
    score, _, p = permutation_test_score(
        model, F, y, cv=cv, n_permutations=todo, scoring="balanced_accuracy", random_state=0
    )
    per = (time.perf_counter() - t0) / (todo + 1)  # the observed score is one more cross-validation
    data.unlink()
    return {
        "n": n,
        "permutations": args.hand_permutations,
        "measured_permutations": todo,
        "transform_s": round(transform_s, 1),
        "seconds": round(transform_s + per * (args.hand_permutations + 1), 1),
        "extrapolated": todo != args.hand_permutations,
        "balanced_accuracy": round(float(score), 4),
        "p_value_measured": round(float(p), 4),
    }


def repredicted(path: Path, args, work: Path) -> dict:
    """The runs of a result file priced again by the cost model as it is now (after a recalibration): each unit's
    ``predicted_now_s`` and ``ratio_now`` beside its measured time, on the same generated data and workers."""
    import re

    from signal_diagnostics.data.loaders import load
    from signal_diagnostics.pipeline.config import Config
    from signal_diagnostics.pipeline.plan import make_plan, priced_curve

    res = json.loads(path.read_text())
    for row in res["runs"]:
        data = work / f"scale_{row['n']}.npz"
        make_data(data, row["n"], res["amplitude"], args.random_state)
        ds = load(str(data))
        cfg = Config(n_permutations=args.n_permutations, random_state=args.random_state, budget=row["budget_min"])
        workers = int(re.search(r"on (\d+) worker", row["said_before"]).group(1))
        plan = make_plan(ds, cfg, workers=workers, cores=res["cores"])
        if row.get("best_baseline"):
            plan = priced_curve(plan, ds, cfg, row["best_baseline"])
        row["predicted_now_s"] = round(plan.predicted_s, 1)
        for unit, u in row.get("units", {}).items():
            u["predicted_now_s"] = plan.predicted[unit]["predicted_s"]
            u["ratio_now"] = round(u["measured_s"] / u["predicted_now_s"], 2) if u["predicted_now_s"] else None
        data.unlink()
    return res


def exponents(rows: list[dict]) -> list[dict]:
    """Growth exponent of the wall time between consecutive sizes run without a budget."""
    plain = sorted((r for r in rows if r.get("budget_min") is None and r.get("exit_code") == 0), key=lambda r: r["n"])
    return [
        {
            "from": a["n"],
            "to": b["n"],
            "exponent": round(math.log(b["seconds"] / a["seconds"]) / math.log(b["n"] / a["n"]), 2),
        }
        for a, b in zip(plain, plain[1:])
    ]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,2000")
    ap.add_argument("--n-permutations", type=int, default=200)
    ap.add_argument("--budget", type=float, default=None, help="minutes, for the sizes of --budget-sizes")
    ap.add_argument("--budget-sizes", default="", help="sizes run with --budget (default: none; all with --budget)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--amplitude", type=float, default=0.3)
    ap.add_argument("--random-state", type=int, default=0)
    ap.add_argument("--units", action="store_true", help="time each unit alone, in this process")
    ap.add_argument("--only", default="", help="with --units: these units only")
    ap.add_argument("--threads", type=int, default=2, help="with --units: BLAS/OpenMP threads")
    ap.add_argument("--by-hand", type=int, default=0, help="also time aeon + permutation_test_score at this size")
    ap.add_argument("--hand-permutations", type=int, default=200)
    ap.add_argument("--hand-measure", type=int, default=0, help="run only this many and extrapolate")
    ap.add_argument("--repredict", default=None, help="a result file of whole runs: price its units again")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    budget_sizes = {int(s) for s in args.budget_sizes.split(",") if s} or (set(sizes) if args.budget else set())
    result: dict = {"T": T, "C": C, "classes": CLASSES, "majority": MAJORITY, "amplitude": args.amplitude}
    result["cores"] = os.cpu_count()
    result["load_average_before"] = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.repredict:
            result = repredicted(Path(args.repredict), args, work)
        elif args.units:
            result["units"] = [unit_times(n, args, work) for n in sizes]
            result["shape"] = result["units"][0]["shape"]
        else:
            rows = [whole_run(n, args, work, args.budget if n in budget_sizes else None) for n in sizes]
            result["runs"] = rows
            result["exponents"] = exponents(rows)
        if args.by_hand:
            result["by_hand"] = by_hand(args.by_hand, args, work)
    result["load_average_after"] = os.getloadavg()[0]
    text = json.dumps(result, indent=1, default=str)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)
    return result


if __name__ == "__main__":
    main()
