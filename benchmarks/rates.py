"""The reference rates of the cost model (``signal_diagnostics.pipeline.work``), measured on this machine.

Three rates, each timed alone with the threads a unit gets (``--threads``, default 2):

- ``TRANSFORM_S``: seconds per series x timesteps x features x sqrt(channels) of a MiniRocket transform
  (``--n`` series of T 200 x C 6, 10,000 kernels; a first transform of a few series compiles numba first);
- ``GEMM_S``: seconds per float64 multiply-add of ``F'F`` (``--n`` x 9,996, the ridge's Gram and covariance);
- ``EIGH_S``: seconds per ``p^3`` of the float64 symmetric eigendecomposition of a ``--p`` x ``--p`` covariance
  (the ridge's factorisation, ``baselines.ridge_algebra.symmetric_eigh``);
- with ``--gb N1,N2,N3``, the features_gb baseline (``baselines.features.SummaryFeaturesGB``) on the user's regime
  (``benchmarks/scale.py``'s data, a 4/5 training fold): ``GB_EXTRACT_S`` per value of its summary features, and
  ``GB_BIN_S`` / ``GB_ROW_S`` per boosting round and class per histogram bin / per training row, solved from the
  first two sizes with early stopping off (100 rounds each, 255 bins); at the last size, the rounds scikit-learn's
  early stopping (on past 10,000 training rows) ran (``GB_EARLY_ROUNDS``).

Usage::

    python benchmarks/rates.py --gb 4000,8000,32000 --out benchmarks/results/rates.json   # about 5 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import CLASSES, MAJORITY, C, T  # noqa: E402  (benchmarks/scale.py's data: the user's regime)


def measure(n: int, p: int, threads: int) -> dict:
    """The three rates at ``n`` series and a ``p x p`` eigendecomposition, with ``threads`` threads."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from signal_diagnostics.baselines.minirocket import MiniRocketFeatures
    from signal_diagnostics.baselines.ridge_algebra import symmetric_eigh

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, T, C)).astype(np.float32)
    with threadpool_limits(threads):
        feats = MiniRocketFeatures(n_kernels=10_000, random_state=0, n_jobs=threads).fit(X[: min(n, 1000)])
        feats.transform(X[:8])  # numba compiles here, not in the timing
        t0 = time.perf_counter()
        F = feats.transform(X)
        transform_s = time.perf_counter() - t0
        F = F.astype(np.float64)
        t0 = time.perf_counter()
        G = F.T @ F
        gemm_s = time.perf_counter() - t0
        n_f, p_f = F.shape
        del F
        A = G[:p, :p] if p <= len(G) else np.eye(p) + rng.standard_normal((p, p)) / math.sqrt(p)
        A = A + A.T
        t0 = time.perf_counter()
        symmetric_eigh(A, lower=False)
        eigh_s = time.perf_counter() - t0
    return {
        "n": n,
        "p": p,
        "threads": threads,
        "transform_s": round(transform_s, 2),
        "gemm_s": round(gemm_s, 2),
        "eigh_s": round(eigh_s, 2),
        "TRANSFORM_S": transform_s / (n * T * p_f * math.sqrt(C)),
        "GEMM_S": gemm_s / (n_f * p_f * p_f),
        "EIGH_S": eigh_s / p**3,
    }


def measure_gb(sizes: list[int]) -> dict:
    """features_gb's rates (see the module's docstring) at ``sizes`` (three: two without early stopping, one with)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from signal_diagnostics.baselines.features import SummaryFeatures, SummaryFeaturesGB, one_openmp_thread
    from signal_diagnostics.data import synthetic

    rows = []
    for i, n in enumerate(sizes):
        ds = synthetic.imbalanced(
            n=n, T=T, C=C, classes=CLASSES, majority=MAJORITY, amplitude=0.3, start=80, stop=120, seed=0
        )
        train = np.arange(n) % 5 != 0
        X, y = ds.X[train], ds.y_codes[train]
        t0 = time.perf_counter()
        F = SummaryFeatures().fit(X).transform(X)
        extract_s = time.perf_counter() - t0
        base = SummaryFeaturesGB()  # its boosting settings, early stopping off for the first two sizes
        gb = HistGradientBoostingClassifier(
            max_iter=base.max_iter,
            learning_rate=base.learning_rate,
            random_state=0,
            class_weight=base.class_weight,
            max_bins=255,
            early_stopping="auto" if i == 2 else False,
        )
        t0 = time.perf_counter()
        with one_openmp_thread():
            gb.fit(F, y)
        boost_s = time.perf_counter() - t0
        rows.append(
            {
                "n_train": int(len(y)),
                "extract_s": round(extract_s, 2),
                "boost_s": round(boost_s, 2),
                "rounds": int(gb.n_iter_),
                "early_stopping": bool(gb.do_early_stopping_),
            }
        )
        print(rows[-1], flush=True)
    a, b = rows[0], rows[1]
    per_round = [r["boost_s"] / (r["rounds"] * CLASSES) for r in (a, b)]
    row_s = (per_round[1] - per_round[0]) / (b["n_train"] - a["n_train"])
    return {
        "sizes": rows,
        "GB_EXTRACT_S": float(np.mean([r["extract_s"] / (r["n_train"] * T * C) for r in rows])),
        "GB_ROW_S": row_s,
        "GB_BIN_S": (per_round[0] - row_s * a["n_train"]) / 255,
        "GB_EARLY_ROUNDS": rows[2]["rounds"],
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--p", type=int, default=9996)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gb", default="", help="sizes for features_gb's rates, e.g. 4000,8000,32000")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]
    row = measure(args.n, args.p, args.threads)
    if args.gb:
        row["features_gb"] = measure_gb([int(s) for s in args.gb.split(",")])
    row["load_average_before"] = load
    print(json.dumps(row, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(row, indent=1) + "\n")
    return row


if __name__ == "__main__":
    main()
