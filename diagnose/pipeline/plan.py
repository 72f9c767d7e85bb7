"""The plan of a diagnosis run: which unit runs on how many series, chosen from the cost model to fit a budget.

Without a budget every unit runs on all series (the learning curve, the ceiling and the class pairs keep
their own caps) and the plan only carries the predicted costs. With ``--budget MINUTES`` (``budget=`` in
Python) the plan shrinks the run until its predicted wall time (:mod:`signal_diagnostics.pipeline.cost`)
fits, in this order:

1. label issues keep every series and get a cheaper head: :data:`CHEAP_LABEL_KERNELS` MiniRocket kernels;
2. the permutation-based units (label-shuffle test, class pairs, the timestep map's cluster test) and the
   capped ones (learning curve, ceiling) run on one stratified, group-aware random subsample, the largest
   that fits (at least :data:`MIN_SUBSAMPLE` series). A permutation test on a random subsample of the
   series is still exact (the null, exchangeable labels, is the same); only its power drops;
3. if they do not fit at that floor, the baselines' accuracies join them: every one of these units runs on
   the largest common subsample that fits.

The length-leak test (one feature: the length) and the other health checks always see every series.
Every subsample is recorded (``plan`` in the document: ``n_used``, ``n_total``, ``random_state``, ``reason``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from signal_diagnostics.pipeline import cost, steps
from signal_diagnostics.results import to_jsonable

# Which units run on a subsample when the budget needs it: each step's ``kind`` (pipeline.steps.KINDS).
SHRUNK_FIRST = ("permutation", "capped")
# The smallest subsample the plan gives a permutation unit (power drops fast below it on weak signal).
MIN_SUBSAMPLE = 1_000
# MiniRocket kernels of the cheaper label head (aeon: 924 features, so the ridge is primal past ~1,150
# series and linear in n).
CHEAP_LABEL_KERNELS = 1_000
# Share of the budget the plan fills: the prediction is within a factor of about 2 of the measured time.
BUDGET_SHARE = 0.7
# Runs predicted below this many seconds get no advice on the budget.
ADVICE_SECONDS = 180


def subsample(y, size: int, seed: int, groups=None) -> np.ndarray:
    """Sorted indices of a stratified random subsample of about ``size`` series: every class kept (at least
    10 series or all it has), whole groups (a group drawn for one class brings all its series)."""
    from signal_diagnostics.data.dataset import stratified_subsample

    keep = stratified_subsample(y, int(size), seed=seed, groups=groups)
    if groups is not None and len(keep) < len(y):
        g = np.asarray(groups)
        keep = np.flatnonzero(np.isin(g, g[keep]))
    return keep


@dataclass(frozen=True)
class Plan:
    """What runs on what: series per unit, the label head's kernels, and the predicted cost.

    Attributes
    ----------
    n_total : series in the data.
    sizes : series per unit (``n_total`` unless subsampled).
    random_state : seed of the subsample (the run's ``random_state``).
    label_kernels : MiniRocket kernels of the label-issue head.
    budget_minutes : the budget, or None.
    workers : workers the run uses.
    predicted : per unit ``{"predicted_s", "predicted_mb", "n_used"}``.
    predicted_s : predicted wall time of the signal units together.
    reasons : why a unit was shrunk, per unit.
    threads : threads each unit has (the cores over the workers).
    """

    n_total: int
    sizes: dict
    random_state: int
    label_kernels: int
    budget_minutes: float | None
    workers: int
    predicted: dict
    predicted_s: float
    reasons: dict = field(default_factory=dict)
    threads: int = 1

    def indices(self, unit: str, y, groups=None) -> np.ndarray | None:
        """The series ``unit`` runs on (None: all of them)."""
        m = self.sizes.get(unit, self.n_total)
        return None if m >= self.n_total else subsample(y, m, self.random_state, groups)

    def to_dict(self) -> dict:
        """``{unit: {n_used, n_total, random_state, reason}}`` for the units that run on fewer series or a cheaper head,
        with the budget and the label head's kernels (the predicted times are the document's ``cost``)."""
        units = {
            u: {
                "n_used": int(m),
                "n_total": self.n_total,
                "random_state": self.random_state,
                "reason": self.reasons.get(u, ""),
            }
            for u, m in self.sizes.items()
            if m < self.n_total or u in self.reasons
        }
        return to_jsonable({"budget_minutes": self.budget_minutes, "label_kernels": self.label_kernels, "units": units})


def run_shape(ds, cfg, label_kernels: int | None = None) -> dict:
    """What the cost model reads of the data and the options."""
    from signal_diagnostics.pipeline.config import baseline_names, label_settings, shuffle_heads

    seeds, kernels, pair_kernels = label_settings(cfg)
    names = baseline_names(ds, cfg)
    return {
        "T": int(ds.n_timesteps),
        "C": int(ds.n_channels),
        "K": int(ds.n_classes),
        "class_shares": (np.bincount(ds.y_codes, minlength=ds.n_classes) / max(1, len(ds.y_codes))).tolist(),
        "folds": int(cfg.folds),
        "repeats": int(cfg.repeats),
        "n_permutations": int(cfg.n_permutations),
        "seeds": int(seeds),
        "label_kernels": int(label_kernels or kernels),
        "pair_kernels": int(pair_kernels),
        "heads": shuffle_heads(cfg, names),
        "baselines": names,
        "curve_repeats": int(cfg.curve_repeats),
        **dict(steps.caps().values()),  # the checks' own caps, for the predictions
    }


def signal_units(cfg, shape: dict) -> list[str]:
    """The cost model's names of the units ``diagnose signal`` runs, in order
    (:func:`~signal_diagnostics.pipeline.steps.run_steps`)."""
    return [step.name for step in steps.run_steps(cfg, shape)]


def _predict(units: list[str], sizes: dict, shape: dict, threads: int) -> dict:
    out = {}
    for u in units:
        m = sizes.get(u, sizes["_all"])
        unit_shape = dict(shape)
        cap = steps.find(u).cap
        if cap is not None:  # the subsample lowers their own caps too
            unit_shape[cap[0]] = min(cap[1], m)
        out[u] = {
            "predicted_s": round(cost.unit_seconds(u, m, unit_shape, threads), 2),
            "predicted_mb": round(cost.unit_megabytes(u, m, unit_shape)),
            "n_used": int(m),
        }
    return out


def _largest_fitting(lo: int, hi: int, fits) -> int:
    """The largest size in ``[lo, hi]`` for which ``fits(size)`` holds (``lo`` when none does)."""
    if fits(hi):
        return hi
    while hi - lo > max(50, lo // 50):
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def _shrunk(ds, cfg, run: list, shape: dict, wall, limit: float, budget: float) -> tuple[dict, dict, dict]:
    """``(shape, sizes, reasons)`` of a run shrunk to fit ``limit`` seconds: a cheaper label head, then the
    permutation and capped steps on one subsample, then the baselines with them (steps' ``kind``)."""
    n = int(ds.n_series)
    sizes: dict = {"_all": n}
    reasons: dict = {}
    heads = [s.name for s in run if s.kind == "head"]
    if heads and shape["label_kernels"] > CHEAP_LABEL_KERNELS:
        shape = run_shape(ds, cfg, label_kernels=CHEAP_LABEL_KERNELS)
        for u in heads:
            reasons[u] = f"all series, a cheaper head ({CHEAP_LABEL_KERNELS} MiniRocket kernels) to fit the budget"
    shrink = [s.name for s in run if s.kind in SHRUNK_FIRST]
    floor = min(n, MIN_SUBSAMPLE)

    def with_size(m: int, names) -> dict:
        return {**sizes, **{u: m for u in names}}

    m = _largest_fitting(floor, n, lambda k: wall(with_size(k, shrink), shape) <= limit)
    sizes = with_size(m, shrink)
    if m < n:
        for u in shrink:
            reasons[u] = f"a stratified random subsample of {m} of {n} series, to fit --budget {budget:g}"
    if floor < n and wall(sizes, shape) > limit:  # even the floor does not fit: the baselines share one cap
        every = shrink + [s.name for s in run if s.kind == "baseline"]
        m = _largest_fitting(floor, n, lambda k: wall(with_size(k, every), shape) <= limit)
        sizes = with_size(m, every)
        for u in every if m < n else ():
            reasons[u] = f"a stratified random subsample of {m} of {n} series, to fit --budget {budget:g}"
    return shape, sizes, reasons


def make_plan(ds, cfg, workers: int = 1, cores: int | None = None, budget_minutes: float | None = None) -> Plan:
    """The plan of ``diagnose signal`` on ``ds`` with ``cfg``: sizes chosen so the predicted time fits the budget
    (``budget_minutes``, else ``cfg.budget``); ``cores`` default: those this process may use."""
    from signal_diagnostics.pipeline.resources import available_cores

    cores = cores or available_cores()
    n = int(ds.n_series)
    threads = max(1, cores // max(1, workers))
    budget = budget_minutes if budget_minutes is not None else getattr(cfg, "budget", None)
    shape = run_shape(ds, cfg)
    run = steps.run_steps(cfg, shape)
    units = [s.name for s in run]
    sizes: dict = {"_all": n}
    reasons: dict = {}

    def wall(sz: dict, sh: dict) -> float:
        pred = _predict(units, sz, sh, threads)
        return cost.wall_seconds({u: p["predicted_s"] for u, p in pred.items()}, workers)

    limit = None if budget is None else BUDGET_SHARE * 60.0 * float(budget)
    if limit is not None and wall(sizes, shape) > limit:
        shape, sizes, reasons = _shrunk(ds, cfg, run, shape, wall, limit, budget)
    predicted = _predict(units, sizes, shape, threads)
    return Plan(
        n_total=n,
        sizes={u: predicted[u]["n_used"] for u in units},
        random_state=int(cfg.random_state),
        label_kernels=int(shape["label_kernels"]),
        budget_minutes=None if budget is None else float(budget),
        workers=int(workers),
        predicted=predicted,
        predicted_s=cost.wall_seconds({u: p["predicted_s"] for u, p in predicted.items()}, workers),
        reasons=reasons,
        threads=threads,
    )


def priced_curve(plan: Plan, ds, cfg, model: str) -> Plan:
    """``plan`` with the learning curve priced for ``model``, known once the baselines ran (the plan said before
    the work priced MiniRocket's curve); the run's predicted total stays the one said before."""
    if "learning_curve" not in plan.predicted:
        return plan
    name = f"learning_curve:{model}"
    sizes = {"_all": plan.n_total, name: plan.sizes.get("learning_curve", plan.n_total)}
    pred = _predict([name], sizes, run_shape(ds, cfg, plan.label_kernels), plan.threads)[name]
    return replace(plan, predicted={**plan.predicted, "learning_curve": {**pred, "model": model}})


def _words(unit: str) -> str:
    """A unit's name in words: ``baseline:features_gb`` -> ``features_gb baseline``, ``shuffle_test`` ->
    ``shuffle test``."""
    return f"{unit.split(':', 1)[1]} baseline" if unit.startswith("baseline:") else unit.replace("_", " ")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 600 else f"{seconds / 60:.1f} min"


def cost_line(plan: Plan) -> str:
    """The one line said before the work starts: the predicted time, and what a budget would do."""
    pred = plan.predicted
    longest = max(pred, key=lambda u: pred[u]["predicted_s"])
    head = (
        f"cost: about {_minutes(plan.predicted_s)} on {plan.workers} worker{'s' if plan.workers > 1 else ''} "
        f"(longest unit: {_words(longest)}, {_minutes(pred[longest]['predicted_s'])}; "
        f"peak about {max(p['predicted_mb'] for p in pred.values()) / 1000:.1f} GB per unit)"
    )
    shrunk = sorted({u for u, m in plan.sizes.items() if m < plan.n_total})
    if plan.budget_minutes is not None:
        if not shrunk and not plan.reasons:
            return f"{head}; within --budget {plan.budget_minutes:g}, on all {plan.n_total} series"
        parts = []
        if shrunk:
            sizes = sorted({plan.sizes[u] for u in shrunk})
            parts.append(
                f"{', '.join(_words(u) for u in shrunk)} on {'/'.join(map(str, sizes))} of {plan.n_total} series"
            )
        if "label_issues" in plan.reasons:
            parts.append(f"label issues with {plan.label_kernels} kernels")
        over = (
            f"; still over the budget at the smallest design ({min(MIN_SUBSAMPLE, plan.n_total)} series)"
            if plan.predicted_s > 60 * plan.budget_minutes
            else ""
        )
        return f"{head}; --budget {plan.budget_minutes:g} runs a subsample design: {'; '.join(parts)}{over}"
    if plan.predicted_s >= ADVICE_SECONDS:
        suggest = max(1, int(round(plan.predicted_s / 60 / 3)))
        return f"{head}; `--budget {suggest}` runs a subsample design"
    return head


__all__ = ["Plan", "make_plan", "priced_curve", "cost_line", "subsample", "run_shape", "signal_units"]
