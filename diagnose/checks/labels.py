"""Are some labels wrong? Confident learning (cleanlab) on out-of-fold probabilities of a calibrated head.

The head is MiniRocket features -> standardised ridge (the strong default baseline), calibrated inside
each training fold: the ridge's exact leave-one-out decision values on the training series train a
small multinomial logistic regression (one input per class), which maps the held-out series'
decision values to probabilities. Nothing of a test fold is seen before its probabilities are made.
Several seeds (folds and kernels) are averaged. cleanlab (Northcutt, Jiang & Chuang 2021, "Confident
learning: estimating uncertainty in dataset labels", JAIR 70) then counts the series whose given label
the model confidently contradicts, estimates the noise matrix and ranks the suspects.

Confident learning needs a model that separates the classes (Northcutt et al. 2021 assume
out-of-sample probabilities of a good model): near chance with a dominant class the model predicts the
majority and every minority label looks "wrong". So the estimate is made only for the classes the
out-of-fold probabilities separate better than chance (:func:`class_separability`): per class, the
one-vs-rest AUC of its own probability column (the Mann-Whitney statistic; chance is 0.5 whatever the
class sizes, so a dominant class does not move it), a one-sided Mann-Whitney test with Holm's
correction across the classes (family-wise error 5%) and a 95% Hanley-McNeil interval. Only series
whose given label and confidently predicted label both lie in separable classes count as issues; the
other classes get "cannot tell", and with no separable class there is no share at all.

Confident learning also cannot tell a wrong label from genuine overlap between classes: when the
estimated share of issues is close to the head's own error, the estimate restates the model's error,
the result says so and no label-noise ceiling is drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from signal_diagnostics.checks.confident_learning import (
    FEW_CLASSES,
    bootstrap_shares,
    cannot_tell,
    class_separability,
    num_issues,
)
from signal_diagnostics.checks.label_head import (
    DEFAULT_KERNELS,
    SHARED_FEATURE_BYTES,
    balanced_weights_effect,
    calibrated_fold,
    head_note,
    out_of_fold_probabilities,
    shared_features,
)
from signal_diagnostics.data.loaders import as_check_input
from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.verdicts.thresholds import RESTATE_SHARE, SEPARABLE_ALPHA
from signal_diagnostics.results import Progress, Result

# Top suspect series reported (most confidently mislabelled first).
N_SUSPECTS = 20
# Bootstrap resamples of the series for the interval on the number of issues.
N_BOOTSTRAP = 200
# How the classes that count were chosen (:func:`class_separability`), in the result's ``method``.
SEPARABLE_NOTE = (
    "only classes separated better than chance count (one-vs-rest AUC of the class's probability, one-sided "
    f"Mann-Whitney, Holm across classes at {SEPARABLE_ALPHA:g} FWER, 95% Hanley-McNeil intervals)"
)


@dataclass(frozen=True, repr=False)
class LabelIssuesResult(Result):
    """Estimated label issues of a dataset.

    Attributes
    ----------
    n_issues : estimated number of series with a wrong label among the separable classes
        (``cleanlab.count.num_label_issues`` when every class is separable); ``None`` when no class is.
    share : ``n_issues / n_series`` (a share of all series); ``None`` when no class is separable.
    interval : ``{"low", "high", "method"}``: bootstrap percentile interval on ``share`` (``low`` and
        ``high`` ``None`` when no class is separable).
    noise_matrix : ``[i][j] = P(given label = i | true label = j)`` as cleanlab estimates it (rows:
        given, columns: true), each column summing to 1.
    suspects : the most likely mislabelled series among the separable classes, ``{"index", "id",
        "given", "likely", "given_probability", "likely_probability"}``, most suspect first (``id``: the
        user's series id, by default the row index; the probabilities are the out-of-fold model's, of the
        given and of the likely class), rounded to 6 decimals, so they do not depend on the BLAS thread
        count of the process that computed them. Empty when no class is separable.
    model_error : ``1 - accuracy`` of the calibrated head's out-of-fold predictions.
    model_balanced_accuracy : its balanced accuracy.
    restates_error : the issues make up most of the model's errors on the separable classes
        (``issues >= RESTATE_SHARE * errors`` there); a label-noise ceiling is drawn only when false.
    separability : per class ``{"class", "n", "auc", "low", "high", "p_value", "p_holm", "separable"}``
        (:func:`class_separability`).
    cannot_tell : why no estimate is given for some or all classes, in words; ``None`` when every class
        is separable.
    health_score : ``cleanlab.dataset.overall_label_health_score`` (1 - share of label issues found by ``find_label_issues``).
    classes : class names, in code order.
    message : one line in words.
    method : how the probabilities and the estimate were made.
    balanced_weights : what balanced class weights change (:func:`balanced_weights_effect`).
    fit_seconds : wall time of the out-of-fold probabilities (a timing field, ``signal_diagnostics.pipeline.document.TIMING_KEYS``).
    """

    repr_fields: ClassVar[tuple[str, ...]] = (
        "n_issues",
        "share",
        "model_error",
        "model_balanced_accuracy",
        "restates_error",
        "classes",
        "message",
    )

    n_issues: int | None
    share: float | None
    interval: dict
    noise_matrix: list[list[float]]
    suspects: list[dict]
    model_error: float
    model_balanced_accuracy: float
    restates_error: bool
    health_score: float
    classes: list[str]
    n_series: int
    seeds: int
    message: str
    method: str
    balanced_weights: dict | None = None
    separability: list[dict] = field(default_factory=list)
    cannot_tell: str | None = None
    fit_seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def estimate_label_issues(
    y,
    probs,
    *,
    classes=None,
    groups=None,
    ids=None,
    n_bootstrap: int = N_BOOTSTRAP,
    random_state: int = 0,
    seeds: int = 1,
    method_note: str = "",
    progress: Progress | None = None,
) -> LabelIssuesResult:
    """Confident-learning estimate of the label issues among the separable classes, from out-of-fold probabilities.

    Parameters
    ----------
    y : given labels as codes ``0..K-1``.
    probs : ``(n, K)`` out-of-fold probabilities (rows sum to 1).
    classes : class names in code order (default: the codes).
    groups : optional group id per series: the bootstrap resamples whole groups (a cluster bootstrap),
        since the series of a group share their errors.
    ids : optional series id per row, shown with the suspects (default: the row index).
    n_bootstrap : resamples of the series (or groups), with replacement, for the share's percentile interval.
    random_state : seed of the bootstrap.
    seeds : how many seeds the probabilities average (recorded).
    method_note : how the probabilities were made (recorded in ``method``).
    progress : ``progress(done, total, "bootstrap resamples")`` after each resample.

    Returns
    -------
    LabelIssuesResult

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1, 2, 3], 25)
    >>> P = np.full((100, 4), 0.02); P[np.arange(100), y] = 0.94
    >>> P[:5] = [0.02, 0.94, 0.02, 0.02]   # five series of class 0 look like class 1
    >>> estimate_label_issues(y, P).n_issues
    5
    """
    y, probs = _checked(y, probs, ids)
    n, K = probs.shape
    names = [str(c) for c in (classes if classes is not None else range(K))]
    method = "off_diagonal_calibrated" if K < FEW_CLASSES else "off_diagonal"
    separability = class_separability(y, probs, names)
    inside = np.array([r["separable"] for r in separability])
    estimable = bool(inside.any())
    n_issues, shares, by_groups, noise, ranked, health = _cleanlab(
        y, probs, method, inside if estimable else None, groups, n_bootstrap, random_state, progress
    )
    pred = probs.argmax(axis=1)
    share = n_issues / n if estimable else None
    interval = _interval(share, shares, by_groups)
    error, error_inside = float(np.mean(pred != y)), int(np.sum((pred != y) & inside[y]))
    restates = bool(estimable and n_issues > 0 and n_issues >= RESTATE_SHARE * error_inside)
    why = cannot_tell(separability)
    return LabelIssuesResult(
        n_issues=n_issues,
        share=None if share is None else float(share),
        interval=interval,
        noise_matrix=np.asarray(noise).tolist(),
        suspects=_suspects(ranked, y, pred, probs, inside, names, ids),
        model_error=error,
        model_balanced_accuracy=float(np.mean([np.mean(pred[y == k] == k) for k in range(K)])),
        restates_error=restates,
        health_score=health,
        classes=names,
        n_series=int(n),
        seeds=int(seeds),
        message=_message(n_issues, share, interval, error, restates, why, int(inside.sum())),
        balanced_weights=balanced_weights_effect(y, probs, names),
        separability=separability,
        cannot_tell=why,
        method=(
            f"cleanlab confident learning (estimation_method={method!r}) on out-of-fold probabilities"
            f"{': ' + method_note if method_note else ''}; {SEPARABLE_NOTE}"
        ),
    )


def _cleanlab(y, probs, method: str, inside, groups, n_bootstrap: int, seed: int, progress=None):
    """cleanlab's figures: issues among the classes ``inside`` with their bootstrap shares (none when ``inside``
    is None: no class separable), the noise matrix, the ranked issues and the health score."""
    import warnings

    from cleanlab.count import estimate_py_and_noise_matrices_from_probabilities
    from cleanlab.dataset import overall_label_health_score
    from cleanlab.filter import find_label_issues

    n_issues, shares, by_groups = None, [], False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if inside is not None:
            n_issues = num_issues(y, probs, method, inside)
            tick = None if progress is None else (lambda d, t: progress(d, t, "bootstrap resamples"))
            shares, by_groups = bootstrap_shares(y, probs, method, inside, groups, n_bootstrap, seed, tick)
        _, noise, _, _ = estimate_py_and_noise_matrices_from_probabilities(y, probs)
        ranked = find_label_issues(y, probs, return_indices_ranked_by="self_confidence", n_jobs=1)  # no child processes
        health = float(overall_label_health_score(y, probs, verbose=False))
    return n_issues, shares, by_groups, noise, ranked, health


def _checked(y, probs, ids) -> tuple[np.ndarray, np.ndarray]:
    """Codes and probabilities as arrays; refuse codes outside ``0..K-1``, an empty class or misaligned ids.

    Not :func:`~signal_diagnostics.data.loaders.as_check_input`: ``y`` here are already the codes of the
    probability columns, and coding them again would shift them when a class is absent.
    """
    y = np.asarray(y, dtype=np.int64)
    probs = np.asarray(probs, dtype=float)
    n, K = probs.shape
    if len(y) != n or y.min() < 0 or y.max() >= K:
        raise DataError(f"labels must be codes 0..{K - 1}, one per row of the probabilities ({n}); got {len(y)}")
    if np.bincount(y, minlength=K).min() == 0:
        raise DataError("every class needs at least one series for a label-issue estimate")
    if ids is not None and len(ids) != n:
        raise DataError(f"ids must hold one id per series ({n}); got {len(ids)}")
    return y, probs


def _interval(share: float | None, shares: list[float], by_groups: bool) -> dict:
    """The bootstrap percentile interval on the share (widened to hold the estimate); no bounds without one."""
    if share is None:
        return {"low": None, "high": None, "method": "none: no class is separated better than chance"}
    low, high = np.percentile(shares, [2.5, 97.5]) if shares else (np.nan, np.nan)
    return {
        "low": float(min(low, share)),
        "high": float(max(high, share)),
        "method": f"bootstrap percentile, {len(shares)} resamples of the {'groups' if by_groups else 'series'}, 95%",
    }


def _suspects(ranked, y, pred, probs, inside, names: list[str], ids) -> list[dict]:
    """The :data:`N_SUSPECTS` most suspect series among the separable classes, most suspect first."""
    ids = np.arange(len(y)) if ids is None else np.asarray(ids)
    return [
        {
            "index": int(i),
            "id": str(ids[i]),
            "given": names[y[i]],
            "likely": names[pred[i]],
            "given_probability": round(float(probs[i, y[i]]), 6),
            "likely_probability": round(float(probs[i, pred[i]]), 6),
        }
        for i in ranked
        if inside[y[i]] and inside[pred[i]]
    ][:N_SUSPECTS]


def _message(n_issues, share, interval: dict, error: float, restates: bool, why: str | None, n_inside: int) -> str:
    """The result's one line in words."""
    if n_issues is None:
        return f"Cannot tell whether labels are wrong: {why}."
    pct = f"{100 * share:.1f}% [{100 * interval['low']:.1f}, {100 * interval['high']:.1f}]"
    scope = "" if why is None else f" among the {n_inside} separable classes ({why})"
    if n_issues == 0:
        return f"No label issues found{scope}: the out-of-fold model agrees confidently with the given labels."
    if restates:
        return (
            f"About {n_issues} series ({pct}) may be mislabelled{scope}, but they are most of the model's own "
            f"errors ({100 * error:.1f}%): confident learning cannot tell wrong labels from classes that "
            "genuinely overlap, so check the suspects by hand before trusting the count."
        )
    return (
        f"About {n_issues} series ({pct}) look mislabelled{scope}: the out-of-fold model confidently "
        f"prefers another class (its error is {100 * error:.1f}%)."
    )


def label_issues(
    X,
    y=None,
    *,
    classes=None,
    folds: int = 5,
    seeds: int = 3,
    groups=None,
    ids=None,
    n_kernels: int = DEFAULT_KERNELS,
    n_bootstrap: int = N_BOOTSTRAP,
    random_state: int = 0,
    share_features: bool = True,
    progress: Progress | None = None,
) -> LabelIssuesResult:
    """Estimate wrong labels: out-of-fold probabilities of a calibrated head, then confident learning.

    Parameters
    ----------
    X : series ``(n, T, C)``, or a Dataset, ``(X, y)`` or a source (its labels, classes and groups used).
    y : labels, one per series (they become codes ``0..K-1`` in sorted order).
    classes : class names in code order (default: the labels' own).
    folds : CV folds (group-aware with ``groups``).
    seeds : seeds (folds and MiniRocket kernels) whose probabilities are averaged.
    groups : optional group id per series.
    ids : optional series id per row, shown with the suspects (default: the row index).
    n_kernels : MiniRocket kernels of the head.
    n_bootstrap : bootstrap resamples for the interval.
    random_state : base seed.
    share_features : one MiniRocket transform per seed, fitted on all series without their labels, shared by
        the seed's folds (only the ridge head, its scaler and its calibrator are refitted per fold); False:
        kernels fitted per fold on its training series (:func:`out_of_fold_probabilities`).
    progress : ``progress(done, total)`` over the head's transforms and folds, then ``progress(done, total,
        "bootstrap resamples")`` over the bootstrap.

    Returns
    -------
    LabelIssuesResult
    """
    import time

    data = as_check_input(X, y, groups=groups)
    t0 = time.perf_counter()
    probs = out_of_fold_probabilities(
        data.X,
        data.codes,
        folds=folds,
        seeds=seeds,
        groups=data.groups,
        n_kernels=n_kernels,
        random_state=random_state,
        share_features=share_features,
        progress=progress,
    )
    seconds = time.perf_counter() - t0
    res = estimate_label_issues(
        data.codes,
        probs,
        classes=list(data.classes) if classes is None else classes,
        groups=data.groups,
        ids=ids,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
        seeds=seeds,
        method_note=head_note(len(data.X), n_kernels, share_features, folds, data.groups is not None, seeds),
        progress=progress,
    )
    return LabelIssuesResult(**{**res.__dict__, "fit_seconds": float(seconds)})


__all__ = [
    "DEFAULT_KERNELS",
    "SHARED_FEATURE_BYTES",
    "LabelIssuesResult",
    "label_issues",
    "estimate_label_issues",
    "out_of_fold_probabilities",
    "balanced_weights_effect",
    "calibrated_fold",
    "class_separability",
    "shared_features",
]
