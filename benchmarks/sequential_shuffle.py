"""The label-shuffle test on pure noise, fixed design vs sequential (Besag & Clifford 1991), side by side.

Noise series (8 classes, class 0 holding 40% of them, variable length with zero padding: the user's
regime) through ``shuffle_test`` with its default heads, once drawing every permutation
(``sequential_h=0``) and once stopping at ``h = 20`` exceedances of the maximum over heads; the same
data, folds and permutation sequence. Records, per data set, the permutations drawn, the p-values and
the wall time of each, and the mean over data sets. Usage:

    python benchmarks/sequential_shuffle.py [--n 1000] [--sets 5] [--n-permutations 1000] [--sequential-only] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def noise(n: int, seed: int, T: int = 40, C: int = 3, classes: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian noise ``(n, T, C)`` float32, lengths T/2..T zero-padded, class 0 holding 40% of the series."""
    rng = np.random.default_rng(seed)
    shares = np.r_[0.4, np.full(classes - 1, 0.6 / (classes - 1))]
    y = rng.choice(classes, size=n, p=shares)
    X = rng.standard_normal((n, T, C)).astype(np.float32)
    lengths = rng.integers(T // 2, T + 1, n)
    X[np.arange(T)[None, :] >= lengths[:, None]] = 0.0
    return X, y


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="series per data set")
    ap.add_argument("--sets", type=int, default=5, help="noise data sets (seeds)")
    ap.add_argument("--n-permutations", type=int, default=1000)
    ap.add_argument("--sequential-only", action="store_true", help="skip the fixed design (it draws N by definition)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "sequential_shuffle.json"))
    args = ap.parse_args()

    from signal_diagnostics.checks.shuffle import shuffle_test
    from signal_diagnostics.checks.shuffle_rounds import round_ends
    from signal_diagnostics.evaluation.exchange import SEQUENTIAL_H

    X, y = noise(60, 0)
    shuffle_test(X, y % 2, n_permutations=2, folds=2)  # compile numba kernels first
    rows = []
    for seed in range(args.sets):
        X, y = noise(args.n, seed)
        row = {"seed": seed}
        designs = (("sequential", SEQUENTIAL_H),) + (() if args.sequential_only else (("fixed", 0),))
        for name, h in designs:
            t0 = time.perf_counter()
            r = shuffle_test(X, y, n_permutations=args.n_permutations, folds=5, random_state=seed, sequential_h=h)
            row[name] = {
                "permutations_drawn": r.permutations_drawn,
                # the rounds score whole batches: permutations past the stop are scored, then dropped
                "permutations_scored": next(
                    e for e in round_ends(args.n_permutations, h, True) if e >= r.permutations_drawn
                ),
                "p_value": r.p_value,
                "observed": r.observed,
                "seconds": round(time.perf_counter() - t0, 2),
            }
        rows.append(row)
        print(json.dumps(row), flush=True)
    summary = {
        "data": f"{args.sets} pure-noise sets of {args.n} x 40 x 3, 8 classes, class 0 40%, zero-padded lengths 20-40",
        "heads": "default (minirocket, summary_ridge, raw_ridge), max-T, 5 folds",
        "permutations_max": args.n_permutations,
        "h": SEQUENTIAL_H,
        "mean_drawn_sequential": float(np.mean([r["sequential"]["permutations_drawn"] for r in rows])),
        "mean_scored_sequential": float(np.mean([r["sequential"]["permutations_scored"] for r in rows])),
        "mean_seconds_sequential": float(np.mean([r["sequential"]["seconds"] for r in rows])),
        "mean_seconds_fixed": None if args.sequential_only else float(np.mean([r["fixed"]["seconds"] for r in rows])),
        "cpu_count": os.cpu_count(),
        "sets": rows,
    }
    summary["drawn_share"] = summary["mean_drawn_sequential"] / args.n_permutations
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k != "sets"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
