"""Label-shuffle test on JapaneseVowels: the batched ridge fast path vs scikit-learn's permutation_test_score.

Both run the same model (``MiniRocketRidge``: MiniRocket 10k kernels + StandardScaler +
RidgeClassifierCV), the same 5 folds and the same permutations (``random_state``), so their null
scores should agree; scikit-learn refits MiniRocket and the ridge for every fold of every
permutation, the fast path computes each fold's features once and solves all permutations from one
eigendecomposition. The data: aeon's JapaneseVowels, train and test joined, zero-padded to
(640, 29, 12). Usage:

    python benchmarks/shuffle_test.py [--sklearn-permutations 100] [--fast-permutations 1000] [--out result.json]
"""
from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np


def japanese_vowels() -> tuple[np.ndarray, np.ndarray]:
    """aeon:JapaneseVowels, train + test, as zero-padded ``(640, 29, 12)`` float32 and integer codes."""
    from aeon.datasets import load_classification

    series, labels = [], []
    for split in ("train", "test"):
        X, y = load_classification("JapaneseVowels", split=split)
        series += [np.asarray(x, dtype=np.float32).T for x in X]  # each (C, T_i) -> (T_i, C)
        labels += list(y)
    T = max(len(s) for s in series)
    out = np.zeros((len(series), T, series[0].shape[1]), dtype=np.float32)
    for i, s in enumerate(series):
        out[i, : len(s)] = s
    return out, np.unique(np.asarray(labels), return_inverse=True)[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sklearn-permutations", type=int, default=100)
    ap.add_argument("--fast-permutations", type=int, default=1000)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from sklearn.model_selection import permutation_test_score

    from baselines.minirocket import MiniRocketRidge
    from diagnose.evaluation import make_splits
    from diagnose.shuffle import shuffle_test

    X, y = japanese_vowels()
    pairs = make_splits(y, folds=args.folds, seed=0).pairs
    model = MiniRocketRidge(random_state=0)
    shuffle_test(X[:60], y[:60] % 2, model=model, n_permutations=2, cv=2)  # compile numba kernels first

    rows = []
    n_small = args.sklearn_permutations
    start = time.perf_counter()
    fast = shuffle_test(X, y, model=model, n_permutations=n_small, cv=pairs, random_state=0)
    t_fast = time.perf_counter() - start
    rows.append({"method": "ridge-fast", "permutations": n_small, "seconds": round(t_fast, 2),
                 "s_per_permutation": t_fast / (n_small + 1)})

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        score, null, p = permutation_test_score(model, X, y, cv=pairs, n_permutations=n_small, random_state=0,
                                                scoring="balanced_accuracy", n_jobs=1)
    t_sk = time.perf_counter() - start
    rows.append({"method": "sklearn permutation_test_score", "permutations": n_small, "seconds": round(t_sk, 2),
                 "s_per_permutation": t_sk / (n_small + 1)})

    n_big = args.fast_permutations
    start = time.perf_counter()
    big = shuffle_test(X, y, model=model, n_permutations=n_big, cv=pairs, random_state=0)
    t_big = time.perf_counter() - start
    rows.append({"method": "ridge-fast", "permutations": n_big, "seconds": round(t_big, 2),
                 "s_per_permutation": t_big / (n_big + 1)})

    result = {
        "dataset": "aeon:JapaneseVowels (640, 29, 12), 9 classes",
        "model": "MiniRocketRidge (10k kernels, StandardScaler, RidgeClassifierCV logspace(-3, 3, 10))",
        "folds": args.folds,
        "cpu_cores": os.cpu_count(),
        "timings": rows,
        "speedup_per_permutation": rows[1]["s_per_permutation"] / rows[0]["s_per_permutation"],
        "speedup_vs_fast_at_big_n": rows[1]["s_per_permutation"] / rows[2]["s_per_permutation"],
        "observed_fast": fast.observed,
        "observed_sklearn": float(score),
        "p_fast": fast.p_value,
        "p_sklearn": float(p),
        "max_null_difference": float(np.max(np.abs(np.asarray(fast.null_scores) - null))),
        "p_fast_big_n": big.p_value,
    }
    print(f"{'method':<34}{'N':>6}{'seconds':>10}{'s/perm':>10}")
    for r in rows:
        print(f"{r['method']:<34}{r['permutations']:>6}{r['seconds']:>10.1f}{r['s_per_permutation']:>10.4f}")
    print(f"speed-up per permutation: {result['speedup_per_permutation']:.0f}x at N={n_small}, "
          f"{result['speedup_vs_fast_at_big_n']:.0f}x against the fast path at N={n_big}")
    print(f"observed {fast.observed:.4f} (sklearn {score:.4f}); p {fast.p_value:.4f} (sklearn {p:.4f}); "
          f"largest null-score difference {result['max_null_difference']:.2e}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
