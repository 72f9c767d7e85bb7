"""Cross-validation splits, classification metrics and the scores record every model comparison uses.

Intervals over fold scores use the Nadeau-Bengio corrected resampled t (:func:`diagnose.stats.corrected_t`):
folds share training data, so a plain t-interval over them is too narrow.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from diagnose.dataset import check_folds
from diagnose.errors import DataError
from diagnose.results import html_table, short_repr, to_jsonable
from diagnose.stats import corrected_t

METRICS = ("balanced_accuracy", "accuracy", "macro_precision", "macro_f1")
SCORE_RANGE = (0.0, 1.0)  # every metric in METRICS lies here; intervals are clipped to it


@dataclass
class Splits:
    """Train/test index pairs of a (repeated) stratified k-fold, in repeat-major order.

    ``pairs[r * folds + f]`` is fold ``f`` of repeat ``r``.
    """

    folds: int
    repeats: int
    seed: int
    grouped: bool
    pairs: list[tuple[np.ndarray, np.ndarray]]

    def __repr__(self) -> str:
        return short_repr(self)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def n_train(self) -> float:
        """Mean training-set size over the splits."""
        return float(np.mean([len(tr) for tr, _ in self.pairs]))

    @property
    def n_test(self) -> float:
        """Mean test-set size over the splits."""
        return float(np.mean([len(te) for _, te in self.pairs]))


def make_splits(y: Any, *, folds: int = 5, repeats: int = 1, groups: Any = None, seed: int = 0) -> Splits:
    """Repeated stratified k-fold splits; group-aware when ``groups`` is given.

    Repeat ``r`` is ``StratifiedKFold(folds, shuffle=True, random_state=seed + r)``, or
    ``StratifiedGroupKFold`` with the same arguments when ``groups`` is given (no group on both sides).

    Parameters
    ----------
    y : labels (any values), one per series.
    folds : k, at least 2 and at most the size of the smallest class (in groups, with ``groups``).
    repeats : how many times to reshuffle and split again.
    groups : optional group id per series (subject, recording).
    seed : seed of the first repeat.

    Returns
    -------
    Splits

    Raises
    ------
    DataError
        When ``folds`` or ``repeats`` is below range, or a class is smaller than ``folds``.

    Examples
    --------
    >>> import numpy as np
    >>> s = make_splits(np.repeat([0, 1], 10), folds=5, repeats=2)
    >>> len(s), s.pairs[0][1].size
    (10, 4)
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(y)
    if int(folds) != folds or folds < 2:
        raise DataError(f"folds must be an integer of at least 2; got {folds!r}: use --folds 5 (or 2 for tiny sets)")
    if int(repeats) != repeats or repeats < 1:
        raise DataError(f"repeats must be an integer of at least 1; got {repeats!r}: use --repeats 1 or more")
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != y.shape:
            raise DataError(f"groups must have one id per series ({len(y)}); got shape {groups.shape}")
    check_folds(y, folds, groups)
    dummy = np.zeros(len(y))
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for r in range(repeats):
        if groups is None:
            cv = StratifiedKFold(folds, shuffle=True, random_state=seed + r)
            parts = cv.split(dummy, y)
        else:
            cv = StratifiedGroupKFold(folds, shuffle=True, random_state=seed + r)
            parts = cv.split(dummy, y, groups)
        pairs.extend((np.asarray(tr, np.int64), np.asarray(te, np.int64)) for tr, te in parts)
    return Splits(folds=int(folds), repeats=int(repeats), seed=int(seed), grouped=groups is not None, pairs=pairs)


def fixed_split(split: Any) -> Splits:
    """The one train/test split a dataset came with (e.g. a UCR/UEA archive's own), as :class:`Splits`.

    Parameters
    ----------
    split : one ``"train"`` or ``"test"`` per series (``Dataset.meta["split"]``).

    Raises
    ------
    DataError
        When there is no such split, or one part is empty.
    """
    if split is None:
        raise DataError("this dataset has no original train/test split (only UCR/UEA files and aeon: datasets "
                        "carry one): use cross-validation instead")
    split = np.asarray(split).astype(str)
    train, test = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    if len(train) == 0 or len(test) == 0 or len(train) + len(test) != len(split):
        raise DataError(f"the original split must label every series 'train' or 'test' with both present; "
                        f"got {len(train)} train, {len(test)} test of {len(split)}")
    return Splits(folds=1, repeats=1, seed=-1, grouped=False, pairs=[(train.astype(np.int64), test.astype(np.int64))])


def classification_metrics(y_true: Any, y_pred: Any, n_classes: int) -> dict:
    """The :data:`METRICS` plus per-class recall and precision and the confusion matrix.

    Labels are integer codes ``0..n_classes-1``. Balanced accuracy is the mean recall over the classes
    present in ``y_true`` (scikit-learn's definition); macro precision and F1 average over all
    ``n_classes``, with 0 for a class never predicted (``zero_division=0``). ``confusion[i][j]`` counts
    series of true class ``i`` predicted as ``j``.
    """
    from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                                 precision_score, recall_score)

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    labels = np.arange(n_classes)
    recall = recall_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    precision = precision_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    with warnings.catch_warnings():  # it warns when y_pred holds a class absent from y_true; the value stands
        warnings.simplefilter("ignore", UserWarning)
        balanced = balanced_accuracy_score(y_true, y_pred)
    return {
        "balanced_accuracy": float(balanced),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_precision": float(precision.mean()),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class_recall": [float(v) for v in recall],
        "per_class_precision": [float(v) for v in precision],
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).astype(int).tolist(),
    }


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
        return short_repr(self, ("name", "kind", "balanced_accuracy", "accuracy", "macro_precision", "macro_f1",
                                 "folds", "repeats"))

    def _repr_html_(self) -> str:
        iv = (self.intervals or {}).get("balanced_accuracy") or {}
        return html_table(["model", "balanced accuracy", "interval", "accuracy", "macro precision", "macro F1"],
                          [[self.name, self.balanced_accuracy, f"[{iv.get('low', float('nan')):.3f}, {iv.get('high', float('nan')):.3f}]",
                            self.accuracy, self.macro_precision, self.macro_f1]],
                          caption=f"{self.folds}-fold x {self.repeats} cross-validation")


def _as_splits(splits: Splits | Sequence[tuple[np.ndarray, np.ndarray]]) -> Splits:
    if isinstance(splits, Splits):
        return splits
    pairs = [(np.asarray(tr), np.asarray(te)) for tr, te in splits]
    return Splits(folds=len(pairs), repeats=1, seed=-1, grouped=False, pairs=pairs)


def _encode(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Classes and integer codes of ``y`` (unchanged when ``y`` already holds codes 0..K-1)."""
    classes, codes = np.unique(y, return_inverse=True)
    return classes, codes.astype(np.int64)


def scores_from_predictions(name: str, y: Any, splits: Splits | Sequence, predictions: Sequence[Any], *,
                            description: str = "", kind: str = "baseline", fit_seconds: float = 0.0,
                            extra: dict | None = None) -> ModelScores:
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
    splits = _as_splits(splits)
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
    intervals = {m: corrected_t(fold_scores[m], n_train, n_test, folds=splits.folds, repeats=splits.repeats,
                                bounds=SCORE_RANGE)[0].to_dict() for m in METRICS}
    means = {m: float(np.mean(fold_scores[m])) for m in METRICS}
    return ModelScores(
        name=name, description=description, kind=kind, **means, intervals=intervals, fold_scores=fold_scores,
        per_class_recall=np.mean([s["per_class_recall"] for s in per_split], axis=0).tolist(),
        per_class_precision=np.mean([s["per_class_precision"] for s in per_split], axis=0).tolist(),
        confusion=np.sum([s["confusion"] for s in per_split], axis=0).astype(int).tolist(),
        folds=splits.folds, repeats=splits.repeats, n_train=n_train, n_test=n_test,
        fit_seconds=float(fit_seconds), extra=dict(extra or {}),
    )


def evaluate(estimator: Any, X: Any, y: Any, splits: Splits | Sequence, *, name: str, description: str = "",
             progress: Callable[[int, int], None] | None = None, kind: str = "baseline") -> ModelScores:
    """Cross-validate a scikit-learn classifier: a fresh ``clone`` per split, fit on train, predict test.

    Parameters
    ----------
    estimator : unfitted classifier taking ``X[train]`` as given (``(n, T, C)`` for the baselines).
    X : the series.
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
    >>> import baselines
    >>> from diagnose import synthetic
    >>> ds = synthetic.bump(n=60, T=20, C=1, start=5, stop=15, amplitude=2.0)
    >>> s = evaluate(baselines.make("logistic"), ds.X, ds.y_codes, make_splits(ds.y_codes, folds=3), name="logistic")
    >>> s.balanced_accuracy > 0.8
    True
    """
    from sklearn.base import clone

    splits = _as_splits(splits)
    X = np.asarray(X)
    _, codes = _encode(np.asarray(y))
    if len(X) != len(codes):
        raise DataError(f"X has {len(X)} series but y has {len(codes)} labels: they must match")
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
    return scores_from_predictions(name, codes, splits, predictions, description=description, kind=kind,
                                   fit_seconds=fit_s, extra=extra)
