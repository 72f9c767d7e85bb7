"""Run the checks in order and assemble the Diagnosis document.

Each section runs on its own: one that raises is recorded under ``errors`` and the rest goes on.
Every independent part (a baseline, the shuffle test, the learning curve, the timestep map, the
ceiling, each deep training run, each explained model) is a unit of one
:class:`~signal_diagnostics.pipeline.executor.Executor`, so the same run can use local processes or a Dask cluster and
resume from a cache; the document does not depend on which executor ran it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from signal_diagnostics.baselines import has_tag
from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.pipeline.config import DEFAULT_MODELS, SHUFFLE_CURVE_MODEL, Config
from signal_diagnostics.pipeline.document import new_document
from signal_diagnostics.pipeline.units import attribution_unit
from signal_diagnostics.results import Progress, to_jsonable

# a failed section's traceback goes here at DEBUG level (``diagnose --debug`` prints it on stderr)
log = logging.getLogger("signal_diagnostics")


def _run_section(doc: dict, name: str, fn: Callable[[], object]):
    try:
        value = fn()
    except Exception as err:  # a failed section is reported, the rest goes on
        doc.setdefault("errors", {})[name] = f"{type(err).__name__}: {err}"
        doc.setdefault("_tracebacks", {})[name] = traceback.format_exc()
        return None
    return value


def _unit_result(doc: dict, name: str, value):
    """A unit's result, or None with the failure recorded under ``errors[name]``."""
    from signal_diagnostics.pipeline.executor import UnitError

    if isinstance(value, UnitError):
        doc.setdefault("errors", {})[name] = value.message
        doc.setdefault("_tracebacks", {})[name] = value.traceback
        return None
    return value


def _executor(executor):
    from signal_diagnostics.pipeline.executor import Executor

    return executor if executor is not None else Executor("inprocess")


def _class_fields(sig: dict, doc: dict, classes: list[str], ids=None) -> None:
    """Per-class recall of the best baseline into ``class_pairs``; the ceilings that hold into ``ceiling``;
    the user's series ids (``Dataset.ids``) onto the label suspects."""
    from signal_diagnostics.checks.ceiling import accuracy_ceilings
    from signal_diagnostics.checks.pairs import per_class_recall

    best = next((b for b in sig["baselines"] if b["name"] == sig.get("best_baseline")), None)
    labels = sig.get("label_issues")
    if labels is not None and ids is not None:
        for suspect in labels.get("suspects") or []:
            suspect["id"] = str(ids[suspect["index"]])
    if sig.get("class_pairs") is not None and best is not None:
        sig["class_pairs"]["per_class"] = {
            "model": best["name"],
            "recall": per_class_recall(best, classes),
            "balanced_weights": (labels or {}).get("balanced_weights"),
            "interval_method": "Wilson score, 95%, on the cross-validated predictions",
        }
    real = [b["accuracy"] for b in sig["baselines"] if not has_tag(b["name"], "chance")]
    dup = next(
        (r.get("value") for r in doc.get("health") or [] if isinstance(r, dict) and r.get("check") == "duplicates"),
        None,
    )
    if sig.get("ceiling") is not None or labels is not None or dup:
        sig["ceiling"] = accuracy_ceilings(
            sig.get("ceiling"), dup if isinstance(dup, dict) else None, labels, max(real) if real else None
        )


def _timed_units(calls) -> list:
    from signal_diagnostics.pipeline.executor import Unit
    from signal_diagnostics.pipeline.units import timed

    return [Unit(key=c.key, fn=timed, args=(c.fn, c.names, *c.args), label=c.label) for c in calls]


def _measured(doc: dict, name: str, value, measured: dict):
    """A timed unit's result (None when it failed, recorded under ``errors[name]``); its seconds into ``measured``."""
    from signal_diagnostics.pipeline.units import untimed

    value = _unit_result(doc, name, value)
    if value is None:
        return None
    value, seconds, cpu = untimed(value)
    measured[name] = seconds
    measured[f"{name}/cpu"] = cpu
    return value


def _signal_steps(ds: Dataset, cfg: Config, plan, executor, progress, doc: dict, measured: dict) -> dict:
    """``signal``: every declared step's result (:mod:`~signal_diagnostics.pipeline.steps`) in its section, the
    baselines' in ``baselines`` with the best one named; the steps that wait for it run on its model after."""
    from signal_diagnostics.pipeline import steps
    from signal_diagnostics.pipeline.signal_units import signal_calls, waiting_calls

    calls = signal_calls(ds, cfg, plan)
    results = executor.map(_timed_units(calls), progress=progress, errors="return")
    got = {c.name: _measured(doc, c.name, v, measured) for c, v in zip(calls, results)}
    sig: dict = {"baselines": [got[c.name] for c in calls if steps.find(c.name).kind == "baseline" and got[c.name]]}
    real = [b for b in sig["baselines"] if not has_tag(b["name"], "chance")]
    best = max(real, key=lambda b: b["balanced_accuracy"]) if real else None
    sig["best_baseline"] = best["name"] if best else None
    for step in steps.STEPS:  # a step turned off still has its section, empty
        if step.section is not None and not step.after_baselines:
            sig[step.section] = got.get(step.name)
    model = SHUFFLE_CURVE_MODEL if best is None or has_tag(best["name"], "quadratic") else best["name"]
    waiting = waiting_calls(ds, cfg, plan, model)  # the learning curve: its model is the best baseline
    if waiting:
        results = executor.map(_timed_units(waiting), progress=progress, errors="return")
        for c, v in zip(waiting, results):
            sig[steps.find(c.name).section] = _measured(doc, c.name, v, measured)
    return sig


def run_signal(ds: Dataset, cfg: Config, doc: dict, progress: Progress | None = None, executor=None, plan=None) -> None:
    """Fill ``health`` and ``signal`` (baselines, shuffle test, curve, timestep map, ceiling, labels, class pairs),
    ``plan`` (what ran on what) and ``cost`` (each unit's predicted and measured time).

    The health checks run here; every other part is a unit of ``executor`` (default: in-process), on the
    series ``plan`` gives it (default: :func:`~signal_diagnostics.pipeline.plan.make_plan` for the executor's
    workers and ``cfg.budget``).
    """
    import time

    from signal_diagnostics.checks.health import health_checks
    from signal_diagnostics.evaluation.splits import make_splits
    from signal_diagnostics.pipeline.cost import cost_section
    from signal_diagnostics.pipeline.plan import make_plan, priced_curve
    from signal_diagnostics.pipeline.verdicts.signal import separable_classes

    executor = _executor(executor)
    plan = plan or make_plan(ds, cfg, workers=getattr(executor, "n_workers", 1) if executor.kind != "inprocess" else 1)
    t0, c0 = time.perf_counter(), time.process_time()
    doc["health"] = _run_section(
        doc,
        "health",
        lambda: [
            r.to_dict()
            for r in health_checks(
                ds, folds=cfg.folds, random_state=cfg.random_state, n_permutations=cfg.n_permutations
            )
        ],
    )
    measured = {"health": time.perf_counter() - t0, "health/cpu": time.process_time() - c0}
    make_splits(
        ds.y_codes, folds=cfg.folds, repeats=cfg.repeats, groups=ds.groups, random_state=cfg.random_state
    )  # bad folds stop here
    sig = _signal_steps(ds, cfg, plan, executor, progress, doc, measured)
    doc["signal"] = sig
    classes = [str(c) for c in ds.classes.tolist()]
    _class_fields(sig, doc, classes, ds.ids)
    best = next((b for b in sig["baselines"] if b["name"] == sig["best_baseline"]), None)
    if best is not None:
        sig["separable_classes"] = separable_classes(best, classes)
    doc["plan"] = plan.to_dict()
    curve = sig.get("learning_curve") or {}
    priced = priced_curve(plan, ds, cfg, curve["model"]) if curve.get("model") else plan
    doc["cost"] = cost_section(priced, measured, time.perf_counter() - t0)


def run_deep(ds: Dataset, cfg: Config, doc: dict, progress: Progress | None = None, executor=None) -> None:
    """Fill ``deep``: the zoo on the same splits, paired comparisons, attention diagnostics.

    Each (model, split, seed) training run is a unit of ``executor`` (default: in-process).
    """
    from signal_diagnostics.pipeline.deep import compare_models

    hyper = {"units": cfg.units} if cfg.units else None
    executor = _executor(executor)
    sig = doc.get("signal") or {}
    best = next((b for b in sig.get("baselines") or [] if b.get("name") == sig.get("best_baseline")), None)
    if cfg.split == "cv" and best is not None:
        baseline = best  # the best classical baseline, already scored on these splits
    else:
        baseline = best["name"] if best is not None else cfg.compare_baseline
    doc["deep"] = _run_section(
        doc,
        "deep",
        lambda: compare_models(
            ds,
            cfg.models or list(DEFAULT_MODELS),
            folds=cfg.folds,
            repeats=cfg.repeats,
            seeds=cfg.seeds,
            epochs=cfg.epochs,
            baseline=baseline,
            reference=cfg.reference,
            random_state=cfg.random_state,
            hyper=hyper,
            progress=progress,
            executor=executor,
            split=cfg.split,
            min_updates=cfg.min_updates,
            rope=cfg.rope,
            uniform_control=cfg.uniform_control,
        ).to_dict(),
    )


def _digest(value) -> str | None:
    """A short hash of a JSON value (for unit keys that depend on a large input)."""
    import hashlib

    from signal_diagnostics.pipeline.cache import canonical

    return None if value is None else hashlib.sha256(canonical(value).encode()).hexdigest()[:20]


def _source_digest(model: str) -> str | None:
    """A hash of a user's model file (``file.py:fn``, ``model.keras``), None for zoo and baseline names."""
    from signal_diagnostics.models.resolve import resolve

    return resolve(model, baselines_allowed=True).digest


def _is_trained_file(model: str) -> bool:
    from signal_diagnostics.models.resolve import resolve

    return resolve(model, baselines_allowed=True).kind == "file"


def run_explain(
    ds: Dataset,
    cfg: Config,
    doc: dict,
    models: list[str] | None = None,
    progress: Progress | None = None,
    executor=None,
) -> None:
    """Fill ``attribution``: train each model on a training split and explain held-out series.

    Each model is one unit of ``executor`` (default: in-process); a model that fails is recorded
    under ``errors["attribution:MODEL"]`` and the others stay.
    """
    import os

    from signal_diagnostics import baselines
    from signal_diagnostics.attribution.agreement import reference_agreement
    from signal_diagnostics.pipeline.executor import Unit

    executor = _executor(executor)
    from signal_diagnostics.pipeline.deep import model_label

    # the document names a model by its label; a builder function given in Python is found again in cfg.models
    given = {model_label(m): m for m in cfg.models or []}
    names = list(dict.fromkeys(models or [cfg.explain_model or model_label((cfg.models or list(DEFAULT_MODELS))[0])]))
    models = [given.get(n, n) for n in names]
    hyper = {"units": cfg.units} if cfg.units else None
    timestep_map = (doc.get("signal") or {}).get("timestep_map")
    classes = [str(c) for c in ds.classes.tolist()]
    classical = baselines.available()
    units = [
        Unit(
            key={
                "task": "attribution",
                "model": name,
                "methods": list(cfg.methods),
                "samples": cfg.samples,
                "epochs": cfg.epochs,
                "random_state": cfg.random_state,
                "hyper": hyper or {},
                "classes": classes,
                "timestep_map": _digest(timestep_map),
                "keras_backend": None if name in classical else os.environ.get("KERAS_BACKEND", "tensorflow"),
                **({"standardise": cfg.standardise} if _is_trained_file(m) else {}),
                **({"source": _source_digest(m)} if _source_digest(m) else {}),
            },
            fn=attribution_unit,
            args=(
                m,
                ds.X,
                ds.y_codes,
                ds.lengths,
                classes,
                list(cfg.methods),
                cfg.samples,
                cfg.epochs,
                cfg.random_state,
                hyper,
                timestep_map,
                cfg.standardise,
            ),
            needs_gpu=name not in classical,
            label="attributions",
        )
        for name, m in zip(names, models)
    ]
    rows, failed = [], 0
    for name, value in zip(names, executor.map(units, progress=progress, errors="return")):
        value = _unit_result(doc, f"attribution:{name}", value)
        if value is None:
            failed += 1
        else:
            rows.extend(value)
    references = (doc.get("deep") or {}).get("references") or {}
    doc["attribution"] = None if failed == len(models) else reference_agreement(rows, references)


def _finish(doc: dict) -> dict:
    from signal_diagnostics.pipeline.verdicts.decide import decide, recommendations
    from signal_diagnostics.pipeline.verdicts.outcomes import with_decisions

    for name, text in (doc.pop("_tracebacks", None) or {}).items():
        log.debug("section %s failed:\n%s", name, text.rstrip())
    doc = with_decisions(to_jsonable(doc))  # each comparison's decision, written here alone
    doc["verdicts"] = decide(doc)
    doc["recommendations"] = recommendations(doc, doc["verdicts"])
    return to_jsonable(doc)


def _explained_models(doc: dict, cfg: Config) -> list[str]:
    """The report's explained models: the first attention model and its plain counterpart, else the first model."""
    deep = doc.get("deep") or {}
    refs = deep.get("references") or {}
    names = [m["name"] for m in deep.get("models") or []] or list(cfg.models or DEFAULT_MODELS)
    attention = [
        m["name"]
        for m in deep.get("models") or []
        if (m.get("structure") or {}).get("has_attention") and not m.get("control_of")
    ]
    if attention:
        return [n for n in (refs.get(attention[0]), attention[0]) if n is not None]
    return names[:1]


def run_signal_document(ds: Dataset, cfg: Config, progress: Progress | None = None, executor=None, plan=None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_signal(ds, cfg, doc, progress, executor, plan)
    return _finish(doc)


def run_compare_document(ds: Dataset, cfg: Config, progress: Progress | None = None, executor=None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_deep(ds, cfg, doc, progress, executor)
    return _finish(doc)


def run_explain_document(ds: Dataset, cfg: Config, progress: Progress | None = None, executor=None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_explain(ds, cfg, doc, progress=progress, executor=executor)
    return _finish(doc)


def run_report_document(ds: Dataset, cfg: Config, progress: Progress | None = None, executor=None, plan=None) -> dict:
    """The whole diagnosis: health, signal, deep comparison, attention, attributions, verdicts.

    ``executor`` (a :class:`signal_diagnostics.pipeline.executor.Executor`, default in-process) runs every unit; the
    document is the same, timing fields aside (``signal_diagnostics.pipeline.document.TIMING_KEYS``), whichever
    executor ran it and whether its units came from a cache.
    """
    doc = new_document(ds, cfg.to_dict())
    run_signal(ds, cfg, doc, progress, executor, plan)
    if cfg.deep:
        run_deep(ds, cfg, doc, progress, executor)
        run_explain(ds, cfg, doc, models=_explained_models(doc, cfg), progress=progress, executor=executor)
    return _finish(doc)


__all__ = [
    "Config",
    "run_signal",
    "run_deep",
    "run_explain",
    "run_signal_document",
    "run_compare_document",
    "run_explain_document",
    "run_report_document",
]
