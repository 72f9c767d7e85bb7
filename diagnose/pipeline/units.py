"""The units of a diagnosis: top-level functions of plain data, each one check, returning JSON.

Picklable for local processes and Dask; each one's randomness comes from its arguments (the run's seed),
never from the order units run in.
"""

from __future__ import annotations

import numpy as np

from signal_diagnostics.results import Result


def timed(fn, names: tuple[str, ...], *values) -> dict:
    """``{"result": fn(**dict(zip(names, values))), "unit_seconds": wall time, "unit_cpu_seconds": CPU time of this
    process}``: the measured side of the cost model (:mod:`signal_diagnostics.pipeline.cost`), kept beside the result
    in the cache. A :class:`~signal_diagnostics.results.Result` comes back as its ``to_dict()``, so a check that takes
    plain arrays is its own unit. CPU time counts every thread of the process and is steadier than wall time on a
    shared machine."""
    import time

    t0, c0 = time.perf_counter(), time.process_time()
    result = fn(**dict(zip(names, values)))
    return {
        "result": result.to_dict() if isinstance(result, Result) else result,
        "unit_seconds": time.perf_counter() - t0,
        "unit_cpu_seconds": time.process_time() - c0,
    }


def untimed(value) -> tuple[object, float | None, float | None]:
    """A :func:`timed` value as ``(result, seconds, cpu_seconds)``; any other value (an older cache entry) as
    ``(value, None, None)``."""
    if isinstance(value, dict) and {"result", "unit_seconds"} <= set(value) <= {
        "result",
        "unit_seconds",
        "unit_cpu_seconds",
    }:
        cpu = value.get("unit_cpu_seconds")
        return value["result"], float(value["unit_seconds"]), None if cpu is None else float(cpu)
    return value, None, None


def baseline_unit(name: str, X: np.ndarray, y: np.ndarray, folds: int, repeats: int, groups, random_state: int) -> dict:
    """One classical baseline, cross-validated on ``make_splits(y, folds, repeats, groups, random_state)``."""
    from signal_diagnostics import baselines
    from signal_diagnostics.evaluation.scores import evaluate
    from signal_diagnostics.evaluation.splits import make_splits

    splits = make_splits(y, folds=folds, repeats=repeats, groups=groups, random_state=random_state)
    est = baselines.make(name, random_state=random_state)
    return evaluate(est, X, y, splits, name=name, description=baselines.available().get(name, "")).to_dict()


def shuffle_unit(
    X: np.ndarray, y: np.ndarray, heads: list[str], n_permutations: int, folds: int, groups, random_state: int
) -> dict:
    """The label-shuffle test, max-T over the ``heads``, on the first repeat's folds."""
    from signal_diagnostics.checks.shuffle import shuffle_test
    from signal_diagnostics.evaluation.splits import make_splits
    from signal_diagnostics.pipeline.unit_progress import inner_progress

    first = make_splits(y, folds=folds, repeats=1, groups=groups, random_state=random_state)
    return shuffle_test(
        X,
        y,
        model=heads,
        n_permutations=n_permutations,
        folds=first,
        groups=groups,
        random_state=random_state,
        progress=inner_progress("permutations x heads"),
    ).to_dict()


def labels_unit(
    X: np.ndarray, y: np.ndarray, classes: list[str], folds: int, groups, seeds: int, kernels: int, random_state: int
) -> dict:
    """Estimated label issues (calibrated out-of-fold MiniRocket + ridge probabilities, cleanlab)."""
    from signal_diagnostics.checks.labels import label_issues
    from signal_diagnostics.pipeline.unit_progress import inner_progress

    return label_issues(
        X,
        y,
        classes=classes,
        folds=folds,
        seeds=seeds,
        groups=groups,
        n_kernels=kernels,
        random_state=random_state,
        progress=inner_progress("seeds' transforms and folds"),
    ).to_dict()


def pairs_unit(
    X: np.ndarray,
    y: np.ndarray,
    classes: list[str],
    folds: int,
    groups,
    n_permutations: int,
    kernels: int,
    random_state: int,
) -> dict:
    """Which pairs of classes a two-class ridge cannot tell apart."""
    from signal_diagnostics.checks.pairs import class_pairs
    from signal_diagnostics.pipeline.unit_progress import inner_progress

    return class_pairs(
        X,
        y,
        classes=classes,
        folds=folds,
        groups=groups,
        n_permutations=n_permutations,
        n_kernels=kernels,
        random_state=random_state,
        progress=inner_progress("folds of a round of permutations"),
    ).to_dict()


def attribution_unit(
    model: str,
    X: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray,
    classes: list[str],
    methods: list[str],
    samples: int,
    epochs: int,
    random_state: int,
    hyper: dict | None,
    timestep_map: dict | None,
    standardise: str = "none",
) -> list[dict]:
    """Train one model and explain it (``explain_models`` for that model alone)."""
    from signal_diagnostics.attribution import explain_models
    from signal_diagnostics.data.loaders import CheckInput

    data = CheckInput(X, np.asarray(y), np.asarray(classes), lengths)  # validated by the run: no second pass
    return explain_models(
        data,
        [model],
        methods=methods,
        samples=samples,
        epochs=epochs,
        random_state=random_state,
        hyper=hyper,
        timestep_map=timestep_map,
        standardise=standardise,
    )
