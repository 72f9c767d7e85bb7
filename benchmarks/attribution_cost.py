"""Cost of each attribution method against series length T and number of series n.

A BiLSTM from the zoo (64 units, one bidirectional layer by default, trained one epoch: the weights
do not change the cost) on ``synthetic.bump`` with 12 channels. Each method is warmed up on two
series (graph tracing) before it is timed. Target: Shapley values with timesteps as players for 200
series of length 29 within 20 s on a 2-core CPU. Usage:

    python benchmarks/attribution_cost.py [--out attribution_cost.json] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

TARGET = {"method": "shap", "n": 200, "T": 29, "seconds": 20.0}


def _model(T: int, C: int, units: int, depth: int, seed: int):
    from signal_diagnostics.data import synthetic
    from signal_diagnostics.models.training import fit

    d = synthetic.bump(n=400, T=T, C=C, start=T // 3, stop=T // 3 + max(T // 5, 1), amplitude=1.0, seed=seed)
    trained = fit(
        "bilstm",
        d.X,
        d.y_codes,
        n_classes=2,
        epochs=1,
        seed=seed,
        validation_fraction=0,
        hyper={"units": units, "depth": depth},
    )
    return d, trained


def _time(trained, d, method: str, n: int) -> dict:
    from signal_diagnostics.attribution import attribute

    options = {"channels": False} if method in ("shap", "occlusion") else {}
    X, y, bg = d.X[:n], d.y_codes[:n], d.X
    attribute(trained, X[:2], y[:2], method=method, background=bg, **options)  # warm-up (tracing)
    start = time.perf_counter()
    a = attribute(trained, X, y, method=method, background=bg, **options)
    seconds = time.perf_counter() - start
    T = X.shape[1]
    return {
        "method": method,
        "T": T,
        "n": n,
        "seconds": seconds,
        "ms_per_series": 1000 * seconds / n,
        "us_per_series_step": 1e6 * seconds / (n * T),
        "model_evaluations": int(a.info.get("model_evaluations", n)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--quick", action="store_true", help="fewer lengths and sizes")
    ap.add_argument("--units", type=int, default=64)
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--channels", type=int, default=12)
    ap.add_argument("--methods", default="shap,integrated_gradients,occlusion")
    args = ap.parse_args()
    methods = args.methods.split(",")
    lengths = [15, 29] if args.quick else [15, 29, 60, 120]
    sizes = [50, 100] if args.quick else [50, 100, 200]
    records = []
    for T in lengths:
        d, trained = _model(T, args.channels, args.units, args.depth, seed=0)
        for method in methods:
            for n in sizes if T == 29 else [sizes[-1]]:
                r = _time(trained, d, method, n)
                records.append(r)
                print(
                    f"{r['method']:>22} T={T:>4} n={n:>4}  {r['seconds']:7.2f} s  "
                    f"{r['ms_per_series']:7.1f} ms/series  {r['us_per_series_step']:8.1f} us/(series*step)  "
                    f"{r['model_evaluations']:>7} evals",
                    flush=True,
                )
    hit = [r for r in records if r["method"] == "shap" and r["T"] == TARGET["T"] and r["n"] == TARGET["n"]]
    result = {
        "model": f"bilstm units={args.units} depth={args.depth}",
        "channels": args.channels,
        "target": TARGET,
        "records": records,
    }
    if hit:
        result["target_seconds"] = hit[0]["seconds"]
        result["target_met"] = hit[0]["seconds"] <= TARGET["seconds"]
        print(f"target: shap, 200 series x 29 steps in {hit[0]['seconds']:.1f} s (goal <= {TARGET['seconds']:.0f} s)")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
