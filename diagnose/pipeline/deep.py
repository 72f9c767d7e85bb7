"""Deep models against each other and against the best classical baseline, on identical CV splits.

:func:`compare_models` checks the options and resolves every model once (the door), builds the units (one
training run per model, split and seed, seeded by what names it: :mod:`~signal_diagnostics.pipeline.deep_units`),
runs them on the executor, collects each model's seed-averaged record
(:mod:`~signal_diagnostics.pipeline.deep_records`) and compares the models with the protocol of the split
(:mod:`~signal_diagnostics.pipeline.deep_protocols`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.data.loaders import as_dataset
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.comparison import Comparison
from signal_diagnostics.evaluation.metrics import METRICS
from signal_diagnostics.evaluation.scores import evaluate
from signal_diagnostics.evaluation.splits import Splits, fixed_split, make_splits
from signal_diagnostics.pipeline.config import DEFAULT_MIN_UPDATES, DEFAULT_ROPE_POINTS, Config, rope_points_to_fraction
from signal_diagnostics.pipeline.deep_protocols import comparer, pairs
from signal_diagnostics.pipeline.deep_records import config_record, model_records
from signal_diagnostics.pipeline.deep_units import compare_units, training_runs, unit_settings
from signal_diagnostics.pipeline.executor import Executor
from signal_diagnostics.pipeline.uniform_control import (
    annotate_attention,
    control_comparisons,
    control_section,
    plan_controls,
    stabilities,
    variants,
)
from signal_diagnostics.results import Progress, html_table, to_jsonable

DEFAULT_PATIENCE_UPDATES = 60


@dataclass
class CompareResult:
    """Deep models' cross-validated scores, their paired comparisons and attention diagnostics.

    Attributes
    ----------
    models : one ModelScores dict per deep model, with ``device``, ``train_seconds``, ``backend``,
        ``structure`` (:func:`signal_diagnostics.models.structure.describe`) and ``training`` (how the runs went:
        :func:`~signal_diagnostics.pipeline.deep_records.training_summary`) added.
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
    dataset : a Dataset, or X with ``y``, ``(X, y)`` or a source (:func:`signal_diagnostics.data.loaders.as_dataset`).
    models : zoo names, ``"file.py:fn"`` builders, trained ``"model.keras"`` files (their architecture retrained on
        every split and seed) or builder callables ``fn(input_shape, n_classes, **hyper) -> keras.Model``; each is
        resolved (:func:`signal_diagnostics.models.resolve.resolve`) and linted before the baseline or any training.
    y : the labels when ``dataset`` is an array.
    folds, repeats : the CV design shared by every model and the baseline.
    seeds : training runs per model and split; their scores are averaged within the split.
    epochs : epochs per run at most, raised to reach ``min_updates`` (early stopping on an inner validation split).
    baseline : a ``baselines.make`` name (evaluated here on the same splits), the ModelScores dict of one evaluated
        on the same splits (what ``diagnose report`` passes: its best baseline), or None (no baseline).
    reference : the model every other model is compared with; None: each attention model against its plain
        counterpart, the same stack without attention (:func:`~signal_diagnostics.models.structure.plain_counterparts`).
    rope : half-width of the region of practical equivalence in percentage points of the metric (1 = 0.01, the
        default, as ``--rope``), for the Bayesian test and the decisions' equivalence rule; 0 < rope < 50.
    metric : the metric compared, one of ``signal_diagnostics.evaluation.metrics.METRICS``.
    random_state : seeds the splits, the baseline and (hashed with model, split and seed) each run.
    hyper : model options for every model (``units``, ``depth``, ``learning_rate`` ...); builders get those they take.
    progress : ``progress(done, total, label)`` after each unit (and once at the start).
    batch_size : training batch size.
    executor : an :class:`~signal_diagnostics.pipeline.executor.Executor` for the units (default: here, in turn).
    split : ``"cv"`` (repeated stratified k-fold) or ``"original"`` (the dataset's own train/test split, one run per
        seed); the protocols: :mod:`signal_diagnostics.pipeline.deep_protocols`.
    min_updates, patience_updates : the training budget in optimizer updates (``models.training.fit``).
    uniform_control : also train each attention model with its weights frozen to uniform and compare it with that
        (:mod:`signal_diagnostics.pipeline.uniform_control`); with two or more ``seeds``, seed stability of the weights.

    Raises
    ------
    DataError
        For no models, an unknown or unreadable model, an unknown metric, fewer than 1 seed or epoch, a class smaller
        than ``folds``, a reference not among the models, a rope outside (0, 50) points, or a baseline on other splits.
    """
    ds = as_dataset(dataset, y)
    specs, base_name, rope_fraction = _check_and_resolve(ds, models, metric, rope, seeds, epochs, baseline, reference)
    splits = _make_splits(ds, split, folds, repeats, random_state, baseline, metric)
    note = progress or (lambda *a: None)
    lint_findings = _lint_all(ds, specs, hyper, random_state)
    plans = _control_plans(ds, specs, hyper, uniform_control)
    runs_of = training_runs(specs, variants(plans))
    offset = len(splits) if isinstance(baseline, str) else 0  # a baseline named here is evaluated first
    total = offset + len(specs) + len(runs_of) * len(splits) * seeds
    note(0, total, "starting")
    # The baseline first: it is quick, and a failure there shows before hours of training.
    scores = _baseline_scores(ds, splits, baseline, random_state, lambda i, lab: note(i, total, lab))
    settings = unit_settings(
        split, folds, repeats, random_state, epochs, hyper, batch_size, metric, min_updates, patience_updates
    )
    units, where = compare_units(ds, specs, runs_of, splits, seeds, settings, hyper)
    results = (executor or Executor("inprocess")).map(
        units, label="training deep models", progress=lambda d, n, lab: note(offset + d, total, lab)
    )
    record = config_record(splits, settings, seeds, rope_fraction, reference, base_name, offset > 0, uniform_control)
    return _collect(ds, specs, runs_of, splits, where, results, scores, base_name, plans, record, lint_findings, metric)


def _control_plans(ds: Dataset, specs: list, hyper: dict | None, enabled: bool) -> dict:
    """Model -> how its attention is frozen to uniform for the trained-uniform control (empty when off)."""
    if not enabled:
        return {}
    input_shape = tuple(int(v) for v in ds.X.shape[1:])
    return plan_controls(specs, [m.label for m in specs], input_shape, ds.n_classes, hyper)


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


def _make_splits(
    ds: Dataset, split: str, folds: int, repeats: int, random_state: int, baseline: str | dict | None, metric: str
) -> Splits:
    """The splits every model sees; a baseline given as scores must have been scored on the same ones."""
    if split == "original":
        splits = fixed_split(ds.meta.get("split"))
    elif split == "cv":
        splits = make_splits(ds.y_codes, folds=folds, repeats=repeats, groups=ds.groups, random_state=random_state)
    else:
        raise DataError(f"split must be 'cv' or 'original'; got {split!r}")
    if isinstance(baseline, dict) and (
        split != "cv" or len((baseline.get("fold_scores") or {}).get(metric) or []) != len(splits)
    ):
        raise DataError(
            f"baseline {baseline.get('name')!r} was not scored on these {len(splits)} splits: pass its name instead"
        )
    return splits


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


def _lint_all(ds: Dataset, specs: list, hyper: dict | None, seed: int) -> list[dict]:
    """Lint every model before training; a model lint cannot build is noted, never fatal."""
    from signal_diagnostics.models.lint import lint

    findings: list[dict] = []
    for m in specs:
        try:
            findings += lint(m, ds.X, ds.y_codes, ds.lengths, ds.n_classes, label=m.label, hyper=hyper, seed=seed)
        except DataError:
            raise
        except Exception as err:  # lint is advice: a model it cannot build still trains (and fails there, clearly)
            findings.append(
                {
                    "model": m.label,
                    "check": "lint",
                    "status": "info",
                    "message": f"the model could not be linted ({type(err).__name__}: {err})",
                    "evidence": {},
                    "fix": "",
                }
            )
    return findings


def _collect(
    ds: Dataset,
    specs: list,
    runs_of: list,
    splits: Splits,
    where: list,
    results: list,
    scores: dict,
    base_name: str | None,
    plans: dict,
    record: dict,
    lint_findings: list[dict],
    metric: str,
) -> CompareResult:
    """Put the unit results back in place: structures, runs, attention rows, model records and comparisons."""
    from signal_diagnostics.models.structure import plain_counterparts

    n, seeds, enabled = len(specs), record["seeds"], record["uniform_control"]
    structures = {m.label: r for m, r in zip(specs, results[:n])}
    references = plain_counterparts(structures, record["reference"])
    runs = {name: [[None] * seeds for _ in range(len(splits))] for _, name, _, _ in runs_of}
    attention: list[dict] = []
    for (name, i, s), r in zip(where[n:], results[n:]):
        runs[name][i][s] = r
        attention.extend(r.get("attention") or [])
    deep = model_records(ds, specs, runs_of, splits, seeds, runs, structures)
    scores.update({d["name"]: d for d in deep})
    compare = comparer(ds, splits, runs, scores, base_name, references, structures, record, metric)
    comparisons = [compare(a, b) for a, b in pairs([m.label for m in specs], references, base_name)]
    comparisons += control_comparisons(plans, compare)
    annotate_attention(attention, plans, enabled, stabilities(runs, seed=record["random_state"]))
    return CompareResult(
        models=deep,
        comparisons=comparisons,
        attention=attention,
        baseline=scores[base_name] if base_name is not None else None,
        references=references,
        metric=metric,
        config=record,
        lint=lint_findings,
        uniform_control=control_section(plans, enabled),
    )


__all__ = ["CompareResult", "compare_models", "model_label"]
