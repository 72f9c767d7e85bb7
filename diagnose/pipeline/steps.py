"""The steps of ``diagnose signal`` declared as data: one :class:`Step` per unit, read by the run, the plan and
the cost model.

How to add a check to the run: write it in ``checks/`` (a top-level function of plain arrays returning a
``Result``: it is its own unit) and add one ``Step`` in :data:`STEPS` below: the check, the named arguments it
takes (:class:`Given` holds the series and options; parameters with defaults may be left out), its ``section``
of the document, its work formula (:mod:`~signal_diagnostics.pipeline.work`) with the fitted ``constants``, and
how the plan may shrink it (``kind``). Nothing else: the cache key, the calls, the plan, the predicted cost and
the document's section all come from the Step. (``pipeline/units.py`` holds adapters only for checks that need
more than their arguments: splits made first, inner progress.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from signal_diagnostics.checks.ceiling import bayes_error_bounds
from signal_diagnostics.checks.curves import learning_curve
from signal_diagnostics.checks.timemap import timestep_signal
from signal_diagnostics.pipeline import units
from signal_diagnostics.pipeline.work import (
    DTW_S,
    ceiling_work,
    curve_fits_work,
    curve_work,
    gb_work,
    labels_held,
    labels_work,
    minirocket_held,
    minirocket_work,
    pairs_held,
    pairs_work,
    shuffle_work,
    values_work,
)

# How the plan may shrink a step to fit a budget (signal_diagnostics.pipeline.plan):
KINDS = (
    "whole",  # always every series (the health checks)
    "head",  # every series, a cheaper MiniRocket head first (label issues)
    "permutation",  # a permutation test: a random subsample keeps it exact, only its power drops
    "capped",  # runs on at most its own cap of series anyway: a subsample lowers the cap
    "baseline",  # a classical baseline's accuracy: subsampled last, with the others
)
DATA = ("X", "y", "lengths", "groups")  # arguments that are the series: named by the data's fingerprint, not the key


@dataclass(frozen=True)
class Given:
    """What a step's arguments are made from: its series (the plan's subsample for it), the run's options and
    the cost model's shape (:func:`~signal_diagnostics.pipeline.plan.run_shape`), the plan, and the model the
    step runs (a baseline's name; the learning curve's model)."""

    X: Any
    y: Any
    lengths: Any
    groups: Any
    classes: list[str]
    cfg: Any
    shape: dict
    plan: Any
    model: str | None = None


def _nothing(n: int, shape: dict) -> float:
    return 0.0


@dataclass(frozen=True, eq=False)
class Step:
    """One unit of ``diagnose signal``.

    Attributes
    ----------
    name : the plan's and the cost model's name (``"shuffle_test"``, ``"baseline:logistic"``).
    label : what the progress display calls it.
    task : the cache key's ``task``; the key's other fields are the step's arguments but the series.
    unit : top-level function of plain data returning JSON or a ``Result`` (None: runs in the parent, the health
        checks); called with ``arguments`` by name.
    arguments : ``Given -> {parameter: value}``, every parameter of ``unit``.
    work : ``(n, shape) -> seconds`` at the reference rates (:mod:`~signal_diagnostics.pipeline.work`).
    constants : fitted ``(fixed seconds, scale of the work)`` (CPU seconds, ``benchmarks/scale.py --units``; wall
        seconds when not ``threaded``).
    threaded : its work uses every thread it is given (BLAS, numba); False: one thread does it and more only
        spin (logistic regression, one-thread boosting), so its constants are wall seconds for any thread count.
    section : key of its result under the document's ``signal`` (None: none of its own).
    held : ``(n, shape) -> bytes`` it holds beyond its copy of the data (features, Gram matrices).
    kind : how the plan may shrink it (:data:`KINDS`).
    cap : ``(shape key, series)``: its own cap on the series, which a subsample lowers.
    switch : the ``Config`` field that turns it on (None: always on).
    after_baselines : runs after the baselines, on the best one's model.
    key_extra : fixed facts named in its cache key.
    model : the baseline it runs (baselines only).
    """

    name: str
    label: str
    task: str
    unit: Callable | None
    arguments: Callable[[Given], dict] | None
    work: Callable[[int, dict], float]
    constants: tuple[float, float]
    section: str | None = None
    held: Callable[[int, dict], float] = _nothing
    kind: str = "whole"
    cap: tuple[str, int] | None = None
    switch: str | None = None
    after_baselines: bool = False
    key_extra: dict = field(default_factory=dict)
    model: str | None = None
    threaded: bool = True

    def enabled(self, cfg) -> bool:
        """Whether ``cfg`` runs this step."""
        return self.switch is None or bool(getattr(cfg, self.switch))


# --- arguments: each unit's parameters by name -----------------------------------------------------------------


def _shuffle_args(g: Given) -> dict:
    c = g.cfg
    return dict(
        X=g.X,
        y=g.y,
        heads=g.shape["heads"],
        n_permutations=c.n_permutations,
        folds=c.folds,
        groups=g.groups,
        random_state=c.random_state,
    )


def _baseline_args(g: Given) -> dict:
    c = g.cfg
    return dict(
        name=g.model, X=g.X, y=g.y, folds=c.folds, repeats=c.repeats, groups=g.groups, random_state=c.random_state
    )


def _ceiling_args(g: Given) -> dict:
    return dict(X=g.X, y=g.y, folds=g.cfg.folds, groups=g.groups, random_state=g.cfg.random_state)


def _timemap_args(g: Given) -> dict:
    c = g.cfg
    return dict(
        X=g.X, y=g.y, lengths=g.lengths, n_permutations=c.n_permutations, groups=g.groups, random_state=c.random_state
    )


def _labels_args(g: Given) -> dict:
    kernels = min(g.shape["label_kernels"], g.plan.label_kernels)
    c, seeds = g.cfg, g.shape["seeds"]
    return dict(
        X=g.X,
        y=g.y,
        classes=g.classes,
        folds=c.folds,
        groups=g.groups,
        seeds=seeds,
        kernels=kernels,
        random_state=c.random_state,
    )


def _pairs_args(g: Given) -> dict:
    c, kernels = g.cfg, g.shape["pair_kernels"]
    return dict(
        X=g.X,
        y=g.y,
        classes=g.classes,
        folds=c.folds,
        groups=g.groups,
        n_permutations=c.n_permutations,
        kernels=kernels,
        random_state=c.random_state,
    )


def _curve_args(g: Given) -> dict:
    c = g.cfg
    return dict(X=g.X, y=g.y, model=g.model, repeats=c.curve_repeats, groups=g.groups, random_state=c.random_state)


# --- the declarations ------------------------------------------------------------------------------------------

HEALTH = Step(
    "health",
    "health",
    "signal.health",
    None,
    None,
    lambda n, s: values_work(2e-8, n, s) * s["repeats"],
    (0.505, 7.368),  # fitted with the whole runs' health times at 8,000 and 100,000 series (scale_8k, scale_100k)
    threaded=False,
)
SHUFFLE = Step(
    "shuffle_test",
    "label-shuffle test",
    "signal.shuffle_test",
    units.shuffle_unit,
    _shuffle_args,
    shuffle_work,
    (0.613, 2.8838),
    section="shuffle_test",
    held=minirocket_held,
    kind="permutation",
)
# The baselines: the run's list (plan.run_shape "baselines") takes this entry's place in STEPS, each one as its
# declaration in BASELINES, or this one (not calibrated) for a baseline without its own.
BASELINE = Step(
    "baseline:*",
    "baselines",
    "signal.baseline",
    units.baseline_unit,
    _baseline_args,
    _nothing,
    (2.0, 1.0),
    kind="baseline",
)
BASELINES = {
    name: replace(BASELINE, name=f"baseline:{name}", model=name, work=work, constants=c, held=held, threaded=threaded)
    for name, work, c, held, threaded in (
        # fitted with the whole runs' chance times at 6,509 and 32,000 series (scale_100k.json, scale_32k.json)
        ("chance_prior", lambda n, s: 1e-5 * n * s["repeats"], (0.05, 1.15), _nothing, False),
        (
            "logistic",
            lambda n, s: values_work(2e-7, n, s) * s["repeats"] * s["folds"],
            (0.35, 0.3436),
            _nothing,
            False,
        ),
        (
            "features_gb",
            gb_work,
            (0.0, 0.9355),
            _nothing,
            False,
        ),
        ("minirocket", minirocket_work, (1.511, 2.1784), minirocket_held, True),
        ("dtw_1nn", lambda n, s: DTW_S * n**2 * s["T"] ** 2, (1.0, 1.0), _nothing, True),  # not calibrated
    )
}
CEILING = Step(
    "ceiling",
    "ceiling",
    "signal.ceiling",
    bayes_error_bounds,
    _ceiling_args,
    ceiling_work,
    (0.0, 1.9949),
    section="ceiling",
    kind="capped",
    cap=("ceiling_cap", 10_000),  # checks.ceiling.CEILING_MAX_SERIES
)
TIMEMAP = Step(
    "timestep_map",
    "timestep map",
    "signal.timestep_map",
    timestep_signal,
    _timemap_args,
    lambda n, s: values_work(5e-9, n, s) * (1 + s["n_permutations"] / 100),
    (0.144, 42.4045),
    section="timestep_map",
    kind="permutation",
    key_extra={"test": "kruskal"},
)
LABELS = Step(
    "label_issues",
    "label issues",
    "signal.label_issues",
    units.labels_unit,
    _labels_args,
    labels_work,
    (3.893, 2.1865),  # fitted with the 100,000-series point too (scale_100k.json, 1,000 kernels), and BOOTSTRAP_S
    section="label_issues",
    held=labels_held,
    kind="head",
    switch="label_checks",
    key_extra={"shared_features": True},
)
PAIRS = Step(
    "class_pairs",
    "class pairs",
    "signal.class_pairs",
    units.pairs_unit,
    _pairs_args,
    pairs_work,
    (7.352, 3.6887),
    section="class_pairs",
    held=pairs_held,
    kind="permutation",
    cap=("pair_cap", 5_000),  # checks.pairs.PAIRS_MAX_SERIES
    switch="label_checks",
)
CURVE = Step(
    "learning_curve",
    "learning curve",
    "signal.learning_curve",
    learning_curve,
    _curve_args,
    curve_work,
    (9.024, 1.6964),
    section="learning_curve",
    kind="capped",
    cap=("curve_cap", 5_000),  # checks.curves.CURVE_MAX_SERIES
    switch="learning_curve",
    after_baselines=True,
)
# The learning curve of a baseline without a fast curve refits it at each size (``learning_curve:NAME``): the run
# prices it so once the baselines chose its model (the plan said before the work prices MiniRocket's curve).
CURVES = {
    name: replace(
        CURVE,
        name=f"learning_curve:{name}",
        model=name,
        work=partial(curve_fits_work, fit),
        constants=c,
        threaded=False,
    )
    for name, fit, c in (
        ("logistic", BASELINES["logistic"].work, (7.751, 0.2024)),
        ("features_gb", BASELINES["features_gb"].work, (15.028, 0.6808)),
    )
}
# Run order: the plan, the cost section and the progress display list the steps in this order.
STEPS: tuple[Step, ...] = (HEALTH, SHUFFLE, BASELINE, CEILING, TIMEMAP, LABELS, PAIRS, CURVE)


def baseline_step(name: str) -> Step:
    """The declaration of the baseline ``name`` (the uncalibrated default for a baseline without one)."""
    return BASELINES.get(name) or replace(BASELINE, name=f"baseline:{name}", model=name)


def run_steps(cfg, shape: dict) -> list[Step]:
    """The steps ``cfg`` runs, in order, each baseline of ``shape["baselines"]`` in the baselines' place."""
    out: list[Step] = []
    for step in STEPS:
        if step is BASELINE:
            out += [baseline_step(name) for name in shape["baselines"]]
        elif step.enabled(cfg):
            out.append(step)
    return out


def find(name: str) -> Step:
    """The step called ``name``: ``learning_curve:NAME`` is the curve of the model NAME (MiniRocket's without its
    own declaration); a ``baseline:NAME`` without its own declaration, or any unknown name, has the uncalibrated
    baseline's constants and no work."""
    for step in STEPS:
        if step.name == name and step is not BASELINE:
            return step
    if name.startswith("baseline:"):
        return baseline_step(name.split(":", 1)[1])
    if name.startswith("learning_curve:"):
        return CURVES.get(name.split(":", 1)[1], CURVE)
    return replace(BASELINE, name=name)


def caps() -> dict[str, tuple[str, int]]:
    """``{step: (shape key, series)}`` of the steps with their own cap on the series."""
    return {s.name: s.cap for s in STEPS if s.cap is not None}


__all__ = [
    "Step",
    "Given",
    "STEPS",
    "BASELINES",
    "CURVES",
    "KINDS",
    "DATA",
    "baseline_step",
    "run_steps",
    "find",
    "caps",
]
