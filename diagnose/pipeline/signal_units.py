"""The units of ``diagnose signal`` as named calls, one per declared step (:mod:`signal_diagnostics.pipeline.steps`),
each on the series the run's :class:`~signal_diagnostics.pipeline.plan.Plan` gives it (all of them unless a budget
asked for a subsample).

A unit on a subsample receives the subsample's arrays (``X[keep]``, ``y[keep]``, ...), so the checks
themselves never know; its cache key names the subsample (``n_used``), so a budget run never reads a
full run's entry or the other way round. The rest of the key is derived from the very arguments the unit
receives (all but the series, which the data's fingerprint names), so it cannot go stale.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from signal_diagnostics.pipeline import steps
from signal_diagnostics.pipeline.plan import Plan, run_shape


@dataclass(frozen=True)
class Call:
    """One unit: its cost-model name, cache key, function, the names and values of its arguments, progress label."""

    name: str
    key: dict
    fn: Any
    names: tuple
    args: tuple
    label: str

    @property
    def kwargs(self) -> dict:
        """The arguments by name, as the unit is called."""
        return dict(zip(self.names, self.args))


def _take(a, keep: np.ndarray | None):
    return a if a is None or keep is None else np.asarray(a)[keep]


def _given(step: steps.Step, ds, cfg, plan: Plan, shape: dict, model: str | None) -> tuple[dict, steps.Given]:
    """Key fields of ``step``'s subsample, and what its arguments are made from."""
    keep = None if step.kind in ("whole", "head") else plan.indices(step.name, ds.y_codes, ds.groups)
    extra = {} if keep is None else {"n_used": int(len(keep)), "subsample_seed": plan.random_state}
    X, y, lengths, groups = (_take(a, keep) for a in (ds.X, ds.y_codes, ds.lengths, ds.groups))
    classes = [str(c) for c in ds.classes.tolist()]
    return extra, steps.Given(X, y, lengths, groups, classes, cfg, shape, plan, model or step.model)


def step_call(step: steps.Step, ds, cfg, plan: Plan, shape: dict | None = None, model: str | None = None) -> Call:
    """The call of ``step`` in this run: its arguments by name, in the unit's order, and the key they give."""
    extra, given = _given(step, ds, cfg, plan, shape or run_shape(ds, cfg), model)
    named = step.arguments(given)
    params = inspect.signature(step.unit).parameters
    required = {p for p, v in params.items() if v.default is inspect.Parameter.empty}
    if not required <= set(named) <= set(params):
        raise TypeError(f"step {step.name}: arguments {sorted(named)} do not match {step.unit.__name__}{list(params)}")
    key = {"task": step.task, **step.key_extra, **{k: v for k, v in named.items() if k not in steps.DATA}, **extra}
    names = tuple(p for p in params if p in named)  # the unit's order
    return Call(step.name, key, step.unit, names, tuple(named[p] for p in names), step.label)


def signal_calls(ds, cfg, plan: Plan) -> list[Call]:
    """Every unit of the signal section but those that wait for the best baseline (the learning curve), in run
    order."""
    shape = run_shape(ds, cfg)
    return [
        step_call(s, ds, cfg, plan, shape)
        for s in steps.run_steps(cfg, shape)
        if s.unit is not None and not s.after_baselines
    ]


def waiting_calls(ds, cfg, plan: Plan, model: str) -> list[Call]:
    """The units that run after the baselines, on ``model`` (the best baseline, or MiniRocket)."""
    shape = run_shape(ds, cfg)
    return [step_call(s, ds, cfg, plan, shape, model) for s in steps.run_steps(cfg, shape) if s.after_baselines]


def curve_call(ds, cfg, plan: Plan, model: str) -> Call:
    """The learning curve of ``model`` (the best baseline, or MiniRocket), whether or not ``cfg`` asks for it."""
    return step_call(steps.find("learning_curve"), ds, cfg, plan, model=model)


__all__ = ["Call", "step_call", "signal_calls", "waiting_calls", "curve_call"]
