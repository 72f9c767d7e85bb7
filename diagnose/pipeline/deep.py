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
    """The name a model goes by in reports: the zoo name or spec as given, or a builder's ``__name__``."""
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


def _description(model: str | Callable) -> str:
    if not isinstance(model, str):
        return f"user builder {model_label(model)}"
    from signal_diagnostics.models.resolve import resolve

    return resolve(model).description


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

    dataset = as_dataset(dataset, y)
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
    from signal_diagnostics.models.resolve import resolve_all

    # unknown names, missing files or functions, unreadable or mismatched .keras files stop here
    resolve_all(models, input_shape=dataset.X.shape[1:], n_classes=dataset.n_classes)

    ds = dataset
    y = ds.y_codes
    if split == "original":
        splits = fixed_split(ds.meta.get("split"))
    elif split == "cv":
        splits = make_splits(y, folds=folds, repeats=repeats, groups=ds.groups, seed=random_state)
    else:
        raise DataError(f"split must be 'cv' or 'original'; got {split!r}")
    n_splits = len(splits)
    evaluated = isinstance(baseline, str)
    if isinstance(baseline, dict) and (
        split != "cv" or len((baseline.get("fold_scores") or {}).get(metric) or []) != n_splits
    ):
        raise DataError(f"baseline {base_name!r} was not scored on these {n_splits} splits: pass its name instead")
    note = progress or (lambda *a: None)
    lint_findings = _lint_all(ds, models, labels, hyper, random_state)
    from signal_diagnostics.pipeline.uniform_control import plan_controls, variants

    input_shape = tuple(int(v) for v in ds.X.shape[1:])
    plans = plan_controls(models, labels, input_shape, ds.n_classes, hyper) if uniform_control else {}
    controls = variants(plans)  # model -> "<model> (uniform attention)"
    total = (n_splits if evaluated else 0) + len(models) * (n_splits * seeds + 1) + len(controls) * n_splits * seeds
    note(0, total, "starting")

    # The baseline first: it is quick, and a failure there shows before hours of training.
    scores: dict[str, dict] = {}
    done = 0
    if isinstance(baseline, dict):
        scores[base_name] = baseline
    elif evaluated:
        from signal_diagnostics import baselines

        try:
            est = baselines.make(baseline, random_state=random_state)
        except ValueError as err:
            raise DataError(f"{err}: pick one of those as the baseline") from err
        description = baselines.available().get(baseline, "")

        def baseline_progress(i: int, n: int) -> None:
            if i:
                note(i, total, f"{baseline} split {i}/{n}")

        base = evaluate(est, ds.X, y, splits, name=baseline, description=description, progress=baseline_progress)
        scores[baseline] = {
            **base.to_dict(),
            "device": "cpu",
            "train_seconds": base.fit_seconds,
            "backend": "scikit-learn",
        }
        done = n_splits

    from signal_diagnostics.pipeline.executor import Unit

    config_key = {
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
    from signal_diagnostics.models.resolve import source_digest

    digests = {
        label: source_digest(m) for m, label in zip(models, labels)
    }  # a user's file: its content is part of the key
    units = [
        Unit(
            key={
                "task": "compare.structure",
                "model": label,
                "input_shape": list(input_shape),
                "n_classes": ds.n_classes,
                "hyper": hyper or {},
                "backend": config_key["backend"],
                **({"source": digests[label]} if digests[label] else {}),
            },
            fn=structure_unit,
            args=(m, input_shape, ds.n_classes, hyper),
        )
        for m, label in zip(models, labels)
    ]
    where: list[tuple[str, int, int] | None] = [None] * len(units)
    weight_series = STABILITY_SERIES if seeds >= 2 else 0
    # the learned models, then each attention model's trained-uniform control under its model's seeds (exact pairs)
    runs_of = [(m, label, label, None) for m, label in zip(models, labels)]
    runs_of += [(m, controls[label], label, "uniform") for m, label in zip(models, labels) if label in controls]
    for m, name, label, variant in runs_of:
        digest = digests[label]
        for i, (tr, te) in enumerate(splits):
            for s in range(seeds):
                inspect = variant is None and i == ATTENTION_SPLIT and s == ATTENTION_SEED
                key = {
                    "task": "compare.train",
                    "model": label,
                    "split": i,
                    "seed": s,
                    **config_key,
                    "attention": inspect,
                    **({"source": digest} if digest else {}),
                    **({"variant": variant} if variant else {}),
                    **({"weights": weight_series} if weight_series and variant is None else {}),
                }
                args = (m, ds.X[tr], y[tr], ds.X[te], y[te], ds.lengths[te], ds.n_classes)
                kwargs = dict(
                    epochs=epochs,
                    seed=unit_seed(random_state, label, i, s),
                    hyper=hyper,
                    batch_size=batch_size,
                    inspect_attention=inspect,
                    metric=metric,
                    min_updates=min_updates,
                    patience_updates=patience_updates,
                    uniform_attention=variant == "uniform",
                    weight_series=0 if variant else weight_series,
                )
                units.append(Unit(key=key, fn=_call_train_unit, args=(args, kwargs), needs_gpu=True))
                where.append((name, i, s))

    if executor is None:
        results = []
        for u, w in zip(units, where):
            results.append(u.fn(*u.args))
            done += 1
            note(
                done,
                total,
                "model structure" if w is None else f"{w[0]} split {w[1] + 1}/{n_splits} seed {w[2] + 1}/{seeds}",
            )
    else:
        offset = done
        results = executor.map(
            units, label="training deep models", progress=lambda d, n, lab: note(offset + d, total, lab)
        )

    from signal_diagnostics.models.structure import plain_counterparts
    from signal_diagnostics.pipeline.uniform_control import (
        annotate_attention,
        control_comparisons,
        control_record,
        control_section,
        stabilities,
    )

    structures = dict(zip(labels, results[: len(labels)]))
    references = plain_counterparts(structures, reference)
    runs = {name: [[None] * seeds for _ in range(n_splits)] for _, name, _, _ in runs_of}
    attention: list[dict] = []
    for w, r in zip(where[len(labels) :], results[len(labels) :]):
        label, i, s = w
        runs[label][i][s] = r
        if r.get("attention"):
            attention.extend(r["attention"])
    deep = [
        {**_seed_averaged(label, _description(m), y, splits, runs[label], seeds), "structure": structures[label]}
        for m, label in zip(models, labels)
    ]
    deep += [
        control_record(
            {
                **_seed_averaged(name, f"{_description(m)}, attention frozen to uniform", y, splits, runs[name], seeds),
                "structure": structures[label],
            },
            label,
        )
        for m, name, label, variant in runs_of
        if variant
    ]
    for d in deep:
        scores[d["name"]] = d
        d["compile"] = runs[d["name"]][0][0].get("compile")  # what the first run was compiled with

    if split == "original":  # one split: McNemar on the first seed's test predictions
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
                seed=random_state,
                rope=rope_fraction,
                control=_control(a, b, references, structures),
            )

    else:

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
                rope=rope_fraction,
                metric=metric,
                control=_control(a, b, references, structures),
            )

    comparisons = [compare(a, b) for a, b in _pairs(labels, references, base_name)]
    comparisons += control_comparisons(plans, compare)
    annotate_attention(attention, plans, uniform_control, stabilities(runs, seed=random_state))
    config = {
        "split": split,
        "folds": splits.folds,
        "repeats": splits.repeats,
        "seeds": seeds,
        "epochs": epochs,
        "rope": rope_fraction,  # in metric units (the option, in points, is rope / 100)
        "random_state": random_state,
        "hyper": hyper or {},
        "batch_size": batch_size,
        "min_updates": min_updates,
        "patience_updates": patience_updates,
        "reference": reference,
        "baseline_source": None if base_name is None else ("evaluated here" if evaluated else "given (same splits)"),
        "seed_averaging": "metric within split",
        "attention_split": ATTENTION_SPLIT,
        "uniform_control": bool(uniform_control),
    }
    return CompareResult(
        models=deep,
        comparisons=comparisons,
        attention=attention,
        baseline=scores[base_name] if base_name is not None else None,
        references=references,
        metric=metric,
        config=config,
        lint=lint_findings,
        uniform_control=control_section(plans, uniform_control),
    )


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
