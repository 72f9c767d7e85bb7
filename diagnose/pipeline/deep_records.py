"""What a deep model's runs add up to: its seed-averaged scores, its training summary, its record.

Seeds are averaged **within a split on the metric** (each training run is scored on the split's test
part, then the scores of a split are averaged), so a model's figure estimates what one trained network
achieves, not a seed ensemble, and the split stays the unit of the paired statistics.
"""

from __future__ import annotations

import numpy as np

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.evaluation.metrics import METRICS
from signal_diagnostics.evaluation.scores import scores_from_predictions, summarise_folds
from signal_diagnostics.evaluation.splits import Splits
from signal_diagnostics.pipeline.deep_units import ATTENTION_SPLIT


def seed_averaged(
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


def model_records(
    ds: Dataset, specs: list, runs_of: list, splits: Splits, seeds: int, runs: dict, structures: dict
) -> list[dict]:
    """Each model's seed-averaged record with its structure, then each control's, and what it was compiled with."""
    from signal_diagnostics.pipeline.uniform_control import control_record

    y = ds.y_codes
    deep = [
        {**seed_averaged(m.label, m.description, y, splits, runs[m.label], seeds), "structure": structures[m.label]}
        for m in specs
    ]
    deep += [
        control_record(
            {
                **seed_averaged(name, f"{m.description}, attention frozen to uniform", y, splits, runs[name], seeds),
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


def config_record(
    splits: Splits, settings: dict, seeds: int, rope: float, reference, base_name, evaluated: bool, uniform_control
) -> dict:
    """The ``deep.config`` record: how the comparison was run (``evaluated``: the baseline was evaluated here)."""
    return {
        "split": settings["protocol"],
        "folds": splits.folds,
        "repeats": splits.repeats,
        "seeds": seeds,
        "epochs": settings["epochs"],
        "rope": rope,  # in metric units (the option, in points, is rope / 100)
        "random_state": settings["random_state"],
        "hyper": settings["hyper"],
        "batch_size": settings["batch_size"],
        "min_updates": settings["min_updates"],
        "patience_updates": settings["patience_updates"],
        "reference": reference,
        "baseline_source": None if base_name is None else ("evaluated here" if evaluated else "given (same splits)"),
        "seed_averaging": "metric within split",
        "attention_split": ATTENTION_SPLIT,
        "uniform_control": bool(uniform_control),
    }


__all__ = ["UNDERTRAINED_SHARE", "config_record", "model_records", "seed_averaged", "training_summary"]
