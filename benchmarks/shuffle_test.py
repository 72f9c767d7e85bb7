"""The whole label-shuffle test (every head, features included) vs scikit-learn's permutation_test_score.

Ours: one ``signal_diagnostics.shuffle_test`` call with its default heads (MiniRocket + ridge, per-channel
summaries + ridge, raw values + ridge; max-T over the heads), each fold's MiniRocket features fitted and
computed inside the call. scikit-learn: ``permutation_test_score`` of ``StandardScaler`` +
``RidgeClassifierCV`` (the same penalty grid) on MiniRocket features computed once beforehand (the head
start a user would give it), one head only. Same 5 folds, same permutation count, run side by side. The
data: aeon's JapaneseVowels, train and test joined, zero-padded to (640, 29, 12). Usage:

    python benchmarks/shuffle_test.py [--n-permutations 200,1000] [--out result.json]
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
    ap.add_argument("--n-permutations", default="200,1000", help="comma-separated permutation counts")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.model_selection import permutation_test_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from signal_diagnostics.baselines.minirocket import MiniRocketFeatures
    from signal_diagnostics.baselines.ridge import DEFAULT_ALPHAS
    from signal_diagnostics.checks.shuffle import DEFAULT_HEADS, shuffle_test
    from signal_diagnostics.evaluation.splits import make_splits

    X, y = japanese_vowels()
    pairs = make_splits(y, folds=args.folds, random_state=0).pairs
    shuffle_test(X[:60], y[:60] % 2, n_permutations=2, folds=2)  # compile numba kernels first

    start = time.perf_counter()
    F = MiniRocketFeatures(random_state=0).fit_transform(X)  # scikit-learn's head start, timed once
    t_features = time.perf_counter() - start
    sk_model = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=DEFAULT_ALPHAS))

    rows = []
    for n in [int(v) for v in args.n_permutations.split(",")]:
        start = time.perf_counter()
        ours = shuffle_test(X, y, n_permutations=n, folds=pairs, random_state=0)
        t_ours = time.perf_counter() - start
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            score, null, p = permutation_test_score(
                sk_model, F, y, cv=pairs, n_permutations=n, random_state=0, scoring="balanced_accuracy", n_jobs=1
            )
        t_sk = time.perf_counter() - start
        rows.append(
            {
                "permutations": n,
                "ours_seconds": round(t_ours, 2),
                "ours_heads": list(DEFAULT_HEADS),
                "ours_p": ours.p_value,
                "ours_observed": ours.observed,
                "ours_best_head": ours.best_head,
                "sklearn_seconds": round(t_sk, 2),
                "sklearn_p": float(p),
                "sklearn_observed": float(score),
                "speedup": t_sk / t_ours,
            }
        )
        print(
            f"N={n}: signal_diagnostics.shuffle_test {t_ours:.1f} s (3 heads, features included), "
            f"permutation_test_score {t_sk:.1f} s (1 head, features precomputed in {t_features:.1f} s): "
            f"{t_sk / t_ours:.0f}x",
            flush=True,
        )

    result = {
        "dataset": "aeon:JapaneseVowels (640, 29, 12), 9 classes",
        "ours": "signal_diagnostics.shuffle_test, default heads "
        + ", ".join(DEFAULT_HEADS)
        + " (max-T), features computed inside",
        "sklearn": "permutation_test_score(StandardScaler + RidgeClassifierCV(logspace(-3, 3, 10))) on precomputed MiniRocket features",
        "sklearn_feature_seconds": round(t_features, 2),
        "folds": args.folds,
        "cpu_cores": os.cpu_count(),
        "rows": rows,
    }
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
