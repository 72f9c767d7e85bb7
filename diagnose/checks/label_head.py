"""The label check's model: out-of-fold probabilities of a calibrated MiniRocket + ridge head.

The head is MiniRocket features -> standardised ridge (the strong default baseline), calibrated inside
each training fold: the ridge's exact leave-one-out decision values on the training series train a
small multinomial logistic regression (one input per class), which maps the held-out series'
decision values to probabilities. Nothing of a test fold is seen before its probabilities are made.
Several seeds (folds and kernels) are averaged. Used by :func:`signal_diagnostics.checks.labels.label_issues`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# MiniRocket kernels of the head (aeon rounds down to a multiple of 84).
DEFAULT_KERNELS = 10_000
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
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Out-of-fold class probabilities ``(n, K)`` of the calibrated MiniRocket + ridge head; ``progress(done,
    total)`` after each seed's transform and each fold.

    Seed ``s`` uses folds ``make_splits(y, folds, groups=groups, random_state=random_state + s)`` and MiniRocket
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
    report = progress or (lambda done, total: None)
    total, done = int(seeds) * (int(folds) + 1), 0  # per seed: its transform, then each of its folds
    for s in range(int(seeds)):
        F = shared_features(X, n_kernels, random_state + s) if share_features else None
        done += 1
        report(done, total)
        for tr, te in make_splits(y, folds=folds, groups=groups, random_state=random_state + s):
            P[te] += calibrated_fold(X, y, tr, te, K, n_kernels, random_state + s, features=F)
            done += 1
            report(done, total)
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


def head_note(n_series: int, n_kernels: int, share_features: bool, folds: int, grouped: bool, seeds: int) -> str:
    """How :func:`out_of_fold_probabilities` made the probabilities, in words (recorded in the result's ``method``)."""
    shared = share_features and n_series * (n_kernels // 84 * 84) * 4 <= SHARED_FEATURE_BYTES
    transform = (
        "one transform per seed, fitted on all series without their labels, shared by its folds"
        if shared
        else "kernels fitted on each training fold"
    )
    return (
        f"MiniRocket ({n_kernels} kernels; {transform}) + standardised ridge, its exact leave-one-out decision values "
        f"calibrated by a multinomial logistic regression inside each training fold; {folds}-fold "
        f"{'group-aware ' if grouped else ''}CV, averaged over {seeds} seed(s)"
    )
