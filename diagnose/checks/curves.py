"""Learning curves: does the score still rise with more training series, and would more data help?

The model is trained on nested, growing training subsets; the mean curve is fitted with the saturating
4-parameter families of the Learning Curve Database (Mohr et al. 2022) and extrapolated to 2x and 10x the
data with a bootstrap band: :mod:`signal_diagnostics.checks.curve_fits` (``pow4``, ``mmf4``, ``wbl4``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from signal_diagnostics.baselines import has_tag
from signal_diagnostics.checks.curve_fits import (
    BAND,
    EXTRAPOLATE,
    FAMILIES,
    HOLDOUT_SIZES,
    N_BOOTSTRAP,
    choose_family,
    extrapolate,
    fit_family,
    method_text,
    mmf4,
    pow4,
    wbl4,
)
from signal_diagnostics.data.dataset import stratified_subsample
from signal_diagnostics.data.loaders import as_check_input
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.metrics import check_metric, class_weight_for, score
from signal_diagnostics.results import Progress, Result, html_table

MIN_SIZES = 6
DEFAULT_N_SIZES = 8
TEST_SHARE = 0.25
# The curve is computed on a stratified random subsample of at most this many series. Its fits
# (8 sizes x repeats of MiniRocket + RidgeClassifierCV, whose cost grows with the cube of the training
# size up to the 9,996 features) would take hours and gigabytes on 100,000 series, and the question
# it answers, does the score still rise with the training size, is answered at this scale; the
# subsample is recorded in ``subsample``, ``notes`` and ``method``.
CURVE_MAX_SERIES = 5_000


def _sizes(n_train: int, counts: np.ndarray, train_sizes) -> np.ndarray:
    """Log-spaced training sizes from ~max(2 per class, 10% of the data) to the whole training part."""
    K = len(counts)
    if train_sizes is not None:
        sizes = np.unique(np.asarray(train_sizes, dtype=int))
        if sizes.min() < K or sizes.max() > n_train:
            raise DataError(
                f"train_sizes must lie in {K}..{n_train} (one series per class .. the training part); "
                f"got {sizes.min()}..{sizes.max()}"
            )
        return sizes
    start = max(2 * K, int(np.ceil(0.1 * n_train / (1 - TEST_SHARE))))
    start = min(start, n_train // 2)
    sizes = np.unique(np.round(np.geomspace(start, n_train, DEFAULT_N_SIZES)).astype(int))
    if len(sizes) < MIN_SIZES:
        raise DataError(
            f"too few series for a learning curve: {n_train} training series give only {len(sizes)} "
            f"distinct sizes (need {MIN_SIZES}); collect more data or skip the curve"
        )
    return sizes


def _nested_subsets(train: np.ndarray, y: np.ndarray, sizes: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Nested, stratified subsets of ``train``, one per size, every class present in each."""
    classes = np.unique(y[train])
    order = {c: rng.permutation(train[y[train] == c]) for c in classes}
    avail = np.array([len(order[c]) for c in classes])
    share = avail / avail.sum()
    prev = np.zeros(len(classes), dtype=int)
    out = []
    for m in sizes:
        want = share * m
        k = np.floor(want).astype(int)
        k[np.argsort(-(want - k))[: m - k.sum()]] += 1  # largest remainders
        k = np.minimum(np.maximum(np.maximum(k, 1), prev), avail)  # every class, nested, not beyond what exists
        prev = k
        out.append(np.sort(np.concatenate([order[c][:kc] for c, kc in zip(classes, k)])))
    return out


def _test_split(y: np.ndarray, groups, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedShuffleSplit

    idx = np.arange(len(y))
    if groups is None:
        sss = StratifiedShuffleSplit(n_splits=1, test_size=TEST_SHARE, random_state=seed)
        return next(sss.split(idx, y))
    folds = int(round(1 / TEST_SHARE))
    sgk = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return next(sgk.split(idx, y, groups))


def _estimator(model, random_state: int, metric: str):
    """A fresh model: a name is built fitted for ``metric`` (``class_weight_for``); an estimator is cloned."""
    from sklearn.base import clone

    if isinstance(model, str):
        from signal_diagnostics import baselines

        return baselines.make(model, random_state=random_state, class_weight=class_weight_for(metric))
    return clone(model)


def _shared_features(X: np.ndarray, name: str, random_state: int, metric: str):
    """The label-free features of the baseline ``name`` (tagged ``fast_curve``: its estimator has
    ``features()`` and ``penalties()``) computed once, the ridge it puts on them, and their name.

    The head is ``StandardScaler`` + the leave-one-out ridge over the baseline's penalties
    (:class:`baselines.ridge.RidgeHead`), fitted for ``metric`` (balanced unless it is accuracy).
    """
    from signal_diagnostics import baselines
    from signal_diagnostics.baselines.ridge import RidgeHead

    class_weight = class_weight_for(metric)
    model = baselines.make(name, random_state=random_state, class_weight=class_weight)
    transform = model.features()
    label = type(transform).__name__.removesuffix("Features")
    return transform.fit_transform(X), RidgeHead(alphas=model.penalties(), class_weight=class_weight), label


@dataclass(frozen=True, repr=False)
class LearningCurveResult(Result):
    """Scores at growing training sizes, the fitted family and its extrapolation.

    Attributes
    ----------
    train_sizes : training sizes (series).
    scores : ``[size][repeat]`` held-out scores.
    mean, std : over repeats, per size.
    family : chosen family (``pow4``, ``mmf4``, ``wbl4``) or ``None`` when none could be fitted.
    params : its parameters, fitted on all sizes (x = size / largest size).
    selection : held-back error (RMSE on the largest two sizes) of each family and of the
        "no change from the last point" baseline, and whether the family beat it.
    extrapolation : ``{"2x": {"size", "mean", "low", "high"}, "10x": {...}}``.
    fit : the fitted curve with its band on a grid up to 10x, for plots.
    more_data_helps : ``"yes"``, ``"no"`` or ``"cannot tell"``.
    method : how it was computed, in words.
    notes : caveats in words.
    subsample : ``{"n_used", "n_total", "cap"}`` when the curve ran on a subsample of the series, else None.
    """

    repr_fields: ClassVar[tuple[str, ...]] = (
        "model",
        "metric",
        "train_sizes",
        "mean",
        "family",
        "more_data_helps",
        "repeats",
    )

    model: str
    metric: str
    train_sizes: list[int]
    scores: list[list[float]]
    mean: list[float]
    std: list[float]
    family: str | None
    params: list[float] | None
    selection: dict
    extrapolation: dict
    fit: dict
    more_data_helps: str
    repeats: int
    n_test: int
    method: str
    notes: list[str] = field(default_factory=list)
    subsample: dict | None = None

    def _repr_html_(self) -> str:
        rows = [[n, m, s] for n, m, s in zip(self.train_sizes, self.mean, self.std)]
        rows += [
            [
                f"{k}: {v.get('size')}",
                v.get("mean"),
                f"[{v.get('low', float('nan')):.3f}, {v.get('high', float('nan')):.3f}]",
            ]
            for k, v in (self.extrapolation or {}).items()
            if isinstance(v, dict)
        ]
        return html_table(
            ["training series", f"mean {self.metric}", "std / band"],
            rows,
            caption=f"learning curve ({self.model}): more data helps? {self.more_data_helps}",
        )


def learning_curve(
    X,
    y=None,
    *,
    model="minirocket",
    train_sizes=None,
    repeats: int = 5,
    metric: str = "balanced_accuracy",
    groups=None,
    random_state: int = 0,
    progress: Progress | None = None,
    features=None,
    max_series: int | None = CURVE_MAX_SERIES,
) -> LearningCurveResult:
    """Score a model on nested, growing training subsets and extrapolate the curve to 2x and 10x the data.

    For each repeat ``r`` a stratified 25% test part is held out (seed ``random_state + r``; whole groups
    when ``groups`` are given), and the model is trained on nested stratified subsets of the rest (every
    class present) at log-spaced sizes from about max(2 per class, 10% of the data) to the whole training
    part. The mean curve is fitted by ``pow4``, ``mmf4`` and ``wbl4`` (see the module docstring); the
    family with the smallest error on the two largest sizes (fitted on the others) is refitted on all
    sizes. Band: bootstrap over repeats (resample the repeats with replacement, refit, 2.5/97.5
    percentiles). Verdict: ``"yes"`` when the lower band at 2x lies more than 0.01 above the last observed
    mean, ``"no"`` when the upper band at 10x lies within 0.01 of it, else ``"cannot tell"``.

    Parameters
    ----------
    X : array ``(n, T, C)``; a 2-D array is passed to the model as it is (tabular features). Or a
        Dataset, ``(X, y)`` or a source (:func:`signal_diagnostics.data.loaders.as_dataset`), its groups used by default.
    y : integer label codes (or labels).
    model : a name for ``baselines.make`` or any scikit-learn classifier (cloned per fit).
        ``"minirocket"`` computes MiniRocket features once on all of ``X`` and fits only the ridge per
        subset: MiniRocket is unsupervised, but its bias quantiles then see the test parts (a tiny leak,
        traded for a curve ~10x faster).
    train_sizes : explicit training sizes, or ``None`` for the default log-spaced ones.
    repeats : number of test splits (and bootstrap units).
    metric : one of :data:`signal_diagnostics.evaluation.metrics.METRICS`; a model given by name (and the
        MiniRocket ridge) is fitted for it: balanced class weights unless it is ``"accuracy"``.
    groups : optional group ids: test parts hold whole groups.
    random_state : seed of every split, subset, model and bootstrap.
    progress : ``progress(done, total)`` after each fit.
    features : a precomputed ``(n, F)`` feature matrix or a callable ``X -> (n, F)``: the model is then
        fitted on the features instead of ``X`` (for unsupervised transforms only).
    max_series : above this many series the curve runs on a stratified random subsample of this size
        (:func:`signal_diagnostics.data.dataset.stratified_subsample`, seed ``random_state``; whole groups with
        ``groups``); sizes and extrapolations then refer to the subsample. ``None``: never.

    Returns
    -------
    LearningCurveResult
    """
    two_d = y is not None and np.ndim(X) == 2  # tabular input stays 2-D for the estimator
    data = as_check_input(X, y, groups=groups)
    X, y, groups = data.X, data.codes, data.groups
    check_metric(metric)
    _check_args(y, repeats)
    notes: list[str] = []
    X, y, groups, features, subsample = _subsample(X, y, groups, features, max_series, random_state, notes)
    rows, head = _design(X, y, model, features, two_d, random_state, metric, notes)
    splits = [_test_split(y, groups, random_state + r) for r in range(repeats)]
    sizes = _sizes(min(len(tr) for tr, _ in splits), np.bincount(y), train_sizes)
    scores, sizes = _score_sizes(
        rows, y, head if head is not None else model, splits, sizes, random_state, metric, progress
    )
    name = model if isinstance(model, str) else type(model).__name__
    return _result(name, metric, sizes, scores, splits, notes, subsample, random_state)


def _check_args(codes: np.ndarray, repeats: int) -> None:
    """Refuse fewer than 2 repeats (no band) or a class with fewer than 4 series (3 to train, 1 to test)."""
    if repeats < 2:
        raise DataError(f"repeats must be at least 2 for a bootstrap band; got {repeats}")
    counts = np.bincount(codes)
    if counts.min() < 4:
        raise DataError(
            f"the smallest class has {counts.min()} series; a learning curve needs at least 4 per class "
            "(3 to train, 1 to test): drop or merge the smallest classes"
        )


def _result(name, metric, sizes, scores, splits, notes, subsample, random_state: int) -> LearningCurveResult:
    """Choose the family, extrapolate with its band and decide; the curve's record."""
    mean = scores.mean(axis=1)
    x = sizes / sizes[-1]
    family, selection = choose_family(x, mean)
    fitted = extrapolate(x, sizes, scores, family, random_state)
    if fitted["family"] is None:
        notes.append("no curve family could be fitted; no extrapolation")
    return LearningCurveResult(
        model=name,
        metric=metric,
        train_sizes=[int(s) for s in sizes],
        scores=scores.tolist(),
        mean=mean.tolist(),
        std=scores.std(axis=1, ddof=1).tolist(),
        selection=selection,
        repeats=scores.shape[1],
        n_test=int(np.mean([len(te) for _, te in splits])),
        method=method_text(scores.shape[1], TEST_SHARE, subsample),
        notes=notes,
        subsample=subsample,
        **fitted,
    )


def _subsample(X, y, groups, features, max_series: int | None, random_state: int, notes: list[str]):
    """Above ``max_series`` series: a stratified random subsample (whole groups), noted; rows of ``features`` kept aligned.

    Returns ``X, y, groups, features, subsample`` (``subsample`` ``{"n_used", "n_total", "cap"}`` or None).
    """
    n = len(y)
    if max_series is None or n <= max_series:
        return X, y, groups, features, None
    keep = stratified_subsample(y, int(max_series), seed=random_state, groups=groups)
    subsample = {"n_used": int(len(keep)), "n_total": int(n), "cap": int(max_series)}
    X, y = X[keep], y[keep]
    groups = None if groups is None else np.asarray(groups)[keep]
    if features is not None and not callable(features):
        if len(features) != n:
            raise DataError(f"features must have one row per series ({n}); got {len(features)}")
        features = np.asarray(features)[keep]
    notes.append(
        f"computed on a stratified random subsample of {len(keep)} of {subsample['n_total']} series "
        f"(cap {max_series}, for time and memory): sizes and extrapolations refer to the subsample, "
        f"so the full data sit at about {subsample['n_total'] / len(keep):.0f}x its size"
    )
    return X, y, groups, features, subsample


def _design(X, y, model, features, two_d: bool, random_state: int, metric: str, notes: list[str]):
    """What the model is fitted on (the series, a 2-D table or features) and, for MiniRocket, the ridge head."""
    head = None
    if features is None and has_tag(model, "fast_curve"):
        features, head, label = _shared_features(X, model, random_state, metric)
        notes.append(
            f"{label} features computed once on all series (unsupervised; their bias quantiles see the "
            "test parts, a small leak); a standardised RidgeClassifierCV is refitted per subset"
        )
    elif callable(features):
        features = features(X)
        notes.append("model fitted on features computed once by the given callable")
    elif features is not None:
        notes.append("model fitted on the given precomputed feature matrix")
    rows = (X[:, :, 0] if two_d else X) if features is None else np.asarray(features)
    if len(rows) != len(y):
        raise DataError(f"features must have one row per series ({len(y)}); got {len(rows)}")
    return rows, head


def _score_sizes(rows, y, model, splits, sizes, random_state: int, metric: str, progress: Progress | None):
    """Held-out scores ``[size][repeat]`` of a fresh model per nested subset, and the mean size actually used."""
    repeats, n_classes = len(splits), len(np.bincount(y))
    total, done = repeats * len(sizes), 0
    scores = np.zeros((len(sizes), repeats))
    actual = np.zeros((len(sizes), repeats), dtype=int)
    for r, (train, test) in enumerate(splits):
        rng = np.random.default_rng(random_state + r)
        for i, subset in enumerate(_nested_subsets(train, y, sizes, rng)):
            est = _estimator(model, random_state, metric)
            est.fit(rows[subset], y[subset])
            scores[i, r] = score(metric, y[test], np.asarray(est.predict(rows[test])), n_classes)
            actual[i, r] = len(subset)
            done += 1
            if progress:
                progress(done, total)
    return scores, np.round(actual.mean(axis=1)).astype(int)


__all__ = [
    "BAND",
    "CURVE_MAX_SERIES",
    "EXTRAPOLATE",
    "FAMILIES",
    "HOLDOUT_SIZES",
    "N_BOOTSTRAP",
    "LearningCurveResult",
    "fit_family",
    "learning_curve",
    "mmf4",
    "pow4",
    "wbl4",
]
