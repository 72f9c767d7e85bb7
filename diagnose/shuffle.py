"""The label-shuffle (permutation) test: is the cross-validated score better than chance?

Ojala & Garriga (2010), "Permutation tests for studying classifier performance", test 1: the labels
are permuted, the whole cross-validation is run again on every permutation, and
``p = (#{null >= observed} + 1) / (N + 1)``.

Two ways to run it:

- ``"refit"``: any scikit-learn estimator (or baseline name) is cloned and refitted on every fold of
  every permutation (joblib ``n_jobs`` over permutations).
- ``"ridge-fast"``: for MiniRocket + ridge (``model="minirocket"`` or a
  :class:`baselines.minirocket.MiniRocketRidge`), or a ``RidgeClassifierCV`` on a 2-D feature matrix.
  MiniRocket is unsupervised, so each fold's features are computed once; the ridge head is then
  solved for all permutations together from one eigendecomposition of the centred training Gram
  matrix per fold, choosing the penalty per permutation by the same efficient leave-one-out
  criterion as ``RidgeClassifierCV`` (``sklearn.linear_model._ridge._RidgeGCV``, gram mode,
  ``fit_intercept=True``). Each permuted fit is the fit ``RidgeClassifierCV`` would make, so the two
  methods give the same null scores (up to floating-point rounding).

The permutations are ``check_random_state(random_state).permutation(n)``, drawn in order, which is
what :func:`sklearn.model_selection.permutation_test_score` draws for the same ``random_state``. The
folds are made once from the true labels and kept for every permutation (pass the same list of
pairs as ``cv`` to ``permutation_test_score`` to reproduce it).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from diagnose.errors import DataError
from diagnose.results import to_jsonable

SCORE_METRICS = ("balanced_accuracy", "accuracy", "macro_f1")
METHODS = ("auto", "ridge-fast", "refit")
# Working-memory budget of the fast path: n_train x (permutations x label columns) float64 entries
# per batch (about 40 MB per matrix; a handful are alive at once).
_BATCH_ENTRIES = 5_000_000


@dataclass(frozen=True)
class ShuffleResult:
    """Outcome of a label-shuffle test.

    Attributes
    ----------
    model : name of the model tested.
    metric : the score (mean over folds) compared.
    observed : score with the true labels.
    null_scores : one score per permutation, in the order drawn.
    null_mean, null_std : mean and standard deviation (ddof=1) of the null scores.
    p_value : ``(#{null >= observed} + 1) / (N + 1)``; its smallest possible value is ``1 / (N + 1)``.
    n_permutations : N.
    method : ``"ridge-fast"`` or ``"refit"``.
    effect_size : ``(observed - null_mean) / null_std``.
    seconds : wall time of the test.
    """

    model: str
    metric: str
    observed: float
    null_scores: list[float]
    null_mean: float
    null_std: float
    p_value: float
    n_permutations: int
    method: str
    effect_size: float
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return to_jsonable(self)


def p_value(observed: float, null_scores: Sequence[float]) -> float:
    """Permutation p-value ``(#{null >= observed} + 1) / (N + 1)`` (Ojala & Garriga 2010, eq. 1)."""
    null = np.asarray(null_scores, dtype=float)
    return float((np.sum(null >= observed) + 1) / (len(null) + 1))


# ---------------------------------------------------------------------------------------------- metrics
def metric_scores(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, metric: str) -> np.ndarray:
    """Score each column of ``(n, P)`` code arrays; scikit-learn's definitions.

    ``balanced_accuracy``: mean recall over the classes present in ``y_true``; ``macro_f1``: mean F1
    over the classes present in ``y_true`` or ``y_pred`` (``f1_score(average="macro")``, 0 where undefined).
    """
    y_true = np.asarray(y_true).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred).reshape(len(y_pred), -1)
    if metric == "accuracy":
        return (y_true == y_pred).mean(axis=0)
    k = np.arange(n_classes)[:, None, None]
    true_k = y_true[None] == k  # (K, n, P)
    pred_k = y_pred[None] == k
    tp = (true_k & pred_k).sum(axis=1).astype(float)  # (K, P)
    n_true = true_k.sum(axis=1)
    n_pred = pred_k.sum(axis=1)
    if metric == "balanced_accuracy":
        present = n_true > 0
        recall = np.divide(tp, n_true, out=np.zeros_like(tp), where=present)
        return recall.sum(axis=0) / present.sum(axis=0)
    if metric == "macro_f1":
        present = (n_true + n_pred) > 0
        f1 = np.divide(2 * tp, n_true + n_pred, out=np.zeros_like(tp), where=present)
        return f1.sum(axis=0) / present.sum(axis=0)
    raise DataError(f"unknown metric {metric!r}: use one of {', '.join(SCORE_METRICS)}")


# ------------------------------------------------------------------------------------- the ridge solver
class RidgeLOOBatch:
    """``RidgeClassifierCV`` (leave-one-out penalty choice, intercept) solved for many label vectors at once.

    The centred training Gram matrix is eigendecomposed once (scikit-learn's ``_RidgeGCV`` gram mode);
    every label vector is then a right-hand side. When ``n_train > n_features`` the decomposition of
    the covariance matrix gives the non-zero part of the Gram spectrum, the rest has eigenvalue 0.

    Parameters
    ----------
    F_train, F_test : feature matrices (already standardised when the model standardises).
    alphas : penalties, tried in order; the first best wins ties, as in scikit-learn.
    """

    def __init__(self, F_train: np.ndarray, F_test: np.ndarray, alphas: Sequence[float]):
        F_train = np.asarray(F_train, dtype=np.float64)
        F_test = np.asarray(F_test, dtype=np.float64)
        n, p = F_train.shape
        self.n = n
        self.alphas = [float(a) for a in np.atleast_1d(alphas)]
        offset = F_train.mean(axis=0)
        Xc = F_train - offset
        if n <= p:  # _RidgeGCV "gram" mode, as scikit-learn does it
            eigvals, Q = np.linalg.eigh(Xc @ Xc.T)
            self.rest = False
        else:  # the Gram matrix has rank <= p: its non-zero eigenpairs from the covariance matrix
            lam, V = np.linalg.eigh(Xc.T @ Xc)
            keep = lam > lam.max() * n * np.finfo(float).eps
            eigvals = lam[keep]
            Q = (Xc @ V[:, keep]) / np.sqrt(eigvals)
            self.rest = True
        self.Q = Q
        self.eigvals = eigvals
        self.KQ = ((F_test - offset) @ Xc.T) @ Q  # test kernel against the training set, in eigen-coordinates
        QT_ones = Q.T @ np.ones(n)
        # Leave-one-out denominators per alpha: diag(G_a^-1) minus the intercept correction.
        self.diags = []
        for a in self.alphas:
            D = self._D(a)
            d = np.sum(D * Q**2, axis=1)
            g1 = Q @ (D * QT_ones)
            if self.rest:
                d += 1.0 / a
                g1 += 1.0 / a
            d -= g1 / n
            self.diags.append(d)

    def _D(self, a: float) -> np.ndarray:
        D = 1.0 / (self.eigvals + a)
        return D - 1.0 / a if self.rest else D

    def decisions(self, Y: np.ndarray, m: int) -> np.ndarray:
        """Decision values ``(n_test, P, m)`` for ``Y``: ``(n_train, P * m)`` +-1 targets, m columns per fit.

        The penalty is chosen per fit (group of ``m`` columns) by the mean squared leave-one-out error.
        """
        P = Y.shape[1] // m
        y_offset = Y.mean(axis=0)
        Yc = Y - y_offset
        QTY = self.Q.T @ Yc
        best = np.full(P, -np.inf)
        best_i = np.zeros(P, dtype=np.int64)
        for i, a in enumerate(self.alphas):
            D = self._D(a)
            c = self.Q @ (D[:, None] * QTY)
            if self.rest:
                c += Yc / a
            looe = c / self.diags[i][:, None]
            score = -np.mean((looe**2).reshape(self.n, P, m), axis=(0, 2))
            better = score > best
            best[better] = score[better]
            best_i[better] = i
        # On test series the kernel has no component outside the Gram range, so only 1/(eig + a) acts.
        Dbest = 1.0 / (self.eigvals[:, None] + np.asarray(self.alphas)[best_i][None, :])  # (r, P)
        W = QTY * np.repeat(Dbest, m, axis=1)
        return (self.KQ @ W + y_offset).reshape(-1, P, m)

    def predict(self, y_train: np.ndarray, n_classes: int) -> np.ndarray:
        """Predicted codes ``(n_test, P)`` of the ridge classifier fitted on each column of ``y_train`` ``(n, P)``.

        Like ``RidgeClassifierCV``, a fit knows only the classes present in its training labels.
        """
        y_train = np.asarray(y_train)
        P = y_train.shape[1]
        out = np.empty((self.KQ.shape[0], P), dtype=np.int64)
        present = np.stack([(y_train == k).any(axis=0) for k in range(n_classes)], axis=1)  # (P, K)
        full = present.all(axis=1)
        idx = np.flatnonzero(full)
        if len(idx):
            out[:, idx] = self._predict_same(y_train[:, idx], np.arange(n_classes))
        for j in np.flatnonzero(~full):
            out[:, j] = self._predict_same(y_train[:, [j]], np.flatnonzero(present[j]))[:, 0]
        return out

    def _predict_same(self, y_train: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """Predictions for label columns that all hold exactly ``classes`` (LabelBinarizer(-1, 1) targets)."""
        n, P = y_train.shape
        if len(classes) == 1:
            return np.full((self.KQ.shape[0], P), classes[0], dtype=np.int64)
        if len(classes) == 2:
            Y = np.where(y_train == classes[1], 1.0, -1.0)  # (n, P), one column per fit
            dec = self.decisions(Y, 1)[:, :, 0]
            return np.where(dec > 0, classes[1], classes[0])
        m = len(classes)
        Y = np.where(y_train[:, :, None] == classes[None, None, :], 1.0, -1.0).reshape(n, P * m)
        dec = self.decisions(Y, m)
        return classes[np.argmax(dec, axis=2)]


# ---------------------------------------------------------------------------------------------- helpers
def _codes(y: Any) -> tuple[np.ndarray, int]:
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"y must be 1-D, one label per series; got shape {y.shape}")
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"y has only one class ({classes[0]!r}): a shuffle test needs at least two")
    return codes.astype(np.int64), len(classes)


def _group_index(groups: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group index per series and the one label of each group; refuse groups that mix labels."""
    groups = np.asarray(groups)
    if groups.shape != y.shape:
        raise DataError(f"groups must have one id per series ({len(y)}); got shape {groups.shape}")
    names, index = np.unique(groups, return_inverse=True)
    lo = np.full(len(names), np.iinfo(np.int64).max)
    hi = np.full(len(names), -1)
    np.minimum.at(lo, index, y)
    np.maximum.at(hi, index, y)
    mixed = np.flatnonzero(lo != hi)
    if len(mixed):
        shown = ", ".join(repr(str(g)) for g in names[mixed[:5]])
        raise DataError(
            f"{len(mixed)} group(s) hold more than one label ({shown}): the group-level shuffle moves one "
            "label per group; give groups with a single label each, or run without groups"
        )
    return index, lo


def _permutations(y: np.ndarray, groups: tuple[np.ndarray, np.ndarray] | None, n_permutations: int,
                  random_state: Any, batch: int) -> Iterator[np.ndarray]:
    """Permuted label vectors as ``(n, b)`` blocks; the same sequence for the same ``random_state``."""
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    done = 0
    while done < n_permutations:
        b = min(batch, n_permutations - done)
        cols = []
        for _ in range(b):
            if groups is None:
                cols.append(y[rng.permutation(len(y))])
            else:
                index, group_label = groups
                cols.append(group_label[rng.permutation(len(group_label))][index])
        done += b
        yield np.stack(cols, axis=1)


def _resolve_splits(y: np.ndarray, cv: Any, groups: Any, random_state: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        from diagnose.evaluation import make_splits

        seed = random_state if isinstance(random_state, (int, np.integer)) else 0
        return list(make_splits(y, folds=int(cv), groups=groups, seed=int(seed)).pairs)
    pairs = [(np.asarray(tr, np.int64), np.asarray(te, np.int64)) for tr, te in cv]
    if not pairs:
        raise DataError("cv holds no (train, test) pairs: give an int (folds) or a list of index pairs")
    return pairs


def _fast_spec(model: Any, random_state: Any) -> dict | None:
    """How to run the fast path for ``model`` (features, standardise?, alphas), or None when it cannot."""
    from sklearn.linear_model import RidgeClassifierCV

    if isinstance(model, str) and model == "minirocket":
        from baselines.minirocket import MiniRocketRidge

        model = MiniRocketRidge(random_state=random_state)
    if type(model).__name__ == "MiniRocketRidge" and type(model).__module__ == "baselines.minirocket":
        return {"features": model.features(), "scale": True, "alphas": model.ridge().alphas}
    if (type(model) is RidgeClassifierCV and model.cv is None and model.fit_intercept
            and model.class_weight is None and model.scoring is None
            and model.gcv_mode in (None, "auto", "eigen")):
        return {"features": None, "scale": False, "alphas": np.atleast_1d(model.alphas)}
    return None


def _model_name(model: Any) -> str:
    return model if isinstance(model, str) else type(model).__name__


# ------------------------------------------------------------------------------------------- the paths
def _run_fast(X, y, K, pairs, spec, perm_blocks, n_permutations, metric, progress):
    from sklearn.base import clone
    from sklearn.preprocessing import StandardScaler

    X = np.asarray(X)
    observed = np.zeros(len(pairs))
    null = np.zeros((len(pairs), n_permutations))
    units = len(pairs) * n_permutations
    for f, (tr, te) in enumerate(pairs):
        if spec["features"] is not None:
            featurizer = clone(spec["features"]).fit(X[tr])
            F_train, F_test = featurizer.transform(X[tr]), featurizer.transform(X[te])
        else:
            if X.ndim != 2:
                raise DataError(f"RidgeClassifierCV needs a 2-D feature matrix; got X of shape {X.shape}")
            F_train, F_test = X[tr], X[te]
        if spec["scale"]:
            scaler = StandardScaler().fit(F_train)
            F_train, F_test = scaler.transform(F_train), scaler.transform(F_test)
        solver = RidgeLOOBatch(F_train, F_test, spec["alphas"])
        observed[f] = metric_scores(y[te], solver.predict(y[tr, None], K), K, metric)[0]
        done = 0
        for block in perm_blocks():
            pred = solver.predict(block[tr], K)
            null[f, done:done + block.shape[1]] = metric_scores(block[te], pred, K, metric)
            done += block.shape[1]
            if progress is not None:
                progress(int(round(n_permutations * (f * n_permutations + done) / units)), n_permutations)
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


def shuffle_test(X: Any, y: Any, *, model: Any = "minirocket", n_permutations: int = 1000, cv: Any = 5,
                 groups: Any = None, metric: str = "balanced_accuracy", random_state: Any = 0, n_jobs: int = 1,
                 progress: Callable[[int, int], None] | None = None, method: str = "auto") -> ShuffleResult:
    """Label-shuffle test: does ``model`` score better with the true labels than with permuted ones?

    Parameters
    ----------
    X : series ``(n, T, C)`` for baseline names and MiniRocket; any shape the estimator takes otherwise.
    y : labels, one per series.
    model : a baseline name (``baselines.available()``) or any scikit-learn classifier.
    n_permutations : N; the smallest reachable p-value is ``1 / (N + 1)``.
    cv : number of stratified folds (``diagnose.evaluation.make_splits(y, folds=cv, groups=groups,
        seed=random_state)``), or a :class:`~diagnose.evaluation.Splits` / list of ``(train, test)``
        index pairs; the same folds serve every permutation.
    groups : optional group id per series; labels are then permuted between groups (each group's label
        moves as a block) and the folds keep groups whole. Every group must hold one label.
    metric : ``"balanced_accuracy"``, ``"accuracy"`` or ``"macro_f1"``; the mean over folds is compared.
    random_state : seed of the permutations (``sklearn.utils.check_random_state(random_state)
        .permutation(n)``, the draws of ``permutation_test_score``), of the folds and of the baseline.
    n_jobs : parallel refits (refit path only).
    progress : optional ``progress(done, total)`` callback, counted in permutations.
    method : ``"auto"`` (fast when the model allows it), ``"ridge-fast"`` or ``"refit"``.

    Returns
    -------
    ShuffleResult

    Raises
    ------
    DataError
        On an unknown metric, fewer than one permutation, a group that holds two labels, or a class
        too small for ``cv`` folds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import RidgeClassifierCV
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 30)
    >>> X = rng.standard_normal((60, 5)) + y[:, None]
    >>> r = shuffle_test(X, y, model=RidgeClassifierCV(), n_permutations=99)
    >>> r.method, r.p_value
    ('ridge-fast', 0.01)
    """
    start = time.perf_counter()
    if metric not in SCORE_METRICS:
        raise DataError(f"unknown metric {metric!r}: use one of {', '.join(SCORE_METRICS)}")
    if method not in METHODS:
        raise DataError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    if int(n_permutations) != n_permutations or n_permutations < 1:
        raise DataError(f"n_permutations must be a positive integer; got {n_permutations!r}: use 1000 (or 99 for a quick look)")
    n_permutations = int(n_permutations)
    y, K = _codes(y)
    if len(X) != len(y):
        raise DataError(f"X has {len(X)} series but y has {len(y)} labels: they must match")
    group_info = None if groups is None else _group_index(groups, y)
    pairs = _resolve_splits(y, cv, groups, random_state)

    spec = None if method == "refit" else _fast_spec(model, random_state)
    if method == "ridge-fast" and spec is None:
        raise DataError(f"method 'ridge-fast' needs MiniRocket + ridge or RidgeClassifierCV; got {_model_name(model)}: use method='refit'")

    if spec is not None:
        n_train = max(len(tr) for tr, _ in pairs)
        batch = max(1, _BATCH_ENTRIES // (n_train * max(K, 1)))
        blocks = lambda: _permutations(y, group_info, n_permutations, random_state, batch)  # noqa: E731
        observed, null = _run_fast(X, y, K, pairs, spec, blocks, n_permutations, metric, progress)
        used = "ridge-fast"
    else:
        estimator = model
        if isinstance(model, str):
            import baselines

            estimator = baselines.make(model, random_state=random_state)
        blocks = lambda: _permutations(y, group_info, n_permutations, random_state, 256)  # noqa: E731
        observed, null = _run_refit(X, y, K, estimator, pairs, blocks, n_permutations, metric, n_jobs, progress)
        used = "refit"

    null_mean = float(np.mean(null))
    null_std = float(np.std(null, ddof=1)) if len(null) > 1 else 0.0
    effect = (observed - null_mean) / null_std if null_std > 0 else (math.inf if observed > null_mean else math.nan)
    return ShuffleResult(
        model=_model_name(model), metric=metric, observed=float(observed),
        null_scores=[float(v) for v in null], null_mean=null_mean, null_std=null_std,
        p_value=p_value(observed, null), n_permutations=n_permutations, method=used,
        effect_size=float(effect), seconds=round(time.perf_counter() - start, 3),
    )
