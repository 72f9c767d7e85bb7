"""Run the checks in order and assemble the Diagnosis document.

Each section runs on its own: one that raises is recorded under ``errors`` and the rest goes on.
Every independent part (a baseline, the shuffle test, the learning curve, the timestep map, the
ceiling, each deep training run, each explained model) is a unit of one
:class:`~diagnose.executor.Executor`, so the same run can use local processes or a Dask cluster and
resume from a cache; the document does not depend on which executor ran it.
"""
from __future__ import annotations

import dataclasses
import traceback
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from diagnose.dataset import Dataset
from diagnose.document import new_document
from diagnose.results import to_jsonable

Progress = Callable[[int, int, str], None]

# Baselines the signal check runs by default, cheapest first. dtw_1nn is dropped on data where
# 1-NN DTW would take minutes (its cost grows with n^2 T^2).
DEFAULT_BASELINES = ("chance_prior", "logistic", "features_gb", "minirocket", "dtw_1nn")
DTW_MAX_COST = 2e9  # n_series^2 * n_timesteps^2 above which dtw_1nn is skipped by default
SHUFFLE_MODEL = "minirocket"  # the permutation test's pipeline: fast exact path for MiniRocket + ridge


@dataclass
class Config:
    """Every option a diagnosis run uses; stored in the document's ``config``."""

    seed: int = 0
    folds: int = 5
    repeats: int = 1
    permutations: int = 1000
    baselines: list[str] | None = None
    learning_curve: bool = True
    curve_repeats: int = 5
    deep: bool = True
    models: list[str] | None = None
    seeds: int = 1
    epochs: int = 30
    units: int | None = None
    backend: str | None = None
    device: str = "auto"
    split: str = "cv"  # deep comparison: "cv" or "original" (the dataset's own train/test split)
    explain_model: str = "bilstm"
    standardise: str = "none"  # a trained .keras file's inputs: "none" (as given) or "fit" (per channel, training split)
    methods: list[str] = field(default_factory=lambda: ["shap", "integrated_gradients", "occlusion", "attention"])
    samples: int = 100
    profile: str = "custom"

    @classmethod
    def for_profile(cls, name: str, *, budget_minutes: float | None = None, **overrides) -> "Config":
        """The ``quick`` (minutes on a 2-core CPU) or ``full`` profile, scaled to a time budget."""
        if name == "quick":
            cfg = cls(permutations=200, repeats=1, seeds=1, epochs=8, units=16, curve_repeats=3,
                      models=["bilstm", "bilstm_attention"], samples=40,
                      methods=["integrated_gradients", "occlusion", "attention"], profile="quick")
        else:
            cfg = cls(permutations=1000, repeats=2, seeds=2, epochs=40,
                      models=["bilstm", "bilstm_attention", "attention_residual_bilstm", "bilstm_attention_pool", "transformer"],
                      profile="full")
        if budget_minutes is not None:
            cfg = cfg.scaled(budget_minutes)
        for key, value in overrides.items():
            if value is not None:
                setattr(cfg, key, value)
        return cfg


    def scaled(self, minutes: float) -> "Config":
        """Shrink repeats, seeds, epochs and permutations to fit roughly ``minutes`` on a 2-core CPU."""
        c = dataclasses.replace(self, profile=f"{self.profile} (budget {minutes:g} min)")
        if minutes < 10:
            c.repeats, c.seeds, c.epochs, c.units = 1, 1, min(c.epochs, 8), 16
            c.permutations = min(c.permutations, 200)
            c.models = (c.models or [])[:2]
        elif minutes < 30:
            c.repeats, c.seeds, c.epochs = 1, 1, min(c.epochs, 20)
            c.models = (c.models or [])[:3]
        return c

    def to_dict(self) -> dict:
        return to_jsonable(self)


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
    from diagnose.executor import UnitError

    if isinstance(value, UnitError):
        doc.setdefault("errors", {})[name] = value.message
        doc.setdefault("_tracebacks", {})[name] = value.traceback
        return None
    return value


def _executor(executor):
    from diagnose.executor import Executor

    return executor if executor is not None else Executor("inprocess")


def _baseline_names(ds: Dataset, cfg: Config) -> list[str]:
    if cfg.baselines:
        return list(cfg.baselines)
    names = list(DEFAULT_BASELINES)
    if ds.n_series ** 2 * ds.n_timesteps ** 2 > DTW_MAX_COST:
        names.remove("dtw_1nn")
    return names


# Units: top-level functions of plain data (picklable for local processes and Dask) returning JSON.
# Each one's randomness comes from its arguments (the run's seed), never from the order units run in.

def baseline_unit(name: str, X: np.ndarray, y: np.ndarray, folds: int, repeats: int, groups, seed: int) -> dict:
    """One classical baseline, cross-validated on ``make_splits(y, folds, repeats, groups, seed)``."""
    import baselines
    from diagnose.evaluation import evaluate, make_splits

    splits = make_splits(y, folds=folds, repeats=repeats, groups=groups, seed=seed)
    est = baselines.make(name, random_state=seed)
    return evaluate(est, X, y, splits, name=name, description=baselines.available().get(name, "")).to_dict()


def shuffle_unit(X: np.ndarray, y: np.ndarray, model: str, permutations: int, folds: int, groups, seed: int) -> dict:
    """The label-shuffle test on the first repeat's folds."""
    from diagnose.evaluation import make_splits
    from diagnose.shuffle import shuffle_test

    first = make_splits(y, folds=folds, repeats=1, groups=groups, seed=seed)
    return shuffle_test(X, y, model=model, n_permutations=permutations, cv=first, groups=groups,
                        random_state=seed).to_dict()


def curve_unit(X: np.ndarray, y: np.ndarray, model: str, repeats: int, groups, seed: int) -> dict:
    """The learning curve of ``model`` with its extrapolation."""
    from diagnose.curves import learning_curve

    return learning_curve(X, y, model=model, repeats=repeats, groups=groups, random_state=seed).to_dict()


def timemap_unit(X: np.ndarray, y: np.ndarray, lengths: np.ndarray) -> dict:
    """The timestep x channel signal map."""
    from diagnose.timemap import timestep_signal

    return timestep_signal(X, y, lengths).to_dict()


def ceiling_unit(X: np.ndarray, y: np.ndarray, folds: int, seed: int) -> dict:
    """The 1-NN error and the Cover-Hart bound on the Bayes error."""
    from diagnose.ceiling import bayes_error_bounds

    return bayes_error_bounds(X, y, cv=folds, random_state=seed).to_dict()


def attribution_unit(model: str, X: np.ndarray, y: np.ndarray, lengths: np.ndarray, classes: list[str],
                     methods: list[str], samples: int, epochs: int, seed: int, hyper: dict | None,
                     timestep_map: dict | None, standardise: str = "none") -> list[dict]:
    """Train one model and explain it (``explain_models`` for that model alone)."""
    from types import SimpleNamespace

    from diagnose.attribution import explain_models

    data = SimpleNamespace(X=X, y_codes=y, lengths=lengths, classes=np.asarray(classes))
    return explain_models(data, [model], methods=methods, samples=samples, epochs=epochs, seed=seed,
                          hyper=hyper, timestep_map=timestep_map, standardise=standardise)


def run_signal(ds: Dataset, cfg: Config, doc: dict, progress: Progress | None = None, executor=None) -> None:
    """Fill ``health`` and ``signal`` (baselines, shuffle test, curve, timestep map, ceiling, verdict).

    The health checks run here; every other part is a unit of ``executor`` (default: in-process).
    """
    from diagnose.evaluation import make_splits
    from diagnose.executor import Unit
    from diagnose.health import health_checks
    from diagnose.verdict import separable_classes, signal_verdict

    executor = _executor(executor)
    doc["health"] = _run_section(doc, "health", lambda: [r.to_dict() for r in health_checks(ds, folds=cfg.folds, seed=cfg.seed)])
    X, y, groups, seed = ds.X, ds.y_codes, ds.groups, cfg.seed
    make_splits(y, folds=cfg.folds, repeats=cfg.repeats, groups=groups, seed=seed)  # bad folds or groups stop here
    names = _baseline_names(ds, cfg)
    units = [Unit(key={"task": "signal.shuffle_test", "model": SHUFFLE_MODEL, "permutations": cfg.permutations,
                       "folds": cfg.folds, "seed": seed},
                  fn=shuffle_unit, args=(X, y, SHUFFLE_MODEL, cfg.permutations, cfg.folds, groups, seed),
                  label="label-shuffle test")]
    units += [Unit(key={"task": "signal.baseline", "name": name, "folds": cfg.folds, "repeats": cfg.repeats, "seed": seed},
                   fn=baseline_unit, args=(name, X, y, cfg.folds, cfg.repeats, groups, seed), label="baselines")
              for name in names]
    units += [Unit(key={"task": "signal.ceiling", "folds": cfg.folds, "seed": seed},
                   fn=ceiling_unit, args=(X, y, cfg.folds, seed), label="ceiling"),
              Unit(key={"task": "signal.timestep_map", "test": "kruskal"},
                   fn=timemap_unit, args=(X, y, ds.lengths), label="timestep map")]
    shuffle, *scores, ceiling, timemap = executor.map(units, progress=progress, errors="return")

    sig: dict = {"baselines": []}
    doc["signal"] = sig
    for name, value in zip(names, scores):
        value = _unit_result(doc, f"baseline:{name}", value)
        if value is not None:
            sig["baselines"].append(value)
    real = [b for b in sig["baselines"] if not b["name"].startswith("chance")]
    best = max(real, key=lambda b: b["balanced_accuracy"]) if real else None
    sig["best_baseline"] = best["name"] if best else None
    sig["shuffle_test"] = _unit_result(doc, "shuffle_test", shuffle)

    if cfg.learning_curve:  # its model is the best baseline, so it waits for the baselines
        model = SHUFFLE_MODEL if best is None or best["name"] == "dtw_1nn" else best["name"]
        curve = Unit(key={"task": "signal.learning_curve", "model": model, "repeats": cfg.curve_repeats, "seed": seed},
                     fn=curve_unit, args=(X, y, model, cfg.curve_repeats, groups, seed), label="learning curve")
        sig["learning_curve"] = _unit_result(doc, "learning_curve",
                                             executor.map([curve], progress=progress, errors="return")[0])

    sig["timestep_map"] = _unit_result(doc, "timestep_map", timemap)
    sig["ceiling"] = _unit_result(doc, "ceiling", ceiling)
    if best is not None:
        sig["separable_classes"] = separable_classes(best, [str(c) for c in ds.classes.tolist()])
    sig["verdict"] = signal_verdict(sig, ds.n_classes)


def run_deep(ds: Dataset, cfg: Config, doc: dict, progress: Progress | None = None, executor=None) -> None:
    """Fill ``deep``: the zoo on the same splits, paired comparisons, attention diagnostics.

    Each (model, split, seed) training run is a unit of ``executor`` (default: in-process).
    """
    from diagnose.compare import compare_models

    hyper = {"units": cfg.units} if cfg.units else None
    executor = _executor(executor)
    doc["deep"] = _run_section(doc, "deep", lambda: compare_models(
        ds, cfg.models or ["bilstm", "bilstm_attention"], folds=cfg.folds, repeats=cfg.repeats, seeds=cfg.seeds,
        epochs=cfg.epochs, random_state=cfg.seed, hyper=hyper, progress=progress, executor=executor,
        split=cfg.split).to_dict())


def _digest(value) -> str | None:
    """A short hash of a JSON value (for unit keys that depend on a large input)."""
    import hashlib

    from diagnose.cache import _canonical

    return None if value is None else hashlib.sha256(_canonical(value).encode()).hexdigest()[:20]


def _source_digest(model: str) -> str | None:
    """A hash of a user's model file (``file.py:fn``, ``model.keras``), None for zoo and baseline names."""
    if not (".py" in model or model.endswith(".keras")):
        return None
    from diagnose.models.resolve import source_digest

    return source_digest(model)


def _agreement_across_models(rows: list[dict]) -> list[dict]:
    """Add ``kendall_tau_vs_bilstm`` to each non-BiLSTM row, as ``explain_models`` does for models run together."""
    from diagnose.attribution import kendall_tau

    reference = {r["method"]: r["timestep_importance"] for r in rows if r["model"] == "bilstm"}
    for row in rows:
        if row["model"] != "bilstm" and row["method"] in reference:
            tau = kendall_tau(row["timestep_importance"], reference[row["method"]])
            row["agreement"] = {"kendall_tau_vs_bilstm": tau, **row["agreement"]}
    return rows


def run_explain(ds: Dataset, cfg: Config, doc: dict, models: list[str] | None = None,
                progress: Progress | None = None, executor=None) -> None:
    """Fill ``attribution``: train each model on a training split and explain held-out series.

    Each model is one unit of ``executor`` (default: in-process); a model that fails is recorded
    under ``errors["attribution:MODEL"]`` and the others stay.
    """
    import os

    import baselines
    from diagnose.executor import Unit

    executor = _executor(executor)
    models = list(dict.fromkeys(models or [cfg.explain_model]))
    hyper = {"units": cfg.units} if cfg.units else None
    timestep_map = (doc.get("signal") or {}).get("timestep_map")
    classes = [str(c) for c in ds.classes.tolist()]
    classical = baselines.available()
    units = [Unit(key={"task": "attribution", "model": m, "methods": list(cfg.methods), "samples": cfg.samples,
                       "epochs": cfg.epochs, "seed": cfg.seed, "hyper": hyper or {}, "classes": classes,
                       "timestep_map": _digest(timestep_map),
                       "keras_backend": None if m in classical else os.environ.get("KERAS_BACKEND", "tensorflow"),
                       **({"standardise": cfg.standardise} if m.endswith(".keras") else {}),
                       **({"source": _source_digest(m)} if _source_digest(m) else {})},
                  fn=attribution_unit,
                  args=(m, ds.X, ds.y_codes, ds.lengths, classes, list(cfg.methods), cfg.samples, cfg.epochs,
                        cfg.seed, hyper, timestep_map, cfg.standardise),
                  needs_gpu=m not in classical, label="attributions")
             for m in models]
    rows, failed = [], 0
    for m, value in zip(models, executor.map(units, progress=progress, errors="return")):
        value = _unit_result(doc, f"attribution:{m}", value)
        if value is None:
            failed += 1
        else:
            rows.extend(value)
    doc["attribution"] = None if failed == len(models) else _agreement_across_models(rows)


def _finish(doc: dict) -> dict:
    from diagnose.verdict import attention_verdict, more_data_verdict, recommendations

    doc.pop("_tracebacks", None)
    verdicts = {}
    if doc.get("signal") and doc["signal"].get("verdict"):
        verdicts["signal"] = doc["signal"]["verdict"]
    if doc.get("signal") and doc["signal"].get("learning_curve"):
        verdicts["more_data"] = more_data_verdict(doc["signal"]["learning_curve"])
    if doc.get("deep"):
        verdicts["attention"] = attention_verdict(doc)
    doc["verdicts"] = verdicts
    doc["recommendations"] = recommendations(doc)
    return to_jsonable(doc)


def run_signal_document(ds: Dataset, cfg: Config, progress: Progress | None = None, executor=None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_signal(ds, cfg, doc, progress, executor)
    return _finish(doc)


def run_compare_document(ds: Dataset, cfg: Config, progress: Progress | None = None, executor=None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_deep(ds, cfg, doc, progress, executor)
    return _finish(doc)


def run_explain_document(ds: Dataset, cfg: Config, progress: Progress | None = None, executor=None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_explain(ds, cfg, doc, progress=progress, executor=executor)
    return _finish(doc)


def run_report_document(ds: Dataset, cfg: Config, progress: Progress | None = None, executor=None) -> dict:
    """The whole diagnosis: health, signal, deep comparison, attention, attributions, verdicts.

    ``executor`` (a :class:`diagnose.executor.Executor`, default in-process) runs every unit; the
    document is the same, timing fields aside (``diagnose.document.TIMING_KEYS``), whichever
    executor ran it and whether its units came from a cache.
    """
    doc = new_document(ds, cfg.to_dict())
    run_signal(ds, cfg, doc, progress, executor)
    if cfg.deep:
        run_deep(ds, cfg, doc, progress, executor)
        models = list(dict.fromkeys(["bilstm"] + [m for m in (cfg.models or []) if "attention" in m
                                                  or m.endswith(".keras") or ".py:" in m][:1]))
        run_explain(ds, cfg, doc, models=models, progress=progress, executor=executor)
    return _finish(doc)


__all__ = ["Config", "run_signal", "run_deep", "run_explain", "run_signal_document",
           "run_compare_document", "run_explain_document", "run_report_document"]
