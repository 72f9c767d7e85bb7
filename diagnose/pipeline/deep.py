"""Deep models against each other and against the best classical baseline, on identical CV splits.

Every model and the baseline see the same :func:`~signal_diagnostics.evaluation.splits.make_splits` splits. The unit
of work is one (model, split, seed) training run; its seed is derived from
``(random_state, model, split, seed)`` alone, so units can run in any order, in parallel or be
resumed from a cache and give the same numbers. Seeds are averaged **within a split on the metric**
(each training run is scored on the split's test part, then the scores of a split are averaged), so
a model's figure estimates what one trained network achieves, not a seed ensemble, and the split is
the unit of the paired statistics (:func:`signal_diagnostics.evaluation.comparison.compare_paired`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.comparison import Comparison, compare_fixed_split, compare_paired
from signal_diagnostics.evaluation.metrics import METRICS
from signal_diagnostics.evaluation.scores import evaluate, scores_from_predictions, summarise_folds
from signal_diagnostics.evaluation.splits import Splits, fixed_split, make_splits
from signal_diagnostics.evaluation.weight_stability import STABILITY_SERIES
from signal_diagnostics.pipeline.config import DEFAULT_MIN_UPDATES, DEFAULT_ROPE_POINTS, Config, rope_points_to_fraction
from signal_diagnostics.results import Progress, html_table, to_jsonable

DEFAULT_PATIENCE_UPDATES = 60

ATTENTION_SPLIT, ATTENTION_SEED = 0, 0  # the held-out split (and seed) whose trained model is inspected


@dataclass
class CompareResult:
    """Deep models' cross-validated scores, their paired comparisons and attention diagnostics.

    Attributes
    ----------
    models : one ModelScores dict per deep model, with ``device``, ``train_seconds``, ``backend``,
        ``structure`` (:func:`signal_diagnostics.models.structure.describe`) and ``training`` (how the runs went:
        :func:`training_summary`) added.
    comparisons : every attention model vs its plain counterpart (``references``) and every deep model
        vs the baseline.
    attention : AttentionDiagnostic dicts for models with attention layers (split 0, seed 0).
    baseline : the classical baseline's ModelScores dict on the same splits (kind ``"baseline"``), or None
        when none was given.
    references : model -> the model it is compared with (its plain counterpart), or None.
    lint : model lint findings made before training (:func:`signal_diagnostics.models.lint.lint`), each
        ``{model, check, status, message, evidence, fix}``.
    uniform_control : whether the trained-uniform control ran, its variants and the attention layers it
        could not freeze (:func:`signal_diagnostics.pipeline.uniform_control.control_section`).
    """

    models: list[dict]
    comparisons: list[Comparison]
    attention: list[dict]
    baseline: dict | None = None
    references: dict = field(default_factory=dict)
    metric: str = "balanced_accuracy"
    config: dict = field(default_factory=dict)
    lint: list[dict] = field(default_factory=list)
    uniform_control: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The Diagnosis document's ``deep`` section (plain JSON values)."""
        return to_jsonable(
            {
                "models": self.models,
                "comparisons": [c.to_dict() for c in self.comparisons],
                "attention": self.attention,
                "baseline": self.baseline,
                "references": self.references,
                "metric": self.metric,
                "config": self.config,
                "lint": self.lint,
                "uniform_control": self.uniform_control,
            }
        )

    def __repr__(self) -> str:
        scores = ", ".join(f"{m.get('name')}: {m.get(self.metric, float('nan')):.3f}" for m in self.models[:6])
        return (
            f"CompareResult({self.metric}: {scores}"
            + (
                f"; baseline {self.baseline.get('name')}: {self.baseline.get(self.metric, float('nan')):.3f}"
                if self.baseline
                else ""
            )
            + f"; {len(self.comparisons)} comparisons, {len(self.attention)} attention diagnostics)"
        )[:600]

    def _repr_html_(self) -> str:
        rows = [[m.get("name"), m.get(self.metric), m.get("accuracy"), m.get("device", "-")] for m in self.models]
        if self.baseline:
            rows.append(
                [
                    f"{self.baseline.get('name')} (baseline)",
                    self.baseline.get(self.metric),
                    self.baseline.get("accuracy"),
                    "-",
                ]
            )
        table = html_table(["model", self.metric, "accuracy", "device"], rows, caption="deep models, same splits")
        verdicts = html_table(["comparison"], [[c.verdict] for c in self.comparisons]) if self.comparisons else ""
        return table + verdicts


def model_label(model: str | Callable) -> str:
    """The name a model goes by in reports: the zoo name or spec as given, or a builder's ``__name__``
    (a ModelSpec's ``label``)."""
    from signal_diagnostics.models.resolve import ModelSpec

    if isinstance(model, ModelSpec):
        return model.label
    if isinstance(model, str):
        return model
    return str(getattr(model, "__name__", type(model).__name__))


def unit_seed(random_state: int, model: str, split: int, seed: int) -> int:
    """Training seed of one unit, a hash of what names it (never of the order units run in)."""
    digest = hashlib.sha256(f"{random_state}|{model}|{split}|{seed}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def structure_unit(model: str | Callable, input_shape: tuple, n_classes: int, hyper: dict | None) -> dict:
    """Build one model (untrained) and describe its stack (:func:`signal_diagnostics.models.structure.describe`)."""
    import keras

    from signal_diagnostics.models.structure import describe
    from signal_diagnostics.models.training import build_model

    _, net = build_model(model, input_shape, n_classes, hyper)
    out = describe(net)
    keras.backend.clear_session()
    return out


def train_unit(
    model: str | Callable,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    lengths_test: np.ndarray,
    n_classes: int,
    *,
    epochs: int,
    seed: int,
    hyper: dict | None,
    batch_size: int,
    inspect_attention: bool,
    metric: str,
    min_updates: int = 0,
    patience_updates: int = 0,
    uniform_attention: bool = False,
    weight_series: int = 0,
) -> dict:
    """Train one model on one split with one seed; return JSON: test predictions and training record.

    With ``inspect_attention`` the attention layers of the trained model are diagnosed on the test
    part (an empty list when it has none). With ``uniform_attention`` the model is trained with its
    attention weights frozen to uniform (:class:`~signal_diagnostics.models.uniform_attention.UniformAttention`:
    the trained-uniform control). With ``weight_series`` the attention rows of the first that many test
    series are kept under ``"weights"`` (:func:`~signal_diagnostics.models.attention_rows.attention_rows`),
    for the seed-stability figure.
    """
    import warnings

    import keras

    from signal_diagnostics.models.training import fit

    if uniform_attention:
        from signal_diagnostics.models.uniform_attention import UniformAttention

        model = UniformAttention(model)
    with warnings.catch_warnings():
        # frozen uniform weights leave the attention layer's score parameters without gradient, by design
        warnings.filterwarnings("ignore", message="Gradients do not exist for variables")
        trained = fit(
            model,
            X_train,
            y_train,
            n_classes=n_classes,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            hyper=hyper,
            min_updates=min_updates,
            patience_updates=patience_updates,
        )
    proba = trained.predict_proba(X_test)
    out = {
        "pred": proba.argmax(axis=1).tolist(),
        "proba": np.round(proba, 6).tolist(),
        "train_seconds": trained.train_seconds,
        "epochs_run": trained.epochs_run,
        "training": trained.record,
        "device": trained.device,
        "backend": trained.backend,
        "attention": None,
        "compile": trained.compile,
    }
    if weight_series:
        from signal_diagnostics.models.attention_rows import attention_rows

        out["weights"] = attention_rows(trained, X_test, lengths_test, n_series=weight_series)
    if inspect_attention:
        from signal_diagnostics.models.inspect_attention import attention_diagnostics

        out["attention"] = [
            d.to_dict() for d in attention_diagnostics(trained, X_test, y_test, lengths_test, metric=metric, seed=seed)
        ]
    keras.backend.clear_session()  # keep graph state from piling up over many units in one process
    return out


def _lint_all(ds: Dataset, models: list, labels: list[str], hyper: dict | None, seed: int) -> list[dict]:
    """Lint every model before training; a model lint cannot build is noted, never fatal."""
    from signal_diagnostics.models.lint import lint

    findings: list[dict] = []
    for m, label in zip(models, labels):
        try:
            findings += lint(m, ds.X, ds.y_codes, ds.lengths, ds.n_classes, label=label, hyper=hyper, seed=seed)
        except DataError:
            raise
        except Exception as err:  # lint is advice: a model it cannot build still trains (and fails there, clearly)
            findings.append(
                {
                    "model": label,
                    "check": "lint",
                    "status": "info",
                    "message": f"the model could not be linted ({type(err).__name__}: {err})",
                    "evidence": {},
                    "fix": "",
                }
            )
    return findings


def _seed_averaged(
    name: str, description: str, y: np.ndarray, splits: Splits, runs: list[list[dict]], seeds: int
) -> dict:
    """One ModelScores dict from ``runs[split][seed]``: metrics averaged over seeds within each split."""
    per_seed = [
        scores_from_predictions(
            name,
            y,
            splits,
            [np.asarray(runs[i][s]["pred"], np.int64) for i in range(len(splits))],
            description=description,
            kind="deep",
        ).to_dict()
        for s in range(seeds)
    ]
    out = dict(per_seed[0])
    fold_scores = {m: np.mean([d["fold_scores"][m] for d in per_seed], axis=0).tolist() for m in METRICS}
    out["fold_scores"] = fold_scores
    means, out["intervals"] = summarise_folds(fold_scores, splits)
    out.update(means)
    out["per_class_recall"] = np.mean([d["per_class_recall"] for d in per_seed], axis=0).tolist()
    out["per_class_precision"] = np.mean([d["per_class_precision"] for d in per_seed], axis=0).tolist()
    out["confusion"] = np.sum([d["confusion"] for d in per_seed], axis=0).astype(int).tolist()
    flat = [r for split_runs in runs for r in split_runs]
    seconds = float(sum(r["train_seconds"] for r in flat))
    out["fit_seconds"] = seconds
    out["train_seconds"] = seconds
    out["device"] = flat[0]["device"]
    out["backend"] = flat[0]["backend"]
    out["extra"] = {
        "seeds": seeds,
        "seed_averaging": "metric averaged over seeds within each split; confusion summed over splits and seeds",
        "seed_fold_scores": {m: [d["fold_scores"][m] for d in per_seed] for m in METRICS},
        "mean_epochs_run": float(np.mean([r["epochs_run"] for r in flat])),
    }
    out["training"] = training_summary([r.get("training") or {} for r in flat])
    return out


# A model is "possibly under-trained" when at least this share of its runs stopped at the epoch budget with
# their best validation loss in the last epochs (training.training_record's still_improving).
UNDERTRAINED_SHARE = 0.5


def training_summary(records: list[dict]) -> dict:
    """How a model's training runs went: budget, updates, restored epochs, share still improving.

    ``possibly_undertrained`` is True when at least :data:`UNDERTRAINED_SHARE` of the runs with a
    validation split were still improving when they stopped; None when no run had one.
    """
    still = [r["still_improving"] for r in records if r.get("still_improving") is not None]
    mean = lambda key: (
        float(np.mean([r[key] for r in records])) if records and all(r.get(key) is not None for r in records) else None
    )  # noqa: E731
    share = float(np.mean(still)) if still else None
    return {
        "runs": len(records),
        "epochs_budget": mean("epochs_budget"),
        "mean_epochs_run": mean("epochs_run"),
        "mean_restored_epoch": mean("restored_epoch"),
        "mean_updates": mean("updates"),
        "updates_per_epoch": mean("updates_per_epoch"),
        "still_improving_share": share,
        "possibly_undertrained": None if share is None else bool(share >= UNDERTRAINED_SHARE),
    }


def _pairs(labels: list[str], references: dict[str, str | None], baseline: str | None) -> list[tuple[str, str]]:
    pairs = [(m, references[m]) for m in labels if references.get(m) is not None]
    if baseline is not None:
        pairs += [(m, baseline) for m in labels]
    return pairs


def _control(a: str, b: str, references: dict, structures: dict) -> str:
    """``"plain"`` for an attention model against its reference (the same stack without attention), else ``""``."""
    return "plain" if references.get(a) == b and (structures.get(a) or {}).get("has_attention") else ""


def compare_models(
    dataset: Dataset | Any,
    models: Sequence[str | Callable],
    *,
    y=None,
    folds: int = 5,
    repeats: int = 1,
    seeds: int = Config.seeds,  # the one default of both faces (diagnose compare --seeds)
    epochs: int = 30,
    baseline: str | dict | None = None,
    reference: str | None = None,
    rope: float = DEFAULT_ROPE_POINTS,
    metric: str = "balanced_accuracy",
    random_state: int = 0,
    hyper: dict | None = None,
    progress: Progress | None = None,
    batch_size: int = 64,
    executor: Any = None,
    split: str = "cv",
    min_updates: int = DEFAULT_MIN_UPDATES,
    patience_updates: int = DEFAULT_PATIENCE_UPDATES,
    uniform_control: bool = True,
) -> CompareResult:
    """Train deep models on identical CV splits and compare them with paired, corrected statistics.

    Parameters
    ----------
    dataset : the :class:`~signal_diagnostics.data.dataset.Dataset`, or X with ``y``, ``(X, y)`` or a source
        (:func:`signal_diagnostics.data.loaders.as_dataset`).
    models : zoo names (``signal_diagnostics.models.available()``), ``"file.py:fn"`` builder specs, trained
        ``"model.keras"`` files (their architecture is cloned and retrained on every split and seed) or
        builder callables ``fn(input_shape, n_classes, **hyper) -> keras.Model``. Every name is checked
        (:func:`signal_diagnostics.models.resolve.resolve`) and every model linted (:func:`signal_diagnostics.models.lint.lint`)
        before the baseline or any training starts.
    y : the labels when ``dataset`` is an array.
    folds, repeats : the CV design shared by every model and the baseline.
    seeds : training runs per model and split; their scores are averaged within the split.
    epochs : epochs per run at most, raised to reach ``min_updates`` (early stopping on an inner
        validation split).
    baseline : the classical baseline every model is compared with: a ``baselines.make`` name (evaluated
        here on the same splits), the ModelScores dict of one already evaluated on the same splits (what
        ``diagnose report`` passes: the best baseline of its signal section), or None (no baseline).
    reference : the model every other model is compared with; None: each attention model is compared
        with its plain counterpart among ``models``, the one with the same stack without attention
        (:func:`signal_diagnostics.models.structure.plain_counterparts`).
    rope : half-width of the region of practical equivalence, in percentage points of the metric (1 = 0.01,
        the default), as ``--rope``; used by the Bayesian test and by the equivalence rule of the decisions
        (:mod:`signal_diagnostics.pipeline.verdicts.outcomes`); 0 < rope < 50.
    metric : the metric compared, one of ``signal_diagnostics.evaluation.metrics.METRICS``.
    random_state : seeds the splits, the baseline and (hashed with model, split and seed) each run.
    hyper : model options passed to every model (``units``, ``depth``, ``learning_rate`` ...); user
        builders get only those their signature takes.
    progress : ``progress(done, total, label)`` after each unit (and once at the start).
    batch_size : training batch size.
    executor : a :class:`signal_diagnostics.pipeline.executor.Executor` to run the training units (parallel, cached);
        by default they run here, one after another.
    split : ``"cv"`` (repeated stratified k-fold, compared with the corrected t and the Bayesian
        correlated t) or ``"original"``: the dataset's own train/test split (UCR/UEA, ``aeon:``), each
        model trained once per seed and compared with McNemar's test (Dietterich 1998).
    min_updates, patience_updates : the training budget in optimizer updates
        (:func:`signal_diagnostics.models.training.fit`), so that small data do not starve training.
    uniform_control : also train every attention model with its attention weights frozen to uniform
        (``"<model> (uniform attention)"``, same splits, seeds and budget) and compare the learned model
        with it (:mod:`signal_diagnostics.pipeline.uniform_control`). With two or more ``seeds`` every
        attention row also gets the seed stability of its weights.

    Returns
    -------
    CompareResult

    Raises
    ------
    DataError
        For no models, an unknown model name, a missing builder file or function, an unreadable model
        file, an unknown metric, fewer than 1 seed or epoch, a class smaller than ``folds``, a reference
        that is not among the models, a rope outside (0, 50) points, or a baseline evaluated on other splits.
    """
    from signal_diagnostics.data.loaders import as_dataset

    ds = as_dataset(dataset, y)
    specs, base_name, rope_fraction = _check_and_resolve(ds, models, metric, rope, seeds, epochs, baseline, reference)
    labels = [s.label for s in specs]
    splits = _make_splits(ds, split, folds, repeats, random_state)
    if isinstance(baseline, dict) and (
        split != "cv" or len((baseline.get("fold_scores") or {}).get(metric) or []) != len(splits)
    ):
        raise DataError(f"baseline {base_name!r} was not scored on these {len(splits)} splits: pass its name instead")
    note = progress or (lambda *a: None)
    lint_findings = _lint_all(ds, specs, labels, hyper, random_state)
    from signal_diagnostics.pipeline.uniform_control import plan_controls, variants

    input_shape = tuple(int(v) for v in ds.X.shape[1:])
    plans = plan_controls(specs, labels, input_shape, ds.n_classes, hyper) if uniform_control else {}
    controls = variants(plans)  # model -> "<model> (uniform attention)"
    evaluated = isinstance(baseline, str)
    n_splits = len(splits)
    total = (n_splits if evaluated else 0) + len(specs) * (n_splits * seeds + 1) + len(controls) * n_splits * seeds
    note(0, total, "starting")
    # The baseline first: it is quick, and a failure there shows before hours of training.
    scores = _baseline_scores(ds, splits, baseline, random_state, lambda i, lab: note(i, total, lab))
    settings = {
        "protocol": split,
        "backend": os.environ.get("KERAS_BACKEND") or "tensorflow",
        "folds": folds,
        "repeats": repeats,
        "random_state": random_state,
        "epochs": epochs,
        "hyper": hyper or {},
        "batch_size": batch_size,
        "metric": metric,
        "min_updates": min_updates,
        "patience_updates": patience_updates,
    }
    runs_of = [(m, m.label, m.label, None) for m in specs]  # the learned models, then the uniform controls
    runs_of += [(m, controls[m.label], m.label, "uniform") for m in specs if m.label in controls]
    units, where = _units(ds, specs, runs_of, splits, seeds, settings, hyper)
    offset = n_splits if evaluated else 0
    from signal_diagnostics.pipeline.executor import Executor

    results = (executor or Executor("inprocess")).map(
        units, label="training deep models", progress=lambda d, n, lab: note(offset + d, total, lab)
    )
    return _collect(
        ds,
        specs,
        runs_of,
        splits,
        seeds,
        where,
        results,
        scores=scores,
        base_name=base_name,
        reference=reference,
        plans=plans,
        uniform_control=uniform_control,
        metric=metric,
        record=_config_record(
            splits,
            settings,
            seeds=seeds,
            rope=rope_fraction,
            reference=reference,
            hyper=hyper,
            base_name=base_name,
            evaluated=evaluated,
            uniform_control=uniform_control,
        ),
        lint_findings=lint_findings,
    )


def _check_and_resolve(
    ds: Dataset, models: Sequence, metric: str, rope: float, seeds: int, epochs: int, baseline, reference
) -> tuple[list, str | None, float]:
    """Validate the options and resolve every model once (the door): ``(specs, baseline name, rope fraction)``."""
    from signal_diagnostics.models.resolve import resolve_all

    models = list(models)
    if not models:
        raise DataError("no deep models to compare: give at least one, e.g. models=['bilstm']")
    if metric not in METRICS:
        raise DataError(f"unknown metric {metric!r}: use one of {', '.join(METRICS)}")
    rope_fraction = rope_points_to_fraction(rope)
    if int(seeds) != seeds or seeds < 1 or int(epochs) != epochs or epochs < 1:
        raise DataError(f"seeds and epochs must be positive integers; got seeds={seeds!r}, epochs={epochs!r}")
    labels = [model_label(m) for m in models]
    if len(set(labels)) != len(labels):
        raise DataError(f"model names repeat ({', '.join(labels)}): give each model once")
    base_name = baseline.get("name") if isinstance(baseline, dict) else baseline
    if base_name in labels:
        raise DataError(f"baseline {base_name!r} has the name of a deep model: rename one of them")
    if reference is not None and reference not in labels:
        raise DataError(
            f"reference {reference!r} is not among the models compared ({', '.join(labels)}): add it to the models"
        )
    # unknown names, missing files or functions, unreadable or mismatched .keras files stop here
    specs = resolve_all(models, input_shape=ds.X.shape[1:], n_classes=ds.n_classes)
    if any(s is None for s in specs):
        raise DataError("compare_models takes model names, files or builder functions, not keras.Model objects")
    return specs, base_name, rope_fraction


def _make_splits(ds: Dataset, split: str, folds: int, repeats: int, random_state: int) -> Splits:
    if split == "original":
        return fixed_split(ds.meta.get("split"))
    if split == "cv":
        return make_splits(ds.y_codes, folds=folds, repeats=repeats, groups=ds.groups, seed=random_state)
    raise DataError(f"split must be 'cv' or 'original'; got {split!r}")


def _baseline_scores(
    ds: Dataset, splits: Splits, baseline: str | dict | None, random_state: int, note: Callable
) -> dict[str, dict]:
    """``{name: ModelScores dict}`` of the baseline: the one given, or a ``baselines.make`` name evaluated here."""
    if isinstance(baseline, dict):
        return {baseline.get("name"): baseline}
    if not isinstance(baseline, str):
        return {}
    from signal_diagnostics import baselines

    try:
        est = baselines.make(baseline, random_state=random_state)
    except ValueError as err:
        raise DataError(f"{err}: pick one of those as the baseline") from err
    description = baselines.available().get(baseline, "")

    def baseline_progress(i: int, n: int) -> None:
        if i:
            note(i, f"{baseline} split {i}/{n}")

    base = evaluate(est, ds.X, ds.y_codes, splits, name=baseline, description=description, progress=baseline_progress)
    return {baseline: {**base.to_dict(), "device": "cpu", "train_seconds": base.fit_seconds, "backend": "scikit-learn"}}


def _structure_units(ds: Dataset, specs: list, settings: dict, hyper: dict | None) -> list:
    from signal_diagnostics.pipeline.executor import Unit

    input_shape = tuple(int(v) for v in ds.X.shape[1:])
    return [
        Unit(
            key={
                "task": "compare.structure",
                "model": m.label,
                "input_shape": list(input_shape),
                "n_classes": ds.n_classes,
                "hyper": hyper or {},
                "backend": settings["backend"],
                **({"source": m.digest} if m.digest else {}),  # a user's file: its content is part of the key
            },
            fn=structure_unit,
            args=(m, input_shape, ds.n_classes, hyper),
        )
        for m in specs
    ]


def _units(
    ds: Dataset, specs: list, runs_of: list, splits: Splits, seeds: int, settings: dict, hyper: dict | None
) -> tuple[list, list]:
    """A structure unit per model, then a training unit per (model or control, split, seed), and where each goes."""
    from signal_diagnostics.pipeline.executor import Unit

    units = _structure_units(ds, specs, settings, hyper)
    where: list[tuple[str, int, int] | None] = [None] * len(units)
    weight_series = STABILITY_SERIES if seeds >= 2 else 0
    y = ds.y_codes
    for m, name, label, variant in runs_of:
        for i, (tr, te) in enumerate(splits):
            for s in range(seeds):
                inspect = variant is None and i == ATTENTION_SPLIT and s == ATTENTION_SEED
                key = {
                    "task": "compare.train",
                    "model": label,
                    "split": i,
                    "seed": s,
                    **settings,
                    "attention": inspect,
                    **({"source": m.digest} if m.digest else {}),
                    **({"variant": variant} if variant else {}),
                    **({"weights": weight_series} if weight_series and variant is None else {}),
                }
                args = (m, ds.X[tr], y[tr], ds.X[te], y[te], ds.lengths[te], ds.n_classes)
                kwargs = dict(
                    epochs=settings["epochs"],
                    seed=unit_seed(settings["random_state"], label, i, s),
                    hyper=hyper,
                    batch_size=settings["batch_size"],
                    inspect_attention=inspect,
                    metric=settings["metric"],
                    min_updates=settings["min_updates"],
                    patience_updates=settings["patience_updates"],
                    uniform_attention=variant == "uniform",
                    weight_series=0 if variant else weight_series,
                )
                units.append(Unit(key=key, fn=_call_train_unit, args=(args, kwargs), needs_gpu=True))
                where.append((name, i, s))
    return units, where


def _model_records(
    ds: Dataset, specs: list, runs_of: list, splits: Splits, seeds: int, runs: dict, structures: dict
) -> list[dict]:
    """Each model's seed-averaged record with its structure, then each control's, and what it was compiled with."""
    from signal_diagnostics.pipeline.uniform_control import control_record

    y = ds.y_codes
    deep = [
        {**_seed_averaged(m.label, m.description, y, splits, runs[m.label], seeds), "structure": structures[m.label]}
        for m in specs
    ]
    deep += [
        control_record(
            {
                **_seed_averaged(name, f"{m.description}, attention frozen to uniform", y, splits, runs[name], seeds),
                "structure": structures[label],
            },
            label,
        )
        for m, name, label, variant in runs_of
        if variant
    ]
    for d in deep:
        d["compile"] = runs[d["name"]][0][0].get("compile")  # what the first run was compiled with
    return deep


def _collect(
    ds: Dataset, specs: list, runs_of: list, splits: Splits, seeds: int, where: list, results: list, **parts
) -> CompareResult:
    """Put the unit results back in place: structures, runs, attention rows, model records and comparisons."""
    from signal_diagnostics.models.structure import plain_counterparts
    from signal_diagnostics.pipeline.uniform_control import (
        annotate_attention,
        control_comparisons,
        control_section,
        stabilities,
    )

    n = len(specs)
    structures = {m.label: r for m, r in zip(specs, results[:n])}
    references = plain_counterparts(structures, parts["reference"])
    runs = {name: [[None] * seeds for _ in range(len(splits))] for _, name, _, _ in runs_of}
    attention: list[dict] = []
    for (name, i, s), r in zip(where[n:], results[n:]):
        runs[name][i][s] = r
        attention.extend(r.get("attention") or [])
    scores = parts["scores"]
    deep = _model_records(ds, specs, runs_of, splits, seeds, runs, structures)
    scores.update({d["name"]: d for d in deep})
    base_name, plans, record = parts["base_name"], parts["plans"], parts["record"]
    compare = _comparer(ds, splits, runs, scores, base_name, references, structures, record, parts["metric"])
    comparisons = [compare(a, b) for a, b in _pairs([m.label for m in specs], references, base_name)]
    comparisons += control_comparisons(plans, compare)
    annotate_attention(attention, plans, parts["uniform_control"], stabilities(runs, seed=record["random_state"]))
    return CompareResult(
        models=deep,
        comparisons=comparisons,
        attention=attention,
        baseline=scores[base_name] if base_name is not None else None,
        references=references,
        metric=parts["metric"],
        config=record,
        lint=parts["lint_findings"],
        uniform_control=control_section(plans, parts["uniform_control"]),
    )


def _comparer(
    ds: Dataset, splits: Splits, runs: dict, scores: dict, base_name, references: dict, structures: dict, record, metric
) -> Callable[[str, str], Comparison]:
    """The comparison protocol: McNemar on one fixed split (first seed), else the corrected paired tests on CV."""
    y, rope = ds.y_codes, record["rope"]
    if record["split"] == "original":  # one split: McNemar on the first seed's test predictions
        test = splits.pairs[0][1]
        preds = {name: r[0][0]["pred"] for name, r in runs.items()}
        if base_name is not None:
            preds[base_name] = scores[base_name]["extra"]["predictions"]

        def compare(a: str, b: str) -> Comparison:
            return compare_fixed_split(
                a,
                b,
                y[test],
                preds[a],
                preds[b],
                metric=metric,
                seed=record["random_state"],
                rope=rope,
                control=_control(a, b, references, structures),
            )

        return compare

    def compare(a: str, b: str) -> Comparison:
        return compare_paired(
            a,
            b,
            scores[a]["fold_scores"][metric],
            scores[b]["fold_scores"][metric],
            n_train=splits.n_train,
            n_test=splits.n_test,
            folds=splits.folds,
            repeats=splits.repeats,
            rope=rope,
            metric=metric,
            control=_control(a, b, references, structures),
        )

    return compare


def _config_record(
    splits: Splits, settings: dict, *, seeds, rope, reference, hyper, base_name, evaluated, uniform_control
) -> dict:
    """The ``deep.config`` record: how the comparison was run."""
    return {
        "split": settings["protocol"],
        "folds": splits.folds,
        "repeats": splits.repeats,
        "seeds": seeds,
        "epochs": settings["epochs"],
        "rope": rope,  # in metric units (the option, in points, is rope / 100)
        "random_state": settings["random_state"],
        "hyper": hyper or {},
        "batch_size": settings["batch_size"],
        "min_updates": settings["min_updates"],
        "patience_updates": settings["patience_updates"],
        "reference": reference,
        "baseline_source": None if base_name is None else ("evaluated here" if evaluated else "given (same splits)"),
        "seed_averaging": "metric within split",
        "attention_split": ATTENTION_SPLIT,
        "uniform_control": bool(uniform_control),
    }


def _call_train_unit(args: tuple, kwargs: dict) -> dict:
    """Top-level (picklable) adapter: ``train_unit(*args, **kwargs)``."""
    return train_unit(*args, **kwargs)


__all__ = [
    "CompareResult",
    "compare_models",
    "model_label",
    "structure_unit",
    "train_unit",
    "training_summary",
    "unit_seed",
]
