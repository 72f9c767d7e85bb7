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

import numpy as np

from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.stats import Z95
from signal_diagnostics.pipeline.verdicts.thresholds import RESTATE_SHARE, SEPARABLE_ALPHA
from signal_diagnostics.results import to_jsonable

# Top suspect series reported (most confidently mislabelled first).
N_SUSPECTS = 20
# Bootstrap resamples of the series for the interval on the number of issues.
N_BOOTSTRAP = 200
# cleanlab's docstring of num_label_issues advises "off_diagonal_calibrated" with fewer than 4 classes.
FEW_CLASSES = 4
# MiniRocket kernels of the head (aeon rounds down to a multiple of 84).
DEFAULT_KERNELS = 10_000


@dataclass(frozen=True)
class LabelIssues:
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

    def to_dict(self) -> dict:
        return to_jsonable(self)


# ------------------------------------------------------------------------- out-of-fold probabilities
# The MiniRocket features of every series are computed once and held when they take at most this many
# bytes (float32), then shared by the folds of its seed; above it each fold transforms again (bounded memory).
SHARED_FEATURE_BYTES = 1 << 30


def _calibrated_head(train_rows, test_rows, local: np.ndarray, n_present: int):
    """Leave-one-out decision values of the ridge on ``train_rows`` calibrated by a multinomial logistic regression:
    the fitted calibrator and the held-out decision values."""
    from sklearn.linear_model import LogisticRegression

    from signal_diagnostics.baselines.ridge import DEFAULT_ALPHAS, RidgeLOO

    solver = RidgeLOO(train_rows, DEFAULT_ALPHAS, test=test_rows)
    loo, dec = solver.loo_decisions(local, np.arange(n_present))
    # multinomial logistic on the decision values (Platt scaling for K classes), fitted on the training
    # fold's leave-one-out values only
    return LogisticRegression(C=1.0, max_iter=1000).fit(loo, local), dec


def calibrated_fold(X, codes, tr, te, n_classes: int, n_kernels: int, seed: int, features=None) -> np.ndarray:
    """Probabilities ``(len(te), K)`` of the ridge head fitted and calibrated on ``tr`` alone.

    ``features``: the MiniRocket features of every series, computed once (label-free); without them the
    kernels are fitted on ``X[tr]`` and both folds transformed here.
    """
    from signal_diagnostics.baselines.minirocket import MiniRocketFeatures, standardised_rows
    from signal_diagnostics.baselines.rows import FeatureRows, fit_scaler

    present = np.unique(codes[tr])
    local = np.searchsorted(present, codes[tr])  # codes of the classes this fold trains on
    if features is None:
        feats = MiniRocketFeatures(n_kernels=n_kernels, random_state=seed).fit(X, rows=tr)
        rows, scaler = standardised_rows(feats, X, tr)
        test_rows, _ = standardised_rows(feats, X, te, scaler=scaler)
    else:  # the scaler is still the training fold's own
        Ftr = features[tr]
        scaler = fit_scaler(Ftr)
        rows = FeatureRows.of(scaler.transform(Ftr, copy=False))
        test_rows = FeatureRows.of(scaler.transform(features[te]))
    head, dec = _calibrated_head(rows, test_rows, local, len(present))
    out = np.zeros((len(te), n_classes))
    out[:, present[head.classes_]] = head.predict_proba(dec)
    return out


def shared_features(X, n_kernels: int, seed: int, max_bytes: int = SHARED_FEATURE_BYTES) -> np.ndarray | None:
    """MiniRocket features ``(n, p)`` float32 of every series, kernels fitted on all of ``X``; None when too large.

    MiniRocket's fit draws its biases from the series but never reads the labels, so fitting it on every
    series (test folds included) leaks no label into the held-out probabilities; the ridge, its scaler
    and the calibrator are still fitted on each training fold alone.
    """
    from signal_diagnostics.baselines.minirocket import MiniRocketFeatures

    feats = MiniRocketFeatures(n_kernels=n_kernels, random_state=seed).fit(X)
    if len(X) * feats.n_features_out_ * 4 > max_bytes:
        return None
    return feats.transform(X)


def out_of_fold_probabilities(
    X,
    y,
    *,
    folds: int = 5,
    seeds: int = 3,
    groups=None,
    n_kernels: int = DEFAULT_KERNELS,
    random_state: int = 0,
    share_features: bool = True,
) -> np.ndarray:
    """Out-of-fold class probabilities ``(n, K)`` of the calibrated MiniRocket + ridge head.

    Seed ``s`` uses folds ``make_splits(y, folds, groups=groups, seed=random_state + s)`` and MiniRocket
    kernels drawn with ``random_state + s``; the probabilities are averaged over ``seeds``. With
    ``share_features`` (default) each seed transforms the series once (kernels fitted on all series,
    label-free: :func:`shared_features`) and every fold of that seed reuses the features, refitting only
    the ridge head; otherwise (or when the features would exceed :data:`SHARED_FEATURE_BYTES`) each fold
    fits its kernels on its training series and transforms again. Each seed keeps its own kernels: one
    transform shared by all seeds was measured to lose the seeds' ensemble (1,000 clean series of the
    user's regime: head balanced accuracy 0.734 against 0.780, 49 issues against 23).
    """
    from signal_diagnostics.evaluation.splits import make_splits

    y = np.asarray(y)
    K = int(y.max()) + 1
    P = np.zeros((len(y), K))
    for s in range(int(seeds)):
        F = shared_features(X, n_kernels, random_state + s) if share_features else None
        for tr, te in make_splits(y, folds=folds, groups=groups, seed=random_state + s):
            P[te] += calibrated_fold(X, y, tr, te, K, n_kernels, random_state + s, features=F)
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
def class_separability(y, probs, classes: list[str], alpha: float = SEPARABLE_ALPHA) -> list[dict]:
    """Which classes the out-of-fold probabilities separate better than chance, one class at a time.

    Per class ``k``: the one-vs-rest AUC of ``probs[:, k]`` (series of class ``k`` against all others),
    a one-sided Mann-Whitney test of AUC > 0.5 (asymptotic, ties corrected) with Holm's correction across
    the classes (family-wise error ``alpha``), and a 95% interval by Hanley & McNeil (1982, Radiology
    143:29). The AUC is chosen over recall because its chance level is 0.5 for every class size, and it
    measures what confident learning relies on: that a class's own probability ranks its members first.
    Out-of-fold probabilities are not independent draws, so the test is approximate; under pure noise
    cross-validated scores sit slightly below chance, which makes it conservative rather than liberal.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1], 50)
    >>> P = np.column_stack([1 - y * 0.8, 0.2 + y * 0.6]) / 1.2
    >>> [r["separable"] for r in class_separability(y, P, ["a", "b"])]
    [True, True]
    """
    from scipy.stats import mannwhitneyu
    from statsmodels.stats.multitest import multipletests

    y = np.asarray(y)
    rows = []
    for k, name in enumerate(classes):
        pos, neg = probs[y == k, k], probs[y != k, k]
        n1, n0 = len(pos), len(neg)
        if n1 == 0 or n0 == 0:
            rows.append({"class": name, "n": int(n1), "auc": None, "low": None, "high": None, "p_value": 1.0})
            continue
        test = mannwhitneyu(pos, neg, alternative="greater", method="asymptotic")
        auc = float(test.statistic) / (n1 * n0)
        q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
        se = np.sqrt(max(auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2), 0.0) / (n1 * n0))
        rows.append(
            {
                "class": name,
                "n": int(n1),
                "auc": auc,
                "low": float(max(0.0, auc - Z95 * se)),
                "high": float(min(1.0, auc + Z95 * se)),
                "p_value": float(test.pvalue),
            }
        )
    holm = multipletests([r["p_value"] for r in rows], method="holm")[1]
    for r, ph in zip(rows, holm):
        r["p_holm"] = float(ph)
        r["separable"] = bool(ph <= alpha)
    return rows


def _issue_mask(labels: np.ndarray, probs: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Series counted by cleanlab's ``off_diagonal`` estimate whose given and confident classes are both ``inside``.

    The confident class is cleanlab's (``compute_confident_joint``): among the classes whose probability
    reaches their per-class threshold, the most probable; series the model already predicts as given are
    dropped (cleanlab's ``_reduce_issues``). With every class inside this is ``num_label_issues``.
    """
    from cleanlab.count import get_confident_thresholds

    thresholds = np.asarray(get_confident_thresholds(labels, probs))
    confident = probs >= thresholds - 1e-6
    guess = np.where(confident.sum(axis=1) > 1, probs.argmax(axis=1), confident.argmax(axis=1))
    lifted = probs.copy()
    lifted[np.arange(len(labels)), labels] += 1e-6  # cleanlab's FLOATING_POINT_COMPARISON
    agrees = lifted.argmax(axis=1) == labels
    return confident.any(axis=1) & (guess != labels) & ~agrees & inside[labels] & inside[guess]


def _num_issues(labels: np.ndarray, probs: np.ndarray, method: str, inside: np.ndarray) -> int:
    """Label issues among the classes ``inside`` (a boolean mask over the classes)."""
    if method == "off_diagonal":
        return int(_issue_mask(labels, probs, inside).sum())
    from cleanlab.count import compute_confident_joint, estimate_joint

    joint = estimate_joint(labels, probs, confident_joint=compute_confident_joint(labels, probs, calibrate=True))
    off = np.outer(inside, inside) & ~np.eye(len(inside), dtype=bool)
    return int(np.rint(joint[off].sum() * len(labels)))


def _cannot_tell(rows: list[dict]) -> str | None:
    """Why some or all classes get no estimate, in words; ``None`` when every class is separable."""
    out = [r for r in rows if not r["separable"]]
    if not out:
        return None
    listed = ", ".join(
        f"{r['class']}: AUC {r['auc']:.2f}, Holm p = {r['p_holm']:.2g}" if r["auc"] is not None else str(r["class"])
        for r in out[:8]
    ) + (", ..." if len(out) > 8 else "")
    if len(out) == len(rows):
        return (
            f"the out-of-fold model separates no class from the rest better than chance ({listed}), so the "
            "series it assigns to another class say nothing about their labels"
        )
    return (
        f"cannot tell for {len(out)} of {len(rows)} classes, which the out-of-fold model does not separate "
        f"from the rest better than chance ({listed})"
    )


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
) -> LabelIssues:
    """Confident-learning estimate of the label issues among the separable classes, from out-of-fold probabilities.

    Parameters
    ----------
    y : given labels as codes ``0..K-1``.
    probs : ``(n, K)`` out-of-fold probabilities (rows sum to 1).
    classes : class names in code order (default: the codes).
    groups : optional group id per series: the bootstrap resamples whole groups (a cluster bootstrap),
        since the series of a group share their errors.
    ids : optional series id per row, shown with the suspects (default: the row index).
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
    if ids is not None and len(ids) != n:
        raise DataError(f"ids must hold one id per series ({n}); got {len(ids)}")
    names = [str(c) for c in (classes if classes is not None else range(K))]
    method = "off_diagonal_calibrated" if K < FEW_CLASSES else "off_diagonal"
    separability = class_separability(y, probs, names)
    inside = np.array([r["separable"] for r in separability])
    estimable = bool(inside.any())
    shares = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n_issues = _num_issues(y, probs, method, inside) if estimable else None
        rng = np.random.default_rng(random_state)
        members = None
        if groups is not None:
            codes = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
            order = np.argsort(codes, kind="stable")
            members = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
        for _ in range(int(n_bootstrap) if estimable else 0):
            if members is None:
                idx = rng.integers(0, n, size=n)
            else:
                idx = np.concatenate([members[g] for g in rng.integers(0, len(members), size=len(members))])
            if len(np.unique(y[idx])) < K:  # cleanlab needs every class in the sample
                continue
            shares.append(_num_issues(y[idx], probs[idx], method, inside) / len(idx))
        _, noise, _, _ = estimate_py_and_noise_matrices_from_probabilities(y, probs)
        ranked = find_label_issues(y, probs, return_indices_ranked_by="self_confidence", n_jobs=1)  # no child processes
        health = float(overall_label_health_score(y, probs, verbose=False))
    pred = probs.argmax(axis=1)
    share = n_issues / n if estimable else None
    if estimable:
        low, high = np.percentile(shares, [2.5, 97.5]) if shares else (np.nan, np.nan)
        low, high = float(min(low, share)), float(max(high, share))
    else:
        low = high = None
    interval = {
        "low": low,
        "high": high,
        "method": f"bootstrap percentile, {len(shares)} resamples of the {'groups' if members else 'series'}, 95%"
        if estimable
        else "none: no class is separated better than chance",
    }
    error = float(np.mean(pred != y))
    covered = inside[y]
    error_inside = int(np.sum((pred != y) & covered))
    recalls = [np.mean(pred[y == k] == k) for k in range(K)]
    restates = bool(estimable and n_issues > 0 and n_issues >= RESTATE_SHARE * error_inside)
    ids = np.arange(n) if ids is None else np.asarray(ids)
    suspects = [
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
    why = _cannot_tell(separability)
    if not estimable:
        message = f"Cannot tell whether labels are wrong: {why}."
    else:
        pct = f"{100 * share:.1f}% [{100 * interval['low']:.1f}, {100 * interval['high']:.1f}]"
        scope = "" if why is None else f" among the {int(inside.sum())} separable classes ({why})"
        if n_issues == 0:
            message = f"No label issues found{scope}: the out-of-fold model agrees confidently with the given labels."
        elif restates:
            message = (
                f"About {n_issues} series ({pct}) may be mislabelled{scope}, but they are most of the model's own "
                f"errors ({100 * error:.1f}%): confident learning cannot tell wrong labels from classes that "
                "genuinely overlap, so check the suspects by hand before trusting the count."
            )
        else:
            message = (
                f"About {n_issues} series ({pct}) look mislabelled{scope}: the out-of-fold model confidently "
                f"prefers another class (its error is {100 * error:.1f}%)."
            )
    return LabelIssues(
        n_issues=n_issues,
        share=None if share is None else float(share),
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
        separability=separability,
        cannot_tell=why,
        method=(
            f"cleanlab confident learning (estimation_method={method!r}) on out-of-fold probabilities"
            f"{': ' + method_note if method_note else ''}; only classes separated better than chance count "
            f"(one-vs-rest AUC of the class's probability, one-sided Mann-Whitney, Holm across classes at "
            f"{SEPARABLE_ALPHA:g} FWER, 95% Hanley-McNeil intervals)"
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
    ids=None,
    n_kernels: int = DEFAULT_KERNELS,
    n_bootstrap: int = N_BOOTSTRAP,
    random_state: int = 0,
    share_features: bool = True,
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
    ids : optional series id per row, shown with the suspects (default: the row index).
    n_kernels : MiniRocket kernels of the head.
    n_bootstrap : bootstrap resamples for the interval.
    random_state : base seed.
    share_features : one MiniRocket transform per seed, fitted on all series without their labels, shared by
        the seed's folds (only the ridge head, its scaler and its calibrator are refitted per fold); False:
        kernels fitted per fold on its training series (:func:`out_of_fold_probabilities`).

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
        X,
        y,
        folds=folds,
        seeds=seeds,
        groups=groups,
        n_kernels=n_kernels,
        random_state=random_state,
        share_features=share_features,
    )
    seconds = time.perf_counter() - t0
    shared = share_features and len(X) * (n_kernels // 84 * 84) * 4 <= SHARED_FEATURE_BYTES
    transform = (
        "one transform per seed, fitted on all series without their labels, shared by its folds"
        if shared
        else "kernels fitted on each training fold"
    )
    note = (
        f"MiniRocket ({n_kernels} kernels; {transform}) + standardised ridge, its exact leave-one-out decision values "
        f"calibrated by a multinomial logistic regression inside each training fold; {folds}-fold "
        f"{'group-aware ' if groups is not None else ''}CV, averaged over {seeds} seed(s)"
    )
    res = estimate_label_issues(
        y,
        probs,
        classes=classes,
        groups=groups,
        ids=ids,
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
    "class_separability",
]
