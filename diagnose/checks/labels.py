"""Are some labels wrong? Confident learning (cleanlab) on out-of-fold probabilities of a calibrated head.

The head is MiniRocket features -> standardised ridge (the strong default baseline), calibrated inside
each training fold: the ridge's exact leave-one-out decision values on the training series train a
small multinomial logistic regression (one input per class), which maps the held-out series'
decision values to probabilities. Nothing of a test fold is seen before its probabilities are made.
Several seeds (folds and kernels) are averaged. cleanlab (Northcutt, Jiang & Chuang 2021, "Confident
learning: estimating uncertainty in dataset labels", JAIR 70) then counts the series whose given label
the model confidently contradicts, estimates the noise matrix and ranks the suspects.

Confident learning cannot tell a wrong label from genuine overlap between classes: when the estimated
share of issues is close to the head's own error, the estimate restates the model's error and the
result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from signal_diagnostics.errors import DataError
from signal_diagnostics.results import to_jsonable

# Top suspect series reported (most confidently mislabelled first).
N_SUSPECTS = 20
# Bootstrap resamples of the series for the interval on the number of issues.
N_BOOTSTRAP = 200
# The estimate "restates the model's error" when the issues found make up at least this share of the
# model's out-of-fold errors: the suspects are then mostly the series the model gets wrong, and whether
# their labels are wrong or the classes overlap there cannot be told from the probabilities (measured
# here: on a 4-class set with overlapping classes and clean labels, 9.5% issues against an 18% error).
RESTATE_SHARE = 0.5
# cleanlab's docstring of num_label_issues advises "off_diagonal_calibrated" with fewer than 4 classes.
FEW_CLASSES = 4
# MiniRocket kernels of the head (aeon rounds down to a multiple of 84).
DEFAULT_KERNELS = 10_000


@dataclass(frozen=True)
class LabelIssues:
    """Estimated label issues of a dataset.

    Attributes
    ----------
    n_issues : estimated number of series with a wrong label (``cleanlab.count.num_label_issues``).
    share : ``n_issues / n_series``.
    interval : ``{"low", "high", "method"}``: bootstrap percentile interval on ``share``.
    noise_matrix : ``[i][j] = P(given label = i | true label = j)`` as cleanlab estimates it (rows:
        given, columns: true), each column summing to 1.
    suspects : the most likely mislabelled series, ``{"index", "given", "likely", "given_probability",
        "likely_probability"}``, most suspect first; probabilities rounded to 6 decimals, so they do not
        depend on the BLAS thread count of the process that computed them.
    model_error : ``1 - accuracy`` of the calibrated head's out-of-fold predictions.
    model_balanced_accuracy : its balanced accuracy.
    restates_error : the issues make up most of the model's errors (``share >= RESTATE_SHARE * model_error``).
    health_score : ``cleanlab.dataset.overall_label_health_score`` (1 - share of label issues found by ``find_label_issues``).
    classes : class names, in code order.
    message : one line in words.
    method : how the probabilities and the estimate were made.
    balanced_weights : what balanced class weights change (:func:`balanced_weights_effect`).
    fit_seconds : wall time of the out-of-fold probabilities (a timing field, ``signal_diagnostics.pipeline.document.TIMING_KEYS``).
    """

    n_issues: int
    share: float
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
    fit_seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return to_jsonable(self)


# ------------------------------------------------------------------------- out-of-fold probabilities
def _calibrated_fold(X, codes, tr, te, n_classes: int, n_kernels: int, seed: int) -> np.ndarray:
    """Probabilities ``(len(te), K)`` of the ridge head fitted and calibrated on ``tr`` alone."""
    from sklearn.linear_model import LogisticRegression

    from signal_diagnostics.baselines.minirocket import MiniRocketFeatures, standardised_rows
    from signal_diagnostics.baselines.ridge import DEFAULT_ALPHAS, RidgeLOO

    present = np.unique(codes[tr])
    local = np.searchsorted(present, codes[tr])  # codes of the classes this fold trains on
    feats = MiniRocketFeatures(n_kernels=n_kernels, random_state=seed).fit(X, rows=tr)
    rows, scaler = standardised_rows(feats, X, tr)
    test_rows, _ = standardised_rows(feats, X, te, scaler=scaler)
    solver = RidgeLOO(rows, DEFAULT_ALPHAS, test=test_rows)
    loo, dec = solver.loo_decisions(local, np.arange(len(present)))
    # multinomial logistic on the decision values (Platt scaling for K classes), fitted on the training
    # fold's leave-one-out values only
    head = LogisticRegression(C=1.0, max_iter=1000).fit(loo, local)
    out = np.zeros((len(te), n_classes))
    out[:, present[head.classes_]] = head.predict_proba(dec)
    return out


def out_of_fold_probabilities(
    X, y, *, folds: int = 5, seeds: int = 3, groups=None, n_kernels: int = DEFAULT_KERNELS, random_state: int = 0
) -> np.ndarray:
    """Out-of-fold class probabilities ``(n, K)`` of the calibrated MiniRocket + ridge head.

    Seed ``s`` uses folds ``make_splits(y, folds, groups=groups, seed=random_state + s)`` and MiniRocket
    kernels drawn with ``random_state + s``; the probabilities are averaged over ``seeds``.
    """
    from signal_diagnostics.evaluation.splits import make_splits

    y = np.asarray(y)
    K = int(y.max()) + 1
    P = np.zeros((len(y), K))
    for s in range(int(seeds)):
        for tr, te in make_splits(y, folds=folds, groups=groups, seed=random_state + s):
            P[te] += _calibrated_fold(X, y, tr, te, K, n_kernels, random_state + s)
    return P / int(seeds)


def balanced_weights_effect(y, probs, classes: list[str]) -> dict:
    """Per-class recall of the calibrated head as fitted and with balanced class weights.

    With calibrated probabilities, weighting each class by ``1 / prior`` in training moves the decision
    to ``argmax_k p_k / prior_k`` (the Bayes rule for balanced loss), so the effect of balanced weights
    is read off the same out-of-fold probabilities without refitting.
    """
    y = np.asarray(y)
    K = probs.shape[1]
    prior = np.bincount(y, minlength=K) / len(y)
    plain = probs.argmax(axis=1)
    balanced = (probs / np.maximum(prior, 1e-12)).argmax(axis=1)

    def recalls(pred):
        return [float(np.mean(pred[y == k] == k)) if np.any(y == k) else None for k in range(K)]

    r0, r1 = recalls(plain), recalls(balanced)
    return {
        "classes": list(classes),
        "recall": r0,
        "recall_balanced": r1,
        "balanced_accuracy": float(np.mean([r for r in r0 if r is not None])),
        "balanced_accuracy_balanced": float(np.mean([r for r in r1 if r is not None])),
        "accuracy": float(np.mean(plain == y)),
        "accuracy_balanced": float(np.mean(balanced == y)),
        "method": "out-of-fold probabilities of the calibrated head; balanced weights as the decision "
        "argmax p_k / prior_k",
    }


# ---------------------------------------------------------------------------------- confident learning
def _num_issues(labels: np.ndarray, probs: np.ndarray, method: str) -> int:
    from cleanlab.count import num_label_issues

    return int(num_label_issues(labels, probs, estimation_method=method))


def estimate_label_issues(
    y,
    probs,
    *,
    classes=None,
    groups=None,
    n_bootstrap: int = N_BOOTSTRAP,
    random_state: int = 0,
    seeds: int = 1,
    method_note: str = "",
) -> LabelIssues:
    """Confident-learning estimate of the label issues from out-of-fold probabilities.

    Parameters
    ----------
    y : given labels as codes ``0..K-1``.
    probs : ``(n, K)`` out-of-fold probabilities (rows sum to 1).
    classes : class names in code order (default: the codes).
    groups : optional group id per series: the bootstrap resamples whole groups (a cluster bootstrap),
        since the series of a group share their errors.
    n_bootstrap : resamples of the series (or of the groups), with replacement, for the percentile interval
        on the share.
    random_state : seed of the bootstrap.
    seeds : how many seeds the probabilities average (recorded).
    method_note : how the probabilities were made (recorded in ``method``).

    Returns
    -------
    LabelIssues

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1, 2, 3], 25)
    >>> P = np.full((100, 4), 0.02); P[np.arange(100), y] = 0.94
    >>> P[:5] = [0.02, 0.94, 0.02, 0.02]   # five series of class 0 look like class 1
    >>> estimate_label_issues(y, P).n_issues
    5
    """
    import warnings

    from cleanlab.count import estimate_py_and_noise_matrices_from_probabilities
    from cleanlab.dataset import overall_label_health_score
    from cleanlab.filter import find_label_issues

    y = np.asarray(y, dtype=np.int64)
    probs = np.asarray(probs, dtype=float)
    n, K = probs.shape
    if len(y) != n or y.min() < 0 or y.max() >= K:
        raise DataError(f"labels must be codes 0..{K - 1}, one per row of the probabilities ({n}); got {len(y)}")
    if np.bincount(y, minlength=K).min() == 0:
        raise DataError("every class needs at least one series for a label-issue estimate")
    names = [str(c) for c in (classes if classes is not None else range(K))]
    method = "off_diagonal_calibrated" if K < FEW_CLASSES else "off_diagonal"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n_issues = _num_issues(y, probs, method)
        rng = np.random.default_rng(random_state)
        members = None
        if groups is not None:
            codes = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
            order = np.argsort(codes, kind="stable")
            members = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
        shares = []
        for _ in range(int(n_bootstrap)):
            if members is None:
                idx = rng.integers(0, n, size=n)
            else:
                idx = np.concatenate([members[g] for g in rng.integers(0, len(members), size=len(members))])
            if len(np.unique(y[idx])) < K:  # cleanlab needs every class in the sample
                continue
            shares.append(_num_issues(y[idx], probs[idx], method) / len(idx))
        _, noise, _, _ = estimate_py_and_noise_matrices_from_probabilities(y, probs)
        ranked = find_label_issues(y, probs, return_indices_ranked_by="self_confidence", n_jobs=1)  # no child processes
        health = float(overall_label_health_score(y, probs, verbose=False))
    share = n_issues / n
    low, high = np.percentile(shares, [2.5, 97.5]) if shares else (np.nan, np.nan)
    interval = {
        "low": float(min(low, share)),
        "high": float(max(high, share)),
        "method": f"bootstrap percentile, {len(shares)} resamples of the {'groups' if members else 'series'}, 95%",
    }
    pred = probs.argmax(axis=1)
    error = float(np.mean(pred != y))
    recalls = [np.mean(pred[y == k] == k) for k in range(K)]
    restates = bool(n_issues > 0 and share >= RESTATE_SHARE * error)
    suspects = [
        {
            "index": int(i),
            "given": names[y[i]],
            "likely": names[pred[i]],
            "given_probability": round(float(probs[i, y[i]]), 6),
            "likely_probability": round(float(probs[i, pred[i]]), 6),
        }
        for i in ranked[:N_SUSPECTS]
    ]
    pct = f"{100 * share:.1f}% [{100 * interval['low']:.1f}, {100 * interval['high']:.1f}]"
    if n_issues == 0:
        message = "No label issues found: the out-of-fold model agrees confidently with the given labels."
    elif restates:
        message = (
            f"About {n_issues} series ({pct}) may be mislabelled, but they are most of the model's own "
            f"errors ({100 * error:.1f}%): confident learning cannot tell wrong labels from classes that "
            "genuinely overlap, so check the suspects by hand before trusting the count."
        )
    else:
        message = (
            f"About {n_issues} series ({pct}) look mislabelled: the out-of-fold model confidently "
            f"prefers another class (its error is {100 * error:.1f}%)."
        )
    return LabelIssues(
        n_issues=n_issues,
        share=float(share),
        interval=interval,
        noise_matrix=np.asarray(noise).tolist(),
        suspects=suspects,
        model_error=error,
        model_balanced_accuracy=float(np.mean(recalls)),
        restates_error=restates,
        health_score=health,
        classes=names,
        n_series=int(n),
        seeds=int(seeds),
        message=message,
        balanced_weights=balanced_weights_effect(y, probs, names),
        method=(
            f"cleanlab confident learning (num_label_issues, estimation_method={method!r}) on "
            f"out-of-fold probabilities{': ' + method_note if method_note else ''}"
        ),
    )


def label_issues(
    X,
    y,
    *,
    classes=None,
    folds: int = 5,
    seeds: int = 3,
    groups=None,
    n_kernels: int = DEFAULT_KERNELS,
    n_bootstrap: int = N_BOOTSTRAP,
    random_state: int = 0,
) -> LabelIssues:
    """Estimate wrong labels: out-of-fold probabilities of a calibrated head, then confident learning.

    Parameters
    ----------
    X : series ``(n, T, C)``.
    y : labels as codes ``0..K-1``.
    classes : class names in code order.
    folds : CV folds (group-aware with ``groups``).
    seeds : seeds (folds and MiniRocket kernels) whose probabilities are averaged.
    groups : optional group id per series.
    n_kernels : MiniRocket kernels of the head.
    n_bootstrap : bootstrap resamples for the interval.
    random_state : base seed.

    Returns
    -------
    LabelIssues
    """
    import time

    from signal_diagnostics.data.dataset import validate_arrays

    X, y = validate_arrays(X, y)
    y = np.unique(y, return_inverse=True)[1] if not np.issubdtype(y.dtype, np.integer) else y.astype(np.int64)
    t0 = time.perf_counter()
    probs = out_of_fold_probabilities(
        X, y, folds=folds, seeds=seeds, groups=groups, n_kernels=n_kernels, random_state=random_state
    )
    seconds = time.perf_counter() - t0
    note = (
        f"MiniRocket ({n_kernels} kernels) + standardised ridge, its exact leave-one-out decision values "
        f"calibrated by a multinomial logistic regression inside each training fold; {folds}-fold "
        f"{'group-aware ' if groups is not None else ''}CV, averaged over {seeds} seed(s)"
    )
    res = estimate_label_issues(
        y,
        probs,
        classes=classes,
        groups=groups,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
        seeds=seeds,
        method_note=note,
    )
    return LabelIssues(**{**res.__dict__, "fit_seconds": float(seconds)})


__all__ = [
    "LabelIssues",
    "label_issues",
    "estimate_label_issues",
    "out_of_fold_probabilities",
    "balanced_weights_effect",
]
