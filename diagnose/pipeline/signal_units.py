"""The units of ``diagnose signal`` as named calls, each on the series the run's :class:`~signal_diagnostics.pipeline.plan.Plan`
gives it (all of them unless a budget asked for a subsample).

A unit on a subsample receives the subsample's arrays (``X[keep]``, ``y[keep]``, ...), so the checks
themselves never know; its cache key names the subsample (``n_used``), so a budget run never reads a
full run's entry or the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from signal_diagnostics.pipeline.config import label_settings
from signal_diagnostics.pipeline.plan import Plan, run_shape
from signal_diagnostics.pipeline.units import (
    baseline_unit,
    ceiling_unit,
    curve_unit,
    labels_unit,
    pairs_unit,
    shuffle_unit,
    timemap_unit,
)


@dataclass(frozen=True)
class Call:
    """One unit: its cost-model name, cache key, function, arguments and progress label."""

    name: str
    key: dict
    fn: Any
    args: tuple
    label: str


def _take(a, keep: np.ndarray | None):
    return a if a is None or keep is None else np.asarray(a)[keep]


def _sub(plan: Plan, unit: str, ds) -> tuple[dict, tuple]:
    """Key fields and ``(X, y, lengths, groups)`` of ``unit``'s series."""
    keep = plan.indices(unit, ds.y_codes, ds.groups)
    extra = {} if keep is None else {"n_used": int(len(keep)), "subsample_seed": plan.seed}
    return extra, (_take(ds.X, keep), _take(ds.y_codes, keep), _take(ds.lengths, keep), _take(ds.groups, keep))


def signal_calls(ds, cfg, plan: Plan) -> list[Call]:
    """Every unit of the signal section but the learning curve (it waits for the best baseline), in run order."""
    shape = run_shape(ds, cfg)
    heads, seed, folds = shape["heads"], cfg.seed, cfg.folds
    extra, (X, y, _, groups) = _sub(plan, "shuffle_test", ds)
    key = {"task": "signal.shuffle_test", "heads": heads, "permutations": cfg.permutations, "folds": folds}
    calls = [
        Call(
            "shuffle_test",
            {**key, "seed": seed, **extra},
            shuffle_unit,
            (X, y, heads, cfg.permutations, folds, groups, seed),
            "label-shuffle test",
        )
    ]
    for name in shape["baselines"]:
        extra, (X, y, _, groups) = _sub(plan, f"baseline:{name}", ds)
        key = {"task": "signal.baseline", "name": name, "folds": folds, "repeats": cfg.repeats, "seed": seed}
        calls.append(
            Call(
                f"baseline:{name}",
                {**key, **extra},
                baseline_unit,
                (name, X, y, folds, cfg.repeats, groups, seed),
                "baselines",
            )
        )
    extra, (X, y, _, groups) = _sub(plan, "ceiling", ds)
    calls.append(
        Call(
            "ceiling",
            {"task": "signal.ceiling", "folds": folds, "seed": seed, **extra},
            ceiling_unit,
            (X, y, folds, groups, seed),
            "ceiling",
        )
    )
    extra, (X, y, lengths, groups) = _sub(plan, "timestep_map", ds)
    calls.append(
        Call(
            "timestep_map",
            {"task": "signal.timestep_map", "test": "kruskal", "clusters": cfg.permutations, "seed": seed, **extra},
            timemap_unit,
            (X, y, lengths, cfg.permutations, groups, seed),
            "timestep map",
        )
    )
    if cfg.label_checks:
        calls += _label_calls(ds, cfg, plan)
    return calls


def _label_calls(ds, cfg, plan: Plan) -> list[Call]:
    classes = [str(c) for c in ds.classes.tolist()]
    label_seeds, kernels, pair_kernels = label_settings(cfg)
    seed, folds = cfg.seed, cfg.folds
    kernels = min(kernels, plan.label_kernels)
    key = {"task": "signal.label_issues", "folds": folds, "seeds": label_seeds, "kernels": kernels, "seed": seed}
    calls = [
        Call(
            "label_issues",
            {**key, "classes": classes, "shared_features": True},
            labels_unit,
            (ds.X, ds.y_codes, classes, folds, ds.groups, label_seeds, kernels, seed),
            "label issues",
        )
    ]
    extra, (X, y, _, groups) = _sub(plan, "class_pairs", ds)
    key = {"task": "signal.class_pairs", "folds": folds, "permutations": cfg.permutations, "kernels": pair_kernels}
    calls.append(
        Call(
            "class_pairs",
            {**key, "seed": seed, "classes": classes, **extra},
            pairs_unit,
            (X, y, classes, folds, groups, cfg.permutations, pair_kernels, seed),
            "class pairs",
        )
    )
    return calls


def curve_call(ds, cfg, plan: Plan, model: str) -> Call:
    """The learning curve of ``model`` (the best baseline, or MiniRocket)."""
    extra, (X, y, _, groups) = _sub(plan, "learning_curve", ds)
    key = {"task": "signal.learning_curve", "model": model, "repeats": cfg.curve_repeats, "seed": cfg.seed}
    return Call(
        "learning_curve",
        {**key, **extra},
        curve_unit,
        (X, y, model, cfg.curve_repeats, groups, cfg.seed),
        "learning curve",
    )


__all__ = ["Call", "signal_calls", "curve_call"]
