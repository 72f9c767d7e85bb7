"""How good could any classifier be? Ceilings that hold, and the Cover-Hart bound on the Bayes error.

Cover & Hart (1967), "Nearest neighbor pattern classification": with K classes and infinitely many
samples the 1-NN error ``R1`` and the Bayes error ``R*`` satisfy
``R* <= R1 <= R* (2 - K/(K-1) R*)``, which solved for ``R*`` gives
``R* >= ((K-1)/K) (1 - sqrt(1 - K/(K-1) R1))``. The result is asymptotic and holds in the feature space
used (standardised MiniRocket features): with finitely many series the cross-validated 1-NN error is
biased upward, so ``1 -`` the bound can sit below what a model already achieves (0.975 against
MiniRocket's 0.989 on JapaneseVowels). It is therefore reported only as the lower bound on the Bayes
error it is, never as an accuracy ceiling.

The ceilings reported (:func:`accuracy_ceilings`) cannot claim less than a model achieves: identical
series with different labels cap the accuracy of any model exactly (a model gives one answer per
series), and the estimated share of wrong labels (:mod:`signal_diagnostics.checks.labels`) caps the accuracy measured
against the given labels. A candidate that sits below the best achieved accuracy is shown as not
holding, with the reason, and does not set ``accuracy_ceiling``. The label-noise candidate exists only
when some class is separated better than chance (the estimate has a share), and holds only when the
estimate does not restate the label model's own error (``restates_error``): otherwise the "wrong labels"
are the model's mistakes and the ceiling would be the accuracy already reached, by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from signal_diagnostics.data.dataset import stratified_subsample
from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.verdicts.thresholds import SMALL_CLASS
from signal_diagnostics.results import Result

# The 1-NN error is estimated on a stratified random subsample of at most this many series: on all of
# a large set the per-fold MiniRocket features (9,996 float32 per series, 3.2 GB for 80,000 training
# series) and the n_train x n_test distances would dominate a diagnosis's memory and time. With fewer
# series the 1-NN error is, if anything, higher, so the ceiling errs low; the subsample is recorded.
CEILING_MAX_SERIES = 10_000
# Distances computed at a time by the 1-NN search (scikit-learn's working_memory, in MB; its default of
# 1024 lets one chunk of the n_test x n_train distance matrix take a gigabyte).
KNN_WORKING_MB = 128


@dataclass(frozen=True, repr=False)
class CeilingResult(Result):
    """1-NN error and the Cover-Hart lower bound on the Bayes error (not an accuracy ceiling: see the module).

    Attributes
    ----------
    one_nn_error : cross-validated 1-NN error rate (1 - accuracy).
    bayes_error_lower : Cover-Hart lower bound on the Bayes error (asymptotic, in the feature space used).
    bayes_error_upper : the 1-NN error, which bounds the Bayes error from above (asymptotically).
    n_classes, min_class_size : K and the size of the smallest class.
    features : ``"minirocket"`` or ``"given"``.
    folds : CV folds used.
    caveat : a warning in words when classes are small or the estimate ran on a subsample, else ``None``.
    n_series : series in the data.
    n_used : series the 1-NN error was estimated on (``n_series`` unless capped by ``max_series``).
    """

    one_nn_error: float
    bayes_error_lower: float
    bayes_error_upper: float
    n_classes: int
    min_class_size: int
    features: str
    folds: int
    caveat: str | None
    n_series: int | None = None
    n_used: int | None = None


def cover_hart_lower(one_nn_error: float, n_classes: int) -> float:
    """``((K-1)/K) (1 - sqrt(1 - K/(K-1) R1))``; an error at or above chance ``(K-1)/K`` gives ``(K-1)/K``."""
    K = int(n_classes)
    if K < 2:
        raise ValueError(f"need at least 2 classes; got {K}")
    chance = (K - 1) / K
    inside = max(0.0, 1.0 - float(one_nn_error) / chance)
    return chance * (1.0 - math.sqrt(inside))


def bayes_error_bounds(
    X: Any,
    y: Any,
    *,
    features: Any = None,
    folds: int = 5,
    groups: Any = None,
    random_state: int = 0,
    max_series: int | None = CEILING_MAX_SERIES,
) -> CeilingResult:
    """Cross-validated 1-NN error and the Cover-Hart bound on the Bayes error.

    Parameters
    ----------
    X : series ``(n, T, C)``, or a Dataset, ``(X, y)`` or a source
        (:func:`signal_diagnostics.data.loaders.as_check_input`); used when ``features`` is None (MiniRocket
        features fitted per training fold).
    y : labels, one per series.
    features : optional ``(n, F)`` feature matrix to use instead of MiniRocket.
    folds : stratified folds (``signal_diagnostics.evaluation.splits.make_splits(y, folds=folds, groups=groups,
        random_state=random_state)``).
    groups : optional group id per series: the folds keep groups whole, so no series finds its nearest
        neighbour among its own group's (a 1-NN error from such neighbours says nothing of new groups).
    random_state : seed of the folds, of MiniRocket and of the subsample.
    max_series : above this many series, a stratified random subsample of this size is used
        (:func:`signal_diagnostics.data.dataset.stratified_subsample`); ``None``: never.

    Returns
    -------
    CeilingResult

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1], 50)
    >>> F = np.random.default_rng(0).standard_normal((100, 3)) + 10 * y[:, None]
    >>> bayes_error_bounds(None, y, features=F).bayes_error_lower
    0.0
    """
    from signal_diagnostics.data.loaders import as_check_input
    from signal_diagnostics.evaluation.splits import make_splits

    if features is None and X is None:
        raise DataError("give the series X, or a features matrix with features=, to estimate the 1-NN error")
    data = as_check_input(X if features is None else features, y, groups=groups, shaped=features is None)
    y, groups, K = data.codes, data.groups, data.n_classes
    if K < 2:
        raise DataError(f"y has only one class ({data.classes[0]!r}): a Bayes-error bound needs at least two")
    if features is not None:
        features = np.asarray(data.X, dtype=float)
        if features.ndim != 2:
            raise DataError(f"features must be a ({len(y)}, n_features) matrix; got shape {features.shape}")
    X = data.X if features is None else None
    n_series = len(y)
    if max_series is not None and n_series > max_series:
        keep = stratified_subsample(y, int(max_series), seed=random_state, groups=groups)
        y = y[keep]
        groups = None if groups is None else groups[keep]
        X, features = (X[keep], None) if features is None else (None, features[keep])
    splits = make_splits(y, folds=folds, groups=groups, random_state=random_state)
    r1 = _one_nn_wrong(X, features, y, splits, random_state) / len(y)
    smallest = int(np.bincount(y).min())
    return CeilingResult(
        one_nn_error=float(r1),
        bayes_error_lower=float(cover_hart_lower(r1, K)),
        bayes_error_upper=float(r1),
        n_classes=K,
        min_class_size=smallest,
        features="minirocket" if features is None else "given",
        folds=len(splits),
        caveat=_caveat(smallest, len(y), n_series, max_series),
        n_series=int(n_series),
        n_used=int(len(y)),
    )


def _one_nn_wrong(X, features, y: np.ndarray, splits, random_state: int) -> int:
    """Series the 1-NN classifier gets wrong over the folds, on standardised MiniRocket (or the given) features."""
    from sklearn import config_context
    from sklearn.neighbors import KNeighborsClassifier

    from signal_diagnostics.baselines.rows import fit_scaler

    wrong = 0
    for tr, te in splits:
        if features is None:
            from signal_diagnostics.baselines.minirocket import MiniRocketFeatures

            mr = MiniRocketFeatures(random_state=random_state).fit(X[tr])
            F_train, F_test = mr.transform(X, tr), mr.transform(X, te)
        else:
            F_train, F_test = features[tr], features[te]
        scaler = fit_scaler(F_train)  # StandardScaler().fit, without n x p float64 temporaries
        knn = KNeighborsClassifier(n_neighbors=1).fit(scaler.transform(F_train, copy=False), y[tr])
        del F_train
        with config_context(working_memory=KNN_WORKING_MB):
            wrong += int(np.sum(knn.predict(scaler.transform(F_test, copy=False)) != y[te]))
    return wrong


def _caveat(smallest: int, n_used: int, n_series: int, max_series: int | None) -> str | None:
    """The warning in words when classes are small or the estimate ran on a subsample, else None."""
    notes = []
    if smallest < SMALL_CLASS:
        notes.append(
            f"the smallest class has {smallest} series (< {SMALL_CLASS}): the Cover-Hart bound holds for "
            "infinitely many samples, so with classes this small the 1-NN error is noisy and the "
            "bound is only a rough guide"
        )
    if n_used < n_series:
        notes.append(
            f"estimated on a stratified random subsample of {n_used} of {n_series} series (cap {max_series}, "
            "for time and memory): with all of them the 1-NN error would be lower"
        )
    return "; ".join(notes) or None


def accuracy_ceilings(
    bounds: dict | None, duplicates: dict | None = None, label_issues: dict | None = None, achieved: float | None = None
) -> dict:
    """The document's ``signal.ceiling``: ceilings that hold, and the Cover-Hart figures as bounds on the Bayes error.

    Parameters
    ----------
    bounds : :meth:`CeilingResult.to_dict` (the 1-NN error and the Cover-Hart bound), or None.
    duplicates : the ``duplicates`` health check's value (``accuracy_ceiling``, ``n_conflicting``), or None.
    label_issues : :meth:`signal_diagnostics.checks.labels.LabelIssuesResult.to_dict`, or None; no candidate
        when its ``share`` is None (no class separable), and one that does not hold when ``restates_error``.
    achieved : the best accuracy a baseline reached (cross-validated), or None.

    Returns
    -------
    dict
        The fields of ``bounds``, plus ``ceilings`` (``[{"source", "kind": "bound"|"estimate",
        "accuracy", "low", "high", "holds", "words"}]``), ``accuracy_ceiling`` (the lowest candidate below
        1 that holds, i.e. is not below ``achieved``; ``None`` when nothing caps the accuracy below 1),
        ``achieved_accuracy`` and ``message``. ``accuracy_ceiling`` is never below ``achieved``.

    Examples
    --------
    >>> c = accuracy_ceilings(None, {"accuracy_ceiling": 0.95, "n_conflicting": 10}, achieved=0.9)
    >>> c["accuracy_ceiling"], c["ceilings"][0]["holds"]
    (0.95, True)
    >>> accuracy_ceilings(None, {"accuracy_ceiling": 0.95, "n_conflicting": 10}, achieved=0.97)["accuracy_ceiling"] is None
    True
    """
    out = dict(bounds or {})
    out.pop("accuracy_ceiling", None)
    cands = _duplicates_candidate(duplicates) + _label_noise_candidate(label_issues)
    for c in cands:
        _judge(c, achieved)
    holding = [c["accuracy"] for c in cands if c["holds"] and c["accuracy"] < 1.0]
    out["ceilings"] = cands
    out["accuracy_ceiling"] = float(min(holding)) if holding else None
    out["achieved_accuracy"] = None if achieved is None else float(achieved)
    out["message"] = _message(cands, out.get("bayes_error_lower"), out.get("one_nn_error"))
    return out


def _duplicates_candidate(duplicates: dict | None) -> list[dict]:
    """The exact cap set by identical series with different labels (none without the duplicates check)."""
    if not duplicates or duplicates.get("accuracy_ceiling") is None:
        return []
    cap = float(duplicates["accuracy_ceiling"])
    n = int(duplicates.get("n_conflicting") or 0)
    words = (
        f"{n} series are identical copies carrying different labels: no model can exceed accuracy {cap:.3f}"
        if n
        else "no identical series carry different labels"
    )
    return [
        {"source": "conflicting_duplicates", "kind": "bound", "accuracy": cap, "low": cap, "high": cap, "words": words}
    ]


def _label_noise_candidate(label_issues: dict | None) -> list[dict]:
    """The estimated cap set by wrong labels (none when no class is separable: ``share`` is None)."""
    if not label_issues or label_issues.get("share") is None:
        return []
    share = float(label_issues["share"])
    iv = label_issues.get("interval") or {}
    return [
        {
            "source": "label_noise",
            "kind": "estimate",
            "accuracy": 1.0 - share,
            "low": 1.0 - float(iv["high"]) if iv.get("high") is not None else None,
            "high": 1.0 - float(iv["low"]) if iv.get("low") is not None else None,
            "restates_error": bool(label_issues.get("restates_error")),
            "words": (
                f"about {100 * share:.1f}% of the labels look wrong: measured against the given "
                f"labels even a perfect model would score about {1.0 - share:.3f}"
            ),
        }
    ]


def _judge(c: dict, achieved: float | None) -> None:
    """Set ``c["holds"]`` (not below ``achieved``, and not the label model's own errors), saying why not in words."""
    c["holds"] = achieved is None or c["accuracy"] >= float(achieved) - 1e-12
    if c.pop("restates_error", False):  # the "wrong labels" are the model's own errors: circular
        c["holds"] = False
        c["words"] += (
            "; but these series are most of the label model's own errors, so wrong labels cannot be told "
            "from classes that overlap, and this is no ceiling"
        )
    elif not c["holds"]:
        c["words"] += f"; but a baseline already reaches {float(achieved):.3f}, so this is no ceiling here" + (
            " (the label-issue estimate includes series the best model gets right)"
            if c["source"] == "label_noise"
            else ""
        )


def _message(cands: list[dict], bound: float | None, one_nn_error: float | None) -> str:
    """The ceilings that bind in words, then what the Cover-Hart bound does (and does not) say."""
    note = (
        f" The Cover-Hart bound from the 1-NN error ({one_nn_error:.3f}) says only that the Bayes error "
        f"is at least {bound:.3f} asymptotically, in MiniRocket's feature space; it is not a ceiling."
        if bound is not None and one_nn_error is not None
        else ""
    )
    binding = [c for c in cands if c["holds"] and c["accuracy"] < 1.0]
    head = (
        "; ".join(c["words"] for c in binding) + "."
        if binding
        else "Nothing found caps the accuracy below 1: no conflicting duplicates and no label-noise estimate "
        "that binds."
    )
    return (head[0].upper() + head[1:] + note).strip()
