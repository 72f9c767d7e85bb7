"""What a diagnosis will cost, said before the work starts: each unit's time and memory from the data's shape.

Each unit's time is a fixed part plus a multiple of its *work*, counted from what the unit does
(:func:`unit_work`): MiniRocket transforms cost ``n x T x kernels`` (x sqrt(C), an assumption: the
calibration varied n only), the leave-one-out ridge costs its floating-point operations (the dual
``n^2 p + 9 n^3`` up to ``n = p`` features, the primal ``n p^2 + 9 p^3`` past it: the Gram or covariance
and its eigendecomposition), each label permutation ``alphas x n x rank`` per column, and the
per-timestep map ``n x T x C`` per permutation. Work is in seconds at the reference rates
(:data:`TRANSFORM_S`, :data:`FLOP_S`), and each unit's ``(fixed, scale)`` in :data:`CONSTANTS` was fitted
to times measured on the development machine (2 cores, T 200, C 6, 8 classes, unit alone with 2 BLAS
threads, CPU seconds) by::

    python benchmarks/scale.py --units --sizes 400,800 --out benchmarks/results/scale_units.json

then ``python -m signal_diagnostics.pipeline.cost benchmarks/results/scale_units.json`` (prints the fitted
constants). A run with ``w`` workers on ``c`` cores gives each unit ``c / w`` threads; the wall time of the
whole run is the larger of the longest unit and the sum over :data:`PARALLEL_GAIN` per extra worker. Memory
follows :func:`signal_diagnostics.pipeline.resources.unit_memory_bytes` plus the features a unit holds.
"""

from __future__ import annotations

import math

from signal_diagnostics.pipeline.resources import UNIT_BASE_BYTES, UNIT_BYTES_PER_DATA_BYTE

# Reference rates on the development machine with 2 threads: seconds per MiniRocket transform unit
# (series x timesteps x kernels x sqrt(channels)) and per float64 operation of the ridge solves.
TRANSFORM_S = 1.3e-9
FLOP_S = 1.0 / 25e9
ALPHAS = 10  # the ridge penalties searched (baselines.ridge.DEFAULT_ALPHAS)
# Fitted (fixed seconds, scale of the work) per unit; see the module docstring for the command.
CONSTANTS = {
    "health": (3.0, 14.58),
    "shuffle_test": (0.0, 1.25),
    "baseline:chance_prior": (0.16, 0.0),
    "baseline:logistic": (2.74, 1.979),
    "baseline:features_gb": (3.85, 32.95),
    "baseline:minirocket": (1.30, 0.817),
    "baseline:dtw_1nn": (1.0, 1.0),  # not calibrated (skipped at T 200 past ~220 series)
    "baseline:other": (2.0, 1.0),  # not calibrated
    "ceiling": (4.95, 0.0921),
    "timestep_map": (0.77, 6.944),
    "label_issues": (15.66, 1.455),
    "class_pairs": (30.60, 0.0319),
    "learning_curve": (14.44, 1.935),
}
# Seconds per value (series x timesteps x channels) of the units that read each value a few times.
VALUE_S = {"health": 2e-8, "baseline:logistic": 2e-7, "baseline:features_gb": 5e-7, "timestep_map": 5e-9}
DTW_S = 2e-9  # seconds per n^2 T^2 of 1-NN DTW (cross-validated)
# Wall seconds per CPU second of a unit run with two threads (BLAS-bound parts use both cores, the rest
# one). An assumption, not a measurement: the calibration ran on a shared machine (load average 7-8 on
# 2 cores), where only CPU seconds were steady, so the constants are CPU seconds.
WALL_PER_CPU = 0.7
# Each worker past the first adds this share of a unit's pace (shared cores, BLAS already threaded).
PARALLEL_GAIN = 0.3
MINIROCKET_FEATURES = 9_996  # 10,000 kernels as aeon rounds them
BYTES_PER_FEATURE = 4  # float32


def features(kernels: int) -> int:
    """MiniRocket features for ``kernels`` asked (aeon rounds down to a multiple of 84)."""
    return max(84, int(kernels) // 84 * 84)


def transform(n: float, T: int, C: int, kernels: int) -> float:
    """Seconds of one MiniRocket fit + transform of ``n`` series."""
    return TRANSFORM_S * n * max(T, 9) * features(kernels) * math.sqrt(C)


def ridge(n_train: float, p: int, n_test: float = 0.0) -> float:
    """Seconds of one leave-one-out ridge factorisation (dual up to ``p`` rows, primal past it)."""
    if n_train <= p:
        flops = n_train**2 * p + 9 * n_train**3 + n_test * n_train * p
    else:
        flops = n_train * p**2 + 9.0 * p**3
    return FLOP_S * flops


def permutations(n_train: float, p: int, columns: float) -> float:
    """Seconds of the leave-one-out errors of ``columns`` label columns (float32, half the float64 time)."""
    return 0.5 * FLOP_S * 2 * ALPHAS * n_train * min(n_train, p) * columns


def unit_work(unit: str, n: int, shape: dict) -> float:
    """Work of ``unit`` on ``n`` series, in seconds at the reference rates (before its fitted constants).

    ``shape``: ``T``, ``C``, ``K`` (classes), ``folds``, ``repeats``, ``permutations``, ``seeds``,
    ``label_kernels``, ``pair_kernels``, ``heads`` (shuffle-test heads), ``curve_repeats``.
    """
    T, C, K, F = shape["T"], shape["C"], shape["K"], shape["folds"]
    n_tr, n_te = n * (F - 1) / F, n / F
    P = shape["permutations"]
    cols = (P + 1) * (1 if K == 2 else K)
    if unit == "shuffle_test":
        head = transform(n, T, C, 10_000) + ridge(n_tr, MINIROCKET_FEATURES, n_te)
        head += permutations(n_tr, MINIROCKET_FEATURES, cols)
        others = (len(shape.get("heads", ())) or 3) - 1
        raw = ridge(n_tr, T * C, n_te) + permutations(n_tr, T * C, cols)
        return F * (head + others * raw)
    if unit == "baseline:minirocket":
        return F * shape["repeats"] * (transform(n, T, C, 10_000) + ridge(n_tr, MINIROCKET_FEATURES, n_te))
    if unit in ("baseline:logistic", "baseline:features_gb", "health", "timestep_map"):
        per = VALUE_S[unit] * n * T * C
        return (
            per * (1 + P / 100) if unit == "timestep_map" else per * shape["repeats"] * (F if unit != "health" else 1)
        )
    if unit == "baseline:dtw_1nn":
        return DTW_S * n**2 * T**2
    if unit == "label_issues":
        p = features(shape["label_kernels"])
        return transform(n, T, C, shape["label_kernels"]) + shape["seeds"] * F * ridge(n_tr, p, n_te)
    if unit == "class_pairs":
        m = min(n, shape.get("pair_cap") or n)
        p = features(shape["pair_kernels"])
        pairs = K * (K - 1) / 2
        perms = max(P, pairs / 0.05)
        per_pair = 2 * m / K * (F - 1) / F
        return F * transform(m, T, C, shape["pair_kernels"]) + pairs * F * (
            ridge(per_pair, p) + permutations(per_pair, p, perms)
        )
    if unit == "ceiling":
        m = min(n, shape.get("ceiling_cap") or n)
        return F * transform(m, T, C, 10_000) + FLOP_S * m * m * MINIROCKET_FEATURES
    if unit == "learning_curve":
        m = min(n, shape.get("curve_cap") or n)
        sizes = 8 * shape["curve_repeats"]
        return transform(m, T, C, 10_000) + sizes * ridge(0.55 * m, MINIROCKET_FEATURES, 0.2 * m)
    return 0.0  # chance and unknown baselines: the fixed part only


def unit_seconds(unit: str, n: int, shape: dict, threads: int = 2) -> float:
    """Predicted wall seconds of ``unit`` on ``n`` series with ``threads`` threads, alone on an idle machine.

    The constants are CPU seconds (all threads); with two threads or more the BLAS-bound parts run in
    parallel, so the wall time is :data:`WALL_PER_CPU` of them.
    """
    fixed, scale = CONSTANTS.get(unit, CONSTANTS["baseline:other"])
    return (fixed + scale * unit_work(unit, n, shape)) * (WALL_PER_CPU if threads >= 2 else 1.0)


def unit_megabytes(unit: str, n: int, shape: dict) -> float:
    """Predicted peak memory (MB) of ``unit`` on ``n`` series, run alone."""
    data = n * shape["T"] * shape["C"] * 4
    base = UNIT_BASE_BYTES + UNIT_BYTES_PER_DATA_BYTE * data
    held = {
        "baseline:minirocket": n * MINIROCKET_FEATURES * BYTES_PER_FEATURE * 2,
        "shuffle_test": n * MINIROCKET_FEATURES * BYTES_PER_FEATURE * 2,
        "label_issues": n * features(shape["label_kernels"]) * BYTES_PER_FEATURE * 3,
        "class_pairs": min(n, shape.get("pair_cap") or n) * features(shape["pair_kernels"]) * BYTES_PER_FEATURE * 2,
    }.get(unit, 0.0)
    n_tr = n * (shape["folds"] - 1) / shape["folds"]
    if unit in ("baseline:minirocket", "shuffle_test", "label_issues"):
        p = MINIROCKET_FEATURES if unit != "label_issues" else features(shape["label_kernels"])
        held = min(held, 1 << 29) + 8 * min(n_tr, p) ** 2 * 2  # features streamed past 512 MiB; Gram + eigenvectors
    return (base + held) / 1e6


def wall_seconds(unit_s: dict[str, float], workers: int) -> float:
    """Wall time of units run by ``workers`` workers: the longest, or the sum sped up by the extra workers."""
    if not unit_s:
        return 0.0
    total = sum(unit_s.values())
    return max(max(unit_s.values()), total / (1 + PARALLEL_GAIN * (max(1, workers) - 1)))


def fit_constants(rows: list[dict], shape: dict) -> dict[str, tuple[float, float]]:
    """``(fixed, scale)`` per unit, least squares of relative error over measured ``rows``.

    ``rows``: ``[{"n": n, "units": {unit: seconds}}]`` as ``benchmarks/scale.py --units`` writes them.
    """
    import numpy as np

    out = {}
    names = sorted({u for r in rows for u in r["units"]})
    for unit in names:
        pts = [(r["n"], r["units"][unit]) for r in rows if unit in r["units"]]
        A = np.array([[1.0, unit_work(unit, n, shape)] for n, _ in pts])
        t = np.array([s for _, s in pts])
        w = 1.0 / np.maximum(t, 0.05)  # relative error
        coef, *_ = np.linalg.lstsq(A * w[:, None], t * w, rcond=None)
        if coef[1] <= 0 or coef[0] < 0:  # fall back to a pure scale through the origin, or a constant
            scale = float(np.sum(A[:, 1] * t * w**2) / max(np.sum((A[:, 1] * w) ** 2), 1e-12))
            coef = (0.0, scale) if scale > 0 else (float(np.mean(t)), 0.0)
        out[unit] = (round(float(coef[0]), 3), round(float(coef[1]), 4))
    return out


if __name__ == "__main__":  # python -m signal_diagnostics.pipeline.cost RESULTS.json: fit CONSTANTS
    import json
    import sys

    res = json.loads(open(sys.argv[1]).read())
    shape = dict(res.get("shape") or {})
    rows = [{"n": r["n"], "units": r.get("cpu") or r["units"]} for r in res["units"]]  # CPU seconds where measured
    for unit, (fixed, scale) in fit_constants(rows, shape).items():
        print(f'    "{unit}": ({fixed}, {scale}),')
