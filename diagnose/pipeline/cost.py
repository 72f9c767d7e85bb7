"""What a diagnosis will cost, said before the work starts: each unit's time and memory from the data's shape.

Each unit's time is a fixed part plus a multiple of its *work*, counted from what the unit does (its
step's ``work`` formula, :mod:`signal_diagnostics.pipeline.steps`, on the blocks of
:mod:`signal_diagnostics.pipeline.work`): MiniRocket transforms cost ``n x T x kernels`` (x sqrt(C), an
assumption: the calibration varied n only; training rows streamed past the feature cache are transformed on
each of the fit's passes), the leave-one-out ridge its matrix products and its eigendecomposition, priced apart
(the dual's ``n x n`` Gram matrix and ``n^3`` up to ``n = p`` features, the primal's ``p x p`` covariance,
projection and ``p^3`` past it), each label permutation ``alphas x n x rank`` per column, and the
per-timestep map ``n x T x C`` per permutation. Work is in seconds at the reference rates
(:data:`TRANSFORM_S`, :data:`GEMM_S`, :data:`EIGH_S`, measured), and each unit's ``(fixed, scale)`` (its step's
``constants``) was fitted to times measured on the development machine (2 cores, T 200, C 6, 8 classes,
unit alone with 2 BLAS threads, CPU seconds) by::

    python benchmarks/scale.py --units --sizes 1000,2000,4000 --out benchmarks/results/scale_units.json

the learning curves of the baselines that refit at each size (``learning_curve:NAME``, priced once the baselines
chose the curve's model) by the same command with ``--only learning_curve:logistic,learning_curve:features_gb``
(``scale_units_curves.json``), the shuffle test and the class pairs again once a short last round joined the one
before (``--only shuffle_test,class_pairs``, ``scale_units_rounds.json``), then ``python -m
signal_diagnostics.pipeline.cost`` on the three files (a later file's unit replaces an earlier one's; it prints
the constants to copy into the steps). Whole runs check them at 8,000 and 32,000 series (``scale_8k.json``,
``scale_32k.json``), outside the sizes fitted. A run with
``w`` workers on ``c`` cores gives each unit ``c / w`` threads; the wall time of the whole run is the larger of
the longest unit and the sum over :data:`PARALLEL_GAIN` per
extra worker. Memory follows :func:`signal_diagnostics.pipeline.resources.unit_memory_bytes` plus what its
step holds (``held``).
"""

from __future__ import annotations

from signal_diagnostics.pipeline import steps
from signal_diagnostics.pipeline.resources import UNIT_BASE_BYTES, UNIT_BYTES_PER_DATA_BYTE
from signal_diagnostics.pipeline.work import (  # noqa: F401  (the blocks, named here as before)
    ALPHAS,
    BYTES_PER_FEATURE,
    EIGH_S,
    GEMM_S,
    MINIROCKET_FEATURES,
    TRANSFORM_S,
    features,
    permutations,
    ridge,
    transform,
)

# Wall seconds per CPU second of a unit run with two threads (BLAS-bound parts use both cores, the rest
# one). An assumption, not a measurement: the calibration ran on a shared machine (load average 7-8 on
# 2 cores), where only CPU seconds were steady, so the constants are CPU seconds.
WALL_PER_CPU = 0.7
# Each worker past the first adds this share of a unit's pace (shared cores, BLAS already threaded).
PARALLEL_GAIN = 0.3


def unit_work(unit: str, n: int, shape: dict) -> float:
    """Work of ``unit`` on ``n`` series, in seconds at the reference rates (before its fitted constants): its
    step's ``work`` formula (none for an unknown unit: the fixed part only).

    ``shape``: ``T``, ``C``, ``K`` (classes), ``folds``, ``repeats``, ``n_permutations``, ``seeds``,
    ``label_kernels``, ``pair_kernels``, ``heads`` (shuffle-test heads), ``curve_repeats``, the caps.
    """
    return steps.find(unit).work(n, shape)


def unit_seconds(unit: str, n: int, shape: dict, threads: int = 2) -> float:
    """Predicted wall seconds of ``unit`` on ``n`` series with ``threads`` threads, alone on an idle machine.

    The constants are CPU seconds (all threads); with two threads or more the BLAS-bound parts run in
    parallel, so the wall time is :data:`WALL_PER_CPU` of them. A step that is not ``threaded`` has wall seconds.
    """
    step = steps.find(unit)
    fixed, scale = step.constants
    return (fixed + scale * step.work(n, shape)) * (WALL_PER_CPU if threads >= 2 and step.threaded else 1.0)


def unit_megabytes(unit: str, n: int, shape: dict) -> float:
    """Predicted peak memory (MB) of ``unit`` on ``n`` series, run alone."""
    data = n * shape["T"] * shape["C"] * 4
    base = UNIT_BASE_BYTES + UNIT_BYTES_PER_DATA_BYTE * data
    return (base + steps.find(unit).held(n, shape)) / 1e6


def wall_seconds(unit_s: dict[str, float], workers: int) -> float:
    """Wall time of units run by ``workers`` workers: the longest, or the sum sped up by the extra workers."""
    if not unit_s:
        return 0.0
    total = sum(unit_s.values())
    return max(max(unit_s.values()), total / (1 + PARALLEL_GAIN * (max(1, workers) - 1)))


def cost_section(plan, measured: dict, wall: float) -> dict:
    """The document's ``cost``: predicted beside measured seconds per unit (``measured``: seconds by unit, CPU
    seconds by ``unit/cpu``), for the signal section as a whole (``wall``), and this model in one paragraph."""

    def rounded(key: str):
        return None if measured.get(key) is None else round(measured[key], 2)

    units = {
        u: {**p, "measured_s": rounded(u), "measured_cpu_s": rounded(f"{u}/cpu")} for u, p in plan.predicted.items()
    }
    return {
        "predicted_s": round(plan.predicted_s, 1),
        "measured_s": round(wall, 1),
        "workers": plan.workers,
        "units": units,
        "model": " ".join(__doc__.split("\n\n")[0].split()),
    }


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


if __name__ == "__main__":  # python -m signal_diagnostics.pipeline.cost RESULTS.json...: fit the steps' constants
    import json
    import sys
    from pathlib import Path

    files = [json.loads(Path(path).read_text()) for path in sys.argv[1:]]
    shape = dict(files[0].get("shape") or {})
    by_n: dict = {}  # CPU seconds where measured (wall for a step not threaded); a later file's unit replaces
    for res in files:
        for r in res["units"]:
            cpu = r.get("cpu") or r["units"]
            by_n.setdefault(r["n"], {}).update(
                {u: cpu[u] if steps.find(u).threaded else wall for u, wall in r["units"].items()}
            )
    rows = [{"n": n, "units": units} for n, units in sorted(by_n.items())]
    for unit, (fixed, scale) in fit_constants(rows, shape).items():
        print(f'    "{unit}": ({fixed}, {scale}),')
