"""Run the checks in order and assemble the Diagnosis document.

Each section runs on its own: one that raises is recorded under ``errors`` and the rest goes on.
"""
from __future__ import annotations

import dataclasses
import traceback
from dataclasses import dataclass, field
from typing import Callable

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
    explain_model: str = "bilstm"
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


def _baseline_names(ds: Dataset, cfg: Config) -> list[str]:
    if cfg.baselines:
        return list(cfg.baselines)
    names = list(DEFAULT_BASELINES)
    if ds.n_series ** 2 * ds.n_timesteps ** 2 > DTW_MAX_COST:
        names.remove("dtw_1nn")
    return names


def run_signal(ds: Dataset, cfg: Config, doc: dict, progress: Progress | None = None) -> None:
    """Fill ``health`` and ``signal`` (baselines, shuffle test, curve, timestep map, ceiling, verdict)."""
    import baselines
    from diagnose.evaluation import evaluate, make_splits
    from diagnose.health import health_checks
    from diagnose.verdict import separable_classes, signal_verdict

    note = progress or (lambda *a: None)
    doc["health"] = _run_section(doc, "health", lambda: [r.to_dict() for r in health_checks(ds, folds=cfg.folds, seed=cfg.seed)])
    splits = make_splits(ds.y_codes, folds=cfg.folds, repeats=cfg.repeats, groups=ds.groups, seed=cfg.seed)
    sig: dict = {"baselines": []}
    doc["signal"] = sig
    names = _baseline_names(ds, cfg)
    for i, name in enumerate(names):
        note(i, len(names), "baselines")

        def one(name=name):
            est = baselines.make(name, random_state=cfg.seed)
            return evaluate(est, ds.X, ds.y_codes, splits, name=name,
                            description=baselines.available().get(name, "")).to_dict()

        scores = _run_section(doc, f"baseline:{name}", one)
        if scores is not None:
            sig["baselines"].append(scores)
    note(len(names), len(names), "baselines")
    real = [b for b in sig["baselines"] if not b["name"].startswith("chance")]
    best = max(real, key=lambda b: b["balanced_accuracy"]) if real else None
    sig["best_baseline"] = best["name"] if best else None

    def shuffle():
        from diagnose.shuffle import shuffle_test

        first = make_splits(ds.y_codes, folds=cfg.folds, repeats=1, groups=ds.groups, seed=cfg.seed)
        res = shuffle_test(ds.X, ds.y_codes, model=SHUFFLE_MODEL, n_permutations=cfg.permutations, cv=first,
                           groups=ds.groups, random_state=cfg.seed,
                           progress=lambda d, t: note(d, t, "label-shuffle test"))
        return res.to_dict()

    sig["shuffle_test"] = _run_section(doc, "shuffle_test", shuffle)

    if cfg.learning_curve:
        def curve():
            from diagnose.curves import learning_curve

            model = SHUFFLE_MODEL if best is None or best["name"] == "dtw_1nn" else best["name"]
            return learning_curve(ds.X, ds.y_codes, model=model, repeats=cfg.curve_repeats, groups=ds.groups,
                                  random_state=cfg.seed, progress=lambda d, t: note(d, t, "learning curve")).to_dict()

        sig["learning_curve"] = _run_section(doc, "learning_curve", curve)

    def timemap():
        from diagnose.timemap import timestep_signal

        return timestep_signal(ds.X, ds.y_codes, ds.lengths).to_dict()

    sig["timestep_map"] = _run_section(doc, "timestep_map", timemap)

    def ceiling():
        from diagnose.ceiling import bayes_error_bounds

        return bayes_error_bounds(ds.X, ds.y_codes, cv=cfg.folds, random_state=cfg.seed).to_dict()

    sig["ceiling"] = _run_section(doc, "ceiling", ceiling)
    if best is not None:
        sig["separable_classes"] = separable_classes(best, [str(c) for c in ds.classes.tolist()])
    sig["verdict"] = signal_verdict(sig, ds.n_classes)


def run_deep(ds: Dataset, cfg: Config, doc: dict, progress: Progress | None = None) -> None:
    """Fill ``deep``: the zoo on the same splits, paired comparisons, attention diagnostics."""
    from diagnose.compare import compare_models

    hyper = {"units": cfg.units} if cfg.units else None
    doc["deep"] = _run_section(doc, "deep", lambda: compare_models(
        ds, cfg.models or ["bilstm", "bilstm_attention"], folds=cfg.folds, repeats=cfg.repeats, seeds=cfg.seeds,
        epochs=cfg.epochs, random_state=cfg.seed, hyper=hyper, progress=progress).to_dict())


def run_explain(ds: Dataset, cfg: Config, doc: dict, models: list[str] | None = None,
                progress: Progress | None = None) -> None:
    """Fill ``attribution``: train each model on a training split and explain held-out series."""
    from diagnose.attribution import explain_models

    hyper = {"units": cfg.units} if cfg.units else None
    doc["attribution"] = _run_section(doc, "attribution", lambda: explain_models(
        ds, models or [cfg.explain_model], methods=cfg.methods, samples=cfg.samples, epochs=cfg.epochs,
        seed=cfg.seed, hyper=hyper, timestep_map=(doc.get("signal") or {}).get("timestep_map"), progress=progress))


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


def run_signal_document(ds: Dataset, cfg: Config, progress: Progress | None = None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_signal(ds, cfg, doc, progress)
    return _finish(doc)


def run_compare_document(ds: Dataset, cfg: Config, progress: Progress | None = None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_deep(ds, cfg, doc, progress)
    return _finish(doc)


def run_explain_document(ds: Dataset, cfg: Config, progress: Progress | None = None) -> dict:
    doc = new_document(ds, cfg.to_dict())
    run_explain(ds, cfg, doc, progress=progress)
    return _finish(doc)


def run_report_document(ds: Dataset, cfg: Config, progress: Progress | None = None) -> dict:
    """The whole diagnosis: health, signal, deep comparison, attention, attributions, verdicts."""
    doc = new_document(ds, cfg.to_dict())
    run_signal(ds, cfg, doc, progress)
    if cfg.deep:
        run_deep(ds, cfg, doc, progress)
        models = list(dict.fromkeys(["bilstm"] + [m for m in (cfg.models or []) if "attention" in m][:1]))
        run_explain(ds, cfg, doc, models=models, progress=progress)
    return _finish(doc)


__all__ = ["Config", "run_signal", "run_deep", "run_explain", "run_signal_document",
           "run_compare_document", "run_explain_document", "run_report_document"]
