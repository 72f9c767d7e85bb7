"""Power and calibration where the user stands: weak class-specific signal, one dominant class.

Side by side on the same generated sets and the same folds:

- ours: ``signal_diagnostics.shuffle_test`` with its default heads (max-T), fitted for balanced accuracy;
- reference: ``permutation_test_score`` of ``StandardScaler`` + ``RidgeClassifierCV(class_weight="balanced")``
  on the standardised raw values (each timestep x channel a feature), balanced-accuracy scorer.

Signal sets: ``synthetic.imbalanced`` (8 classes, class 0 at 60 %, a bump of a class-specific sign pattern
over the channels), detection rate at p <= 0.05 for each. Noise sets: pure Gaussian noise, 4 classes
with a 40 % majority; our p-values against Uniform(0, 1) by a Kolmogorov-Smirnov test (each p moved down by
``V / (N + 1)``, ``V ~ U(0, 1)``, so that a p uniform on the grid ``1/(N+1), ..., 1`` is uniform on (0, 1)).
Usage:

    python benchmarks/balanced_power.py [--sets 20] [--noise-sets 40] [--n-permutations 99] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np


def noise_set(n: int, T: int, C: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pure noise, 4 classes, the first holding 40 % of the series."""
    rng = np.random.default_rng(seed)
    counts = np.array([0.4, 0.2, 0.2, 0.2]) * n
    y = rng.permutation(np.repeat(np.arange(4), counts.astype(int)))
    return rng.standard_normal((len(y), T, C)).astype(np.float32), y


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=20, help="signal sets")
    ap.add_argument("--noise-sets", type=int, default=40)
    ap.add_argument("--n-permutations", type=int, default=99)
    ap.add_argument("--n", type=int, default=240, help="series per signal set (240 x 40 x 4)")
    ap.add_argument("--amplitude", type=float, default=0.4, help="the bump (0.4: balanced ridge ~0.29 vs chance 0.125)")
    ap.add_argument("--noise-n", type=int, default=80, help="series per noise set (80 x 24 x 2)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", default="benchmarks/results/balanced_power.json")
    ap.add_argument(
        "--threads", type=int, default=1, help="BLAS/OpenMP threads (1: no oversubscription on a busy machine)"
    )
    args = ap.parse_args()

    from threadpoolctl import threadpool_limits

    with threadpool_limits(args.threads):
        return run(args)


def run(args) -> int:
    from scipy.stats import kstest
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.model_selection import permutation_test_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from signal_diagnostics.baselines.ridge import DEFAULT_ALPHAS
    from signal_diagnostics.checks.shuffle import DEFAULT_HEADS, shuffle_test
    from signal_diagnostics.data import synthetic
    from signal_diagnostics.evaluation.splits import make_splits

    N, alpha = args.n_permutations, 0.05
    reference = make_pipeline(StandardScaler(), RidgeClassifierCV(DEFAULT_ALPHAS, class_weight="balanced"))
    shuffle_test(*noise_set(40, 24, 2, 0), n_permutations=2, folds=2)  # compile numba kernels first
    signal_rows, start = [], time.perf_counter()
    for s in range(args.sets):
        d = synthetic.imbalanced(n=args.n, T=40, C=4, classes=8, majority=0.6, amplitude=args.amplitude, seed=s)
        X, y = d.X.astype(np.float32), d.y_codes
        pairs = make_splits(y, folds=args.folds, random_state=s).pairs
        t = time.perf_counter()
        ours = shuffle_test(X, y, n_permutations=N, folds=pairs, random_state=s)
        t_ours = time.perf_counter() - t
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score, _, p_ref = permutation_test_score(
                reference, X.reshape(len(X), -1), y, cv=pairs, n_permutations=N, random_state=s,
                scoring="balanced_accuracy",
            )  # fmt: skip
        t_ref = time.perf_counter() - t
        signal_rows.append(
            {
                "seed": s,
                "ours_p": ours.p_value,
                "ours_observed": ours.observed,
                "ours_best_head": ours.best_head,
                "ours_seconds": round(t_ours, 2),
                "balanced_ridge_p": float(p_ref),
                "balanced_ridge_observed": float(score),
                "balanced_ridge_seconds": round(t_ref, 2),
            }
        )
        print(f"signal set {s}: ours p={ours.p_value:.3f} ({ours.observed:.3f}, {t_ours:.0f} s), "
              f"balanced ridge p={p_ref:.3f} ({score:.3f}, {t_ref:.0f} s)", flush=True)  # fmt: skip
    signal_seconds = time.perf_counter() - start

    noise_p, start = [], time.perf_counter()
    for s in range(args.noise_sets):
        X, y = noise_set(args.noise_n, 24, 2, 1000 + s)
        noise_p.append(shuffle_test(X, y, n_permutations=N, folds=args.folds, random_state=s).p_value)
        print(f"noise set {s}: p={noise_p[-1]:.3f}", flush=True)
    noise_seconds = time.perf_counter() - start
    jitter = np.random.default_rng(12345).random(len(noise_p)) / (N + 1)
    ks = kstest(np.asarray(noise_p) - jitter, "uniform")

    ours_rate = float(np.mean([r["ours_p"] <= alpha for r in signal_rows])) if signal_rows else None
    ref_rate = float(np.mean([r["balanced_ridge_p"] <= alpha for r in signal_rows])) if signal_rows else None
    result = {
        "signal_sets": f"{args.sets} x synthetic.imbalanced(n={args.n}, T=40, C=4, classes=8, majority=0.6, "
        f"amplitude={args.amplitude})",
        "noise_sets": f"{args.noise_sets} x pure noise ({args.noise_n}, 24, 2), 4 classes, 40 % majority",
        "permutations": N,
        "folds": args.folds,
        "alpha": alpha,
        "ours": "signal_diagnostics.shuffle_test, default heads " + ", ".join(DEFAULT_HEADS) + " (max-T), balanced fit",
        "reference": "permutation_test_score(StandardScaler + RidgeClassifierCV(class_weight='balanced')) on raw values",
        "detection_rate_ours": ours_rate,
        "detection_rate_balanced_ridge": ref_rate,
        "mean_balanced_accuracy_ours": float(np.mean([r["ours_observed"] for r in signal_rows]))
        if signal_rows
        else None,
        "mean_balanced_accuracy_balanced_ridge": float(np.mean([r["balanced_ridge_observed"] for r in signal_rows]))
        if signal_rows
        else None,
        "noise_p_values": noise_p,
        "noise_rejections": int(np.sum(np.asarray(noise_p) <= alpha)),
        "noise_ks_statistic": float(ks.statistic),
        "noise_ks_p": float(ks.pvalue),
        "signal_seconds": round(signal_seconds, 1),
        "noise_seconds": round(noise_seconds, 1),
        "cpu_cores": os.cpu_count(),
        "signal_rows": signal_rows,
    }
    print(f"detection at p <= {alpha}: ours {ours_rate}, balanced ridge {ref_rate}; "
          f"noise: {result['noise_rejections']}/{len(noise_p)} at p <= {alpha}, KS p = {ks.pvalue:.3f}")  # fmt: skip
    if args.out:
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
