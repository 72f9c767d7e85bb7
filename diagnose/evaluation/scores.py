"""The scores record of one model on the splits: means, corrected intervals, per-fold and per-class figures.

Intervals over fold scores use the Nadeau-Bengio corrected resampled t (:func:`signal_diagnostics.evaluation.stats.corrected_t`):
folds share training data, so a plain t-interval over them is too narrow.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from signal_diagnostics.evaluation.metrics import METRICS, SCORE_RANGE, classification_metrics
from signal_diagnostics.evaluation.splits import Splits, as_splits
from signal_diagnostics.evaluation.stats import corrected_t
from signal_diagnostics.results import Progress, html_table, short_repr, to_jsonable


@dataclass
class ModelScores:
    """Cross-validated scores of one model: means, corrected intervals, per-fold and per-class figures."""

    name: str
    description: str
    kind: str  # "baseline" | "deep"
    balanced_accuracy: float
    accuracy: float
    macro_precision: float
    macro_f1: float
    intervals: dict[str, dict]  # metric -> Interval.to_dict()
    fold_scores: dict[str, list[float]]  # metric -> one score per split, repeat-major
    per_class_recall: list[float]  # means over splits
    per_class_precision: list[float]
    confusion: list[list[int]]  # summed over all splits (rows: true class, columns: predicted)
    folds: int
    repeats: int
    n_train: float
    n_test: float
    fit_seconds: float
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return to_jsonable(self)

    def __repr__(self) -> str:
        return short_repr(
            self, ("name", "kind", "balanced_accuracy", "accuracy", "macro_precision", "macro_f1", "folds", "repeats")
        )

    def _repr_html_(self) -> str:
        iv = (self.intervals or {}).get("balanced_accuracy") or {}
        return html_table(
            ["model", "balanced accuracy", "interval", "accuracy", "macro precision", "macro F1"],
            [
                [
                    self.name,
                    self.balanced_accuracy,
                    f"[{iv.get('low', float('nan')):.3f}, {iv.get('high', float('nan')):.3f}]",
                    self.accuracy,
                    self.macro_precision,
                    self.macro_f1,
                ]
            ],
            caption=f"{self.folds}-fold x {self.repeats} cross-validation",
        )


def summarise_folds(fold_scores: dict[str, list[float]], splits: Splits) -> tuple[dict, dict]:
    """Per metric, the mean of the per-split scores and its corrected interval (``Interval.to_dict()``).

    The interval is the Nadeau-Bengio corrected resampled t over the splits, clipped to :data:`SCORE_RANGE`.
    """
    intervals = {
        m: corrected_t(
            fold_scores[m],
            splits.n_train,
            splits.n_test,
            folds=splits.folds,
            repeats=splits.repeats,
            bounds=SCORE_RANGE,
        )[0].to_dict()
        for m in METRICS
    }
    return {m: float(np.mean(fold_scores[m])) for m in METRICS}, intervals


def scores_from_predictions(
    name: str,
    y: Any,
    splits: Splits | Sequence,
    predictions: Sequence[Any],
    *,
    description: str = "",
    kind: str = "baseline",
    fit_seconds: float = 0.0,
    extra: dict | None = None,
) -> ModelScores:
    """Score predictions made split by split (for models trained elsewhere, e.g. Keras).

    Parameters
    ----------
    name, description, kind : identify the model in reports; kind is ``"baseline"`` or ``"deep"``.
    y : integer class codes ``0..K-1`` of all series (``Dataset.y_codes``).
    splits : the :class:`Splits` (or list of ``(train, test)`` pairs) the predictions follow.
    predictions : one array of predicted codes per split, for that split's test indices.
    fit_seconds : training time summed over splits.
    extra : anything else to keep in the record.

    Returns
    -------
    ModelScores
    """
    splits = as_splits(splits)
    y = np.asarray(y)
    if len(predictions) != len(splits):
        raise ValueError(f"got {len(predictions)} prediction arrays for {len(splits)} splits: give one per split")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError("y must hold integer class codes 0..K-1 (Dataset.y_codes)")
    n_classes = int(max([y.max()] + [np.max(p) for p in predictions if len(p)])) + 1
    per_split = []
    for (_, te), pred in zip(splits, predictions):
        pred = np.asarray(pred)
        if pred.shape != te.shape:
            raise ValueError(f"a prediction array has shape {pred.shape}; its split tests {te.shape[0]} series")
        per_split.append(classification_metrics(y[te], pred, n_classes))
    fold_scores = {m: [s[m] for s in per_split] for m in METRICS}
    n_train, n_test = splits.n_train, splits.n_test
    means, intervals = summarise_folds(fold_scores, splits)
    return ModelScores(
        name=name,
        description=description,
        kind=kind,
        **means,
        intervals=intervals,
        fold_scores=fold_scores,
        per_class_recall=np.mean([s["per_class_recall"] for s in per_split], axis=0).tolist(),
        per_class_precision=np.mean([s["per_class_precision"] for s in per_split], axis=0).tolist(),
        confusion=np.sum([s["confusion"] for s in per_split], axis=0).astype(int).tolist(),
        folds=splits.folds,
        repeats=splits.repeats,
        n_train=n_train,
        n_test=n_test,
        fit_seconds=float(fit_seconds),
        extra=dict(extra or {}),
    )


def evaluate(
    estimator: Any,
    X: Any,
    y: Any,
    splits: Splits | Sequence,
    *,
    name: str,
    description: str = "",
    progress: Progress | None = None,
    kind: str = "baseline",
) -> ModelScores:
    """Cross-validate a scikit-learn classifier: a fresh ``clone`` per split, fit on train, predict test.

    Parameters
    ----------
    estimator : unfitted classifier taking ``X[train]`` as given (``(n, T, C)`` for the baselines).
    X : the series (any shape the estimator takes), or a Dataset, ``(X, y)`` or a source
        (:func:`signal_diagnostics.data.loaders.as_check_input`).
    y : labels; encoded to codes ``0..K-1`` in sorted order before fitting (codes stay codes).
    splits : from :func:`make_splits` (or a list of ``(train, test)`` pairs).
    name : model name in reports.
    description : one line; defaults to the estimator's ``description`` attribute when it has one.
    progress : ``progress(done, total)``, called before the first split and after each.
    kind : ``"baseline"`` or ``"deep"``.

    Returns
    -------
    ModelScores
        ``fit_seconds`` sums the fits; ``extra["predict_seconds"]`` the predictions.

    Examples
    --------
    >>> from signal_diagnostics import baselines
    >>> from signal_diagnostics.data import synthetic
    >>> ds = synthetic.bump(n=60, T=20, C=1, start=5, stop=15, amplitude=2.0)
    >>> from signal_diagnostics.evaluation.splits import make_splits
    >>> s = evaluate(baselines.make("logistic"), ds.X, ds.y_codes, make_splits(ds.y_codes, folds=3), name="logistic")
    >>> s.balanced_accuracy > 0.8
    True
    """
    from sklearn.base import clone

    from signal_diagnostics.data.loaders import as_check_input

    data = as_check_input(X, y, shaped=False)  # the estimator takes X as given: any shape
    X, codes = data.X, data.codes
    splits = as_splits(splits)
    if not description:
        description = str(getattr(estimator, "description", "") or "")
    predictions, fit_s, predict_s = [], 0.0, 0.0
    total = len(splits)
    if progress is not None:
        progress(0, total)
    for i, (tr, te) in enumerate(splits):
        model = clone(estimator)
        t0 = time.perf_counter()
        model.fit(X[tr], codes[tr])
        t1 = time.perf_counter()
        predictions.append(np.asarray(model.predict(X[te])).astype(np.int64))
        predict_s += time.perf_counter() - t1
        fit_s += t1 - t0
        if progress is not None:
            progress(i + 1, total)
    extra = {"predict_seconds": predict_s}
    if len(splits) == 1:  # a fixed split: keep the predictions for McNemar's test
        extra["predictions"] = predictions[0].tolist()
    return scores_from_predictions(
        name, codes, splits, predictions, description=description, kind=kind, fit_seconds=fit_s, extra=extra
    )
