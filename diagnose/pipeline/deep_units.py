"""The units of a deep comparison: one structure unit per model, one training unit per (model, split, seed).

A training unit's seed is derived from ``(random_state, model, split, seed)`` alone (:func:`unit_seed`),
and its cache key holds everything it receives, so units can run in any order, in parallel or be
resumed from a cache and give the same numbers.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import numpy as np

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.evaluation.splits import Splits
from signal_diagnostics.evaluation.weight_stability import STABILITY_SERIES

ATTENTION_SPLIT, ATTENTION_SEED = 0, 0  # the held-out split (and seed) whose trained model is inspected


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


def unit_settings(
    split: str,
    folds: int,
    repeats: int,
    random_state: int,
    epochs: int,
    hyper: dict | None,
    batch_size: int,
    metric: str,
    min_updates: int,
    patience_updates: int,
) -> dict:
    """The options every training unit shares, in its cache key and the ``deep.config`` record."""
    return {
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


def training_runs(specs: list, controls: dict[str, str]) -> list[tuple]:
    """``(spec, run name, model label, variant)`` of every model trained: the learned models, then the uniform
    controls (``controls``: model label -> control name)."""
    runs = [(m, m.label, m.label, None) for m in specs]
    return runs + [(m, controls[m.label], m.label, "uniform") for m in specs if m.label in controls]


def structure_units(ds: Dataset, specs: list, settings: dict, hyper: dict | None) -> list:
    """One unit per model that builds it untrained and describes its stack (:func:`structure_unit`)."""
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


def compare_units(
    ds: Dataset, specs: list, runs_of: list, splits: Splits, seeds: int, settings: dict, hyper: dict | None
) -> tuple[list, list]:
    """A structure unit per model, then a training unit per (model or control, split, seed), and where each goes.

    ``runs_of`` holds ``(spec, run name, model label, variant)``: the learned models, then the uniform
    controls (variant ``"uniform"``); ``where[i]`` is ``(run name, split, seed)`` of a training unit, None
    for a structure unit.
    """
    from signal_diagnostics.pipeline.executor import Unit

    units = structure_units(ds, specs, settings, hyper)
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


def _call_train_unit(args: tuple, kwargs: dict) -> dict:
    """Top-level (picklable) adapter: ``train_unit(*args, **kwargs)``."""
    return train_unit(*args, **kwargs)


__all__ = [
    "ATTENTION_SEED",
    "ATTENTION_SPLIT",
    "structure_unit",
    "structure_units",
    "train_unit",
    "training_runs",
    "compare_units",
    "unit_settings",
    "unit_seed",
]
