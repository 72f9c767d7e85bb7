"""How the label-shuffle test runs one head on every permutation (:mod:`signal_diagnostics.checks.shuffle`).

Two ways to run a head:

- ``"refit"``: any scikit-learn estimator (or baseline name) is cloned and refitted on every fold of
  every permutation (joblib ``n_jobs`` over permutations).
- ``"ridge-fast"``: for MiniRocket + ridge (``"minirocket"``), the feature ridge heads
  (``"summary_ridge"``, ``"raw_ridge"``: :class:`baselines.feature_ridge.FeatureRidge`), or a
  ``RidgeClassifierCV`` on a 2-D feature matrix. The features are label-free, so each fold's features
  are computed once; the ridge head (:class:`baselines.ridge.RidgeLOO`) is then solved for all
  permutations together from one eigendecomposition per fold (of the centred ``n x n`` Gram matrix when
  the training fold has at most as many series as features, else of the ``p x p`` covariance
  accumulated over row blocks), choosing the penalty per permutation by the same efficient
  leave-one-out criterion as ``RidgeClassifierCV`` (``sklearn.linear_model._ridge._RidgeGCV``,
  ``fit_intercept=True``). Each permuted fit is the fit the head's own ``fit`` would make (for an
  unweighted head, ``RidgeClassifierCV``'s), so the two methods give the same null scores (up to
  floating-point rounding). Heads given by name are fitted for the metric
  (:func:`signal_diagnostics.evaluation.metrics.class_weight_for`: balanced for balanced accuracy). On large folds MiniRocket's
  features are not held but recomputed block by block, so memory does not grow with the number of series.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from signal_diagnostics.baselines import tagged
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.metrics import class_weight_for, metric_scores

METHODS = ("auto", "ridge-fast", "refit")

# Test-fold features are held only up to this size (float32); larger ones are recomputed on the one
# pass that reads them, so the fast path's memory does not grow with the test fold.
_TEST_CACHE_BYTES = 1 << 27


def _fast_spec(model: Any, random_state: Any, class_weight: str | None = "balanced") -> dict | None:
    """How to run the fast path for ``model``, or None when it cannot.

    ``{"kind": "minirocket", "features", "alphas", "class_weight"}`` for MiniRocket + ridge (features
    fitted per fold), ``{"kind": "fixed", ...}`` for a :class:`baselines.feature_ridge.FeatureRidge`
    (label-free per-series features, computed once) and ``{"kind": "matrix", ...}`` for an unweighted
    ``RidgeClassifierCV`` on a 2-D feature matrix. A name is built with ``class_weight``; an estimator
    keeps its own.
    """
    from sklearn.linear_model import RidgeClassifierCV

    from signal_diagnostics import baselines
    from signal_diagnostics.baselines.feature_ridge import FeatureRidge
    from signal_diagnostics.baselines.minirocket import MiniRocketRidge

    if isinstance(model, str):
        if not baselines.has_tag(model, "ridge_fast"):
            return None
        model = baselines.make(model, random_state=random_state, class_weight=class_weight)
    if isinstance(model, MiniRocketRidge):
        return {
            "kind": "minirocket",
            "features": model.features(),
            "alphas": model.penalties(),
            "class_weight": model.class_weight,
        }
    if isinstance(model, FeatureRidge):
        return {"kind": "fixed", "features": model, "alphas": model.penalties(), "class_weight": model.class_weight}
    if (
        type(model) is RidgeClassifierCV
        and model.cv is None
        and model.fit_intercept
        and model.class_weight is None
        and model.scoring is None
        and model.gcv_mode in (None, "auto", "eigen")
    ):
        return {"kind": "matrix", "alphas": np.atleast_1d(model.alphas), "class_weight": None}
    return None


def model_name(model: Any) -> str:
    return model if isinstance(model, str) else type(model).__name__


# ------------------------------------------------------------------------------------------- the paths
def _fold_solver(X, tr, te, spec, fixed=None):
    """The ridge solver of one fold: features of its training and test series, decomposed once.

    ``fixed`` holds the label-free features of every series for a ``"fixed"`` spec (computed once).
    """
    from sklearn.base import clone

    from signal_diagnostics.baselines.feature_ridge import impute, impute_means
    from signal_diagnostics.baselines.minirocket import standardised_rows
    from signal_diagnostics.baselines.ridge import RidgeLOO
    from signal_diagnostics.baselines.rows import FeatureRows, fit_scaler

    if spec["kind"] == "minirocket":
        featurizer = clone(spec["features"]).fit(X, rows=tr)  # no copy of the training series first
        train, scaler = standardised_rows(featurizer, X, tr)
        test, _ = standardised_rows(featurizer, X, te, scaler=scaler, cache_bytes=_TEST_CACHE_BYTES)
    elif spec["kind"] == "fixed":
        means = impute_means(fixed[tr])
        F = impute(fixed[tr], means)
        scaler = fit_scaler(F)  # the fit of FeatureRidge.fit (RidgeHead), on the training rows only
        train = FeatureRows.of(scaler.transform(F, copy=False))
        test = FeatureRows.of(scaler.transform(impute(fixed[te], means), copy=False))
    else:
        if np.ndim(X) != 2:
            raise DataError(f"RidgeClassifierCV needs a 2-D feature matrix; got X of shape {np.shape(X)}")
        train, test = FeatureRows.of(np.asarray(X[tr])), FeatureRows.of(np.asarray(X[te]))
    return RidgeLOO(train, spec["alphas"], test=test, class_weight=spec["class_weight"])


def _columns(first: np.ndarray, blocks: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """``first`` (n, 1) then the permutation blocks, regrouped into ``(n, <= size)`` arrays."""
    pending, count = [first], first.shape[1]
    for block in blocks:
        pending.append(block)
        count += block.shape[1]
        while count >= size:
            joined = np.concatenate(pending, axis=1)
            yield joined[:, :size]
            pending, count = [joined[:, size:]], joined.shape[1] - size
    if count:
        yield np.concatenate(pending, axis=1)


def _run_fast(X, y, K, pairs, spec, perm_blocks, n_permutations, metric, progress):
    X = X if isinstance(X, np.ndarray) else np.asarray(X)  # a memory map stays one
    fixed = spec["features"].ridge_features(X) if spec["kind"] == "fixed" else None
    observed = np.zeros(len(pairs))
    null = np.zeros((len(pairs), n_permutations))
    units = len(pairs) * n_permutations
    for f, (tr, te) in enumerate(pairs):
        solver = _fold_solver(X, tr, te, spec, fixed)
        size = max(2, solver.max_columns() // (1 if K == 2 else K))
        done = -1  # column 0 of the first group holds the true labels
        for labels in _columns(y[:, None], perm_blocks(), size):
            scores = metric_scores(labels[te], solver.predict(labels[tr], K), K, metric)
            if done < 0:
                observed[f], scores = scores[0], scores[1:]
                done = 0
            null[f, done : done + len(scores)] = scores
            done += len(scores)
            if progress is not None:
                progress(int(round(n_permutations * (f * n_permutations + done) / units)), n_permutations)
        del solver
    return float(observed.mean()), null.mean(axis=0)


def _refit_score(model, X, y, pairs, K, metric) -> float:
    from sklearn.base import clone

    scores = []
    for tr, te in pairs:
        est = clone(model).fit(X[tr], y[tr])
        scores.append(metric_scores(y[te], np.asarray(est.predict(X[te])), K, metric)[0])
    return float(np.mean(scores))


def _run_refit(X, y, K, model, pairs, perm_blocks, n_permutations, metric, n_jobs, progress):
    from joblib import Parallel, delayed

    X = np.asarray(X)
    observed = _refit_score(model, X, y, pairs, K, metric)
    columns = (block[:, j] for block in perm_blocks() for j in range(block.shape[1]))
    jobs = (delayed(_refit_score)(model, X, yp, pairs, K, metric) for yp in columns)
    null = []
    for score in Parallel(n_jobs=n_jobs, return_as="generator")(jobs):
        null.append(score)
        if progress is not None:
            progress(len(null), n_permutations)
    return observed, np.asarray(null)


def path_of(model: Any, method: str, random_state: Any, metric: str) -> str:
    """The path :func:`run_head` takes for ``model``: ``"ridge-fast"`` or ``"refit"``."""
    if method == "refit":
        return "refit"
    return "refit" if _fast_spec(model, random_state, class_weight_for(metric)) is None else "ridge-fast"


def run_head(X, y, K, model, pairs, blocks, n_permutations, metric, random_state, method, n_jobs, progress):
    """Observed score, null scores and path of one head, on the shared permutation sequence."""
    class_weight = class_weight_for(metric)  # how a head given by name is fitted
    spec = None if method == "refit" else _fast_spec(model, random_state, class_weight)
    if method == "ridge-fast" and spec is None:
        raise DataError(
            f"method 'ridge-fast' needs MiniRocket + ridge, a feature ridge head ({', '.join(tagged('ridge_fast'))}) "
            f"or RidgeClassifierCV; got {model_name(model)}: use method='refit'"
        )
    if spec is not None:
        return (*_run_fast(X, y, K, pairs, spec, blocks, n_permutations, metric, progress), "ridge-fast")
    estimator = model
    if isinstance(model, str):
        from signal_diagnostics import baselines

        if model not in baselines.available():
            raise DataError(
                f"unknown model {model!r} for the shuffle test: use one of {', '.join(baselines.available())}"
            )
        estimator = baselines.make(model, random_state=random_state, class_weight=class_weight)
    return (*_run_refit(X, y, K, estimator, pairs, blocks, n_permutations, metric, n_jobs, progress), "refit")
