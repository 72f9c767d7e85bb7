"""The shared ridge engine: leave-one-out ridge regression solved for many label columns at once.

:class:`RidgeLOO` makes the fit of scikit-learn's ``RidgeClassifierCV`` (``_RidgeGCV``, efficient
leave-one-out penalty choice) for every label column from one decomposition, with memory bounded in the
number of series: feature rows are read as blocks (:class:`FeatureRows`), held or recomputed. It is the
head of MiniRocket, MultiRocket and the feature ridges (``baselines.feature_ridge``), the fast path of the
label-shuffle test (``signal_diagnostics.checks.shuffle``), the learning curve and the ceiling.
:class:`RidgeHead` is ``StandardScaler`` + that ridge on a feature matrix.

Balanced fitting (``class_weight="balanced"``, the default: the toolkit scores balanced accuracy) keeps
the unweighted ridge on the +-1 targets, so one decomposition still serves every label column and the
leave-one-out solve stays exact, and changes two things. (1) The decision rule: the fitted value
``d_k`` estimates ``2 P(k|x) - 1`` and ``prior_k = (1 + mean_k) / 2`` is the training class share, so the
rule optimal for balanced accuracy, ``argmax_k P(k|x) / prior_k``, is ``argmax_k (d_k - mean_k) / (1 +
mean_k)``; with two classes, ``d > mean`` (:func:`baselines.balanced.balanced_decisions`). The priors are each label
column's own (a permuted column's training fold has its own class counts). (2) The penalty: the
leave-one-out squared errors are weighted ``1 / n_k`` per row of class ``k``, so each class counts
equally in the choice. A class-weighted solve would need one decomposition per permutation (the row
weights move with the labels). ``class_weight=None`` gives scikit-learn's unweighted fit and rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .balanced import balanced_decisions, check_class_weight, row_weights
from .ridge_algebra import first_best, symmetric_eigh, target_means, targets
from .ridge_primal import PrimalSolve
from .rows import ROW_BLOCK, FeatureRows, fit_scaler

__all__ = ["COLUMN_ENTRIES", "DEFAULT_ALPHAS", "SCREEN_GAP", "RidgeHead", "RidgeLOO", "target_means", "targets"]

# The ridge penalties searched by leave-one-out CV: the grid of the MiniRocket paper and of
# aeon's MiniRocketClassifier (np.logspace(-3, 3, 10)).
DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 10))
# Working memory of the label columns solved together: n_train x columns float64 entries in the dual,
# n_features x columns in the primal (W, B and X'Y, 67 MB each at 8M entries; 200 permutations of 3
# classes on 9,996 features fit in one group, so the rows are read once for all of them).
COLUMN_ENTRIES = 1 << 23
# The penalty is chosen from leave-one-out errors computed in float32; a fit whose two best penalties'
# errors are this close (relative) is scored again in float64. Float32's error there is ~1e-6.
SCREEN_GAP = 1e-3


# -------------------------------------------------------------------------------- the ridge solver
class RidgeLOO(PrimalSolve):
    """Ridge regression with intercept and leave-one-out penalty choice, solved for many label columns.

    Every fit is the one scikit-learn's ``RidgeClassifierCV(alphas)`` makes (``_RidgeGCV``,
    ``fit_intercept=True``): +-1 targets, the penalty with the smallest mean squared leave-one-out error,
    the first one on ties. The training features are decomposed once; every label column is then a
    right-hand side, with its own penalty choice.

    - ``n <= p`` (dual, scikit-learn's "gram" mode): eigendecomposition of the centred ``n x n`` Gram
      matrix, built block by block from the held float32 features.
    - ``n > p`` (primal, :class:`~baselines.ridge_primal.PrimalSolve`): the centred ``p x p`` covariance is accumulated over row blocks (BLAS
      ``syrk`` in place) and decomposed; the leave-one-out residuals ``r_i / (1 - 1/n - h_i)``, with
      ``h_i`` the hat-matrix diagonal of the centred features, are computed block by block. Memory:
      two ``p x p`` matrices and one block, whatever ``n``; the rows may be recomputed on each pass.

    The leave-one-out errors of all penalties are computed in float32 and a fit whose two best penalties
    come within :data:`SCREEN_GAP` is scored again in float64 (:meth:`_choose`), so the penalty chosen is
    float64's; coefficients and decisions are float64.

    Parameters
    ----------
    rows : the training features (already standardised when the model standardises).
    alphas : penalties, tried in order.
    test : features of the series to predict (needed by :meth:`decisions` and :meth:`predict`).
    class_weight : ``"balanced"`` (the decision rule and penalty choice of balanced accuracy, see the
        module docstring) or ``None`` (scikit-learn's fit for plain accuracy).
    """

    def __init__(
        self,
        rows: FeatureRows,
        alphas: Sequence[float],
        test: FeatureRows | None = None,
        class_weight: str | None = "balanced",
    ):
        self.rows = rows
        self.test = test
        self.balanced = check_class_weight(class_weight) == "balanced"
        self.alphas = np.asarray([float(a) for a in np.atleast_1d(alphas)])
        self.n, self.p = rows.n_rows, rows.n_features
        self.dual = self.n <= self.p
        if self.dual:
            self._factor_dual()
        else:
            self._factor_primal()

    # ------------------------------------------------------------------ factorisations
    def _factor_dual(self) -> None:
        F = self.rows.held()
        n = self.n
        self.F = F
        self.offset = F.mean(axis=0, dtype=np.float64)
        G = np.empty((n, n), order="F")  # lower triangle of the centred Gram matrix, block by block
        blocks = [(i, min(i + ROW_BLOCK, n)) for i in range(0, n, ROW_BLOCK)]
        for a, (i0, i1) in enumerate(blocks):
            Xi = self._centred(i0, i1)
            for j0, j1 in blocks[: a + 1]:
                G[i0:i1, j0:j1] = Xi @ (Xi if j0 == i0 else self._centred(j0, j1)).T
        self.eigvals, self.Q = symmetric_eigh(G, lower=True)
        del G
        Q = self.Q
        # Leave-one-out denominators per alpha: diag(G_a^-1) minus the intercept part, row block by row block.
        D = 1.0 / (self.eigvals[:, None] + self.alphas[None, :])  # (n, n_alphas)
        g1 = Q @ (D * (Q.T @ np.ones(n))[:, None])
        diags = np.empty((n, len(self.alphas)))
        for i0, i1 in blocks:
            diags[i0:i1] = (Q[i0:i1] ** 2) @ D - g1[i0:i1] / n
        self.diags = [diags[:, i].copy() for i in range(len(self.alphas))]
        if self.test is not None:  # test kernel against the training set, in eigen-coordinates
            KQ = np.empty((self.test.n_rows, n))
            start = 0
            for block in self.test:
                tb = np.asarray(block, dtype=np.float64) - self.offset
                Kb = np.empty((len(tb), n))
                for j0, j1 in blocks:
                    Kb[:, j0:j1] = tb @ self._centred(j0, j1).T
                KQ[start : start + len(tb)] = Kb @ Q
                start += len(tb)
            self.KQ = KQ

    def _centred(self, i0: int, i1: int) -> np.ndarray:
        return np.asarray(self.F[i0:i1], dtype=np.float64) - self.offset

    # ------------------------------------------------------------------ solving
    def max_columns(self) -> int:
        """Target columns per call that keep the working memory near :data:`COLUMN_ENTRIES` entries."""
        return max(1, COLUMN_ENTRIES // (self.n if self.dual else self.p))

    def _choose(self, sse: Callable[[type, np.ndarray | None], np.ndarray], P: int, m: int) -> np.ndarray:
        """Best penalty index per fit from ``sse(dtype, fits)``, the ``(n_alphas, len(fits) * m)`` LOO errors.

        Screened in float32 (twice BLAS's float64 speed); a fit whose two best penalties are within
        :data:`SCREEN_GAP` of each other is scored again in float64, so every choice is float64's
        (the float32 errors are ~1e-6 relative: both solves sum orthogonal parts, without cancellation).
        """
        if len(self.alphas) == 1:
            return np.zeros(P, dtype=np.int64)
        A = len(self.alphas)
        score = sse(np.float32, None).reshape(A, P, m).sum(axis=2)
        low = np.sort(score, axis=0)
        close = np.flatnonzero(low[1] - low[0] <= SCREEN_GAP * low[0])
        if len(close):
            score[:, close] = sse(np.float64, close).reshape(A, len(close), m).sum(axis=2)
        return first_best(-score)

    def _weights(self, labels: np.ndarray, classes: np.ndarray, m: int) -> np.ndarray | None:
        """Per-row weights of the leave-one-out errors ``(n, P * m)``: ``1 / n_k`` when balanced, else None."""
        return np.repeat(row_weights(labels, classes), m, axis=1) if self.balanced else None

    def _solve_dual(
        self, Y: np.ndarray, m: int, rw: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best penalty index per fit, ``D_best * Q'Yc`` and the target means; ``rw`` weights the LOO errors."""
        P = Y.shape[1] // m
        y_offset = Y.mean(axis=0)
        QTY = self.Q.T @ (Y - y_offset)  # the caller's targets stay as given
        weights = [1.0 / d**2 for d in self.diags]

        def sse(dtype, fits):
            cols = slice(None) if fits is None else (fits[:, None] * m + np.arange(m)).ravel()
            Qd, QTYd = self.Q.astype(dtype), QTY[:, cols].astype(dtype)
            Qa, c = np.empty_like(Qd), np.empty_like(QTYd)
            out = np.empty((len(self.alphas), QTYd.shape[1]))
            for i, a in enumerate(self.alphas):
                np.multiply(Qd, (1.0 / (self.eigvals + a)).astype(dtype)[None, :], out=Qa)
                np.matmul(Qa, QTYd, out=c)  # G_a^-1 Yc; its norm is that of D_a Q'Yc (Q orthogonal)
                np.square(c, out=c)
                if rw is not None:
                    c *= rw[:, cols].astype(dtype)
                out[i] = weights[i].astype(dtype) @ c  # leave-one-out errors c / diag, squared and summed
            return out

        best_i = self._choose(sse, P, m)
        Dbest = 1.0 / (self.eigvals[:, None] + self.alphas[best_i][None, :])  # (r, P)
        return best_i, QTY * np.repeat(Dbest, m, axis=1), y_offset

    def decisions(self, labels: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decision values ``(n_test, P, m)`` and chosen penalty indices ``(P,)`` for label columns ``(n, P)``.

        Every column must hold exactly ``classes`` (at least two); ``m`` is 1 for two classes. When
        balanced, the values are those of the balanced rule (:func:`balanced_decisions`): the prediction is
        still ``argmax`` (or ``> 0`` for two classes).
        """
        if self.test is None:
            raise ValueError("RidgeLOO was built without test rows: pass test= to predict")
        classes = np.asarray(classes)
        m = 1 if len(classes) == 2 else len(classes)
        P = labels.shape[1]
        if self.dual:
            best_i, DQTY, y_offset = self._solve_dual(targets(labels, classes), m, self._weights(labels, classes, m))
            out = self.KQ @ DQTY + y_offset
        else:
            best_i, W, y_offset = self._solve_primal(labels, classes)
            out = np.empty((self.test.n_rows, P * m))
            start = 0
            for block in self.test:
                out[start : start + len(block)] = (np.asarray(block, dtype=np.float64) - self.offset) @ W + y_offset
                start += len(block)
        if self.balanced:
            out = balanced_decisions(out, y_offset, m)
        return out.reshape(-1, P, m), best_i

    def loo_decisions(self, labels: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out decision values ``(n, m)`` on the training rows and decisions ``(n_test, m)`` for one label column.

        The leave-one-out value of row ``i`` is the fit without row ``i`` at the penalty leave-one-out CV chose,
        ``y_i - r_i / (1 - h_i)`` (the identity ``RidgeClassifierCV`` chooses the penalty by). ``labels`` is
        ``(n,)`` or ``(n, 1)`` and holds exactly ``classes``; ``m`` is 1 for two classes. When balanced,
        row ``i``'s value is the balanced rule with the priors of the training rows without ``i`` (those of
        the refit), so it equals the refit's decision exactly.
        """
        classes = np.asarray(classes)
        labels = np.asarray(labels).reshape(-1, 1)
        m = 1 if len(classes) == 2 else len(classes)
        Y = targets(labels, classes)  # (n, m) +-1
        test = self.decisions(labels, classes)[0][:, 0, :]
        if self.dual:
            best_i, DQTY, _ = self._solve_dual(Y, m, self._weights(labels, classes, m))
            loo = Y - (self.Q @ DQTY) / self.diags[int(best_i[0])][:, None]  # c = G_a^-1 Yc
        else:
            best_i, W, y_offset = self._solve_primal(labels, classes)
            d = 1.0 / (self.eigvals + self.alphas[int(best_i[0])])
            loo, start = np.empty_like(Y), 0
            for block in self.rows:
                Bc = np.asarray(block, dtype=np.float64) - self.offset
                h = 1.0 / self.n + ((Bc @ self.V) ** 2) @ d
                yb = Y[start : start + len(Bc)]
                loo[start : start + len(Bc)] = yb - (yb - (Bc @ W + y_offset)) / (1.0 - h)[:, None]
                start += len(Bc)
        if self.balanced:  # the target means without row i: those of its refit
            loo = balanced_decisions(loo, (Y.sum(axis=0) - Y) / (self.n - 1), m)
        return loo, test

    def coef(self, labels: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Coefficients ``(P*m, p)``, intercepts ``(P*m,)`` and penalty indices ``(P,)`` of the fits.

        When balanced, ``X @ coef.T + intercept`` gives the balanced rule's decisions (:func:`balanced_decisions`).
        """
        classes = np.asarray(classes)
        m = 1 if len(classes) == 2 else len(classes)
        if self.dual:
            best_i, DQTY, y_offset = self._solve_dual(targets(labels, classes), m, self._weights(labels, classes, m))
            U = self.Q @ DQTY  # G_best^-1 Yc
            W = np.zeros((self.p, U.shape[1]))
            for i0 in range(0, self.n, ROW_BLOCK):
                W += self._centred(i0, i0 + ROW_BLOCK).T @ U[i0 : i0 + ROW_BLOCK]
        else:
            best_i, W, y_offset = self._solve_primal(labels, classes)
        if self.balanced:  # (x - offset) @ W / (1 + mean) for K > 2; (x - offset) @ W for two classes
            W = W / (1.0 + y_offset) if m > 1 else W
            return W.T, -(self.offset @ W), best_i
        return W.T, y_offset - self.offset @ W, best_i

    def predict(self, labels: np.ndarray, n_classes: int) -> np.ndarray:
        """Predicted codes ``(n_test, P)`` of the ridge classifier fitted on each column of ``labels`` ``(n, P)``.

        Like ``RidgeClassifierCV``, a fit knows only the classes present in its training labels; columns
        with the same classes are solved together, at most :meth:`max_columns` at a time.
        """
        labels = np.asarray(labels)
        P = labels.shape[1]
        out = np.empty((self.test.n_rows, P), dtype=np.int64)
        present = np.stack([(labels == k).any(axis=0) for k in range(n_classes)], axis=1)  # (P, K)
        sets, which = np.unique(present, axis=0, return_inverse=True)
        for s, mask in enumerate(sets):
            classes = np.flatnonzero(mask)
            cols = np.flatnonzero(np.ravel(which) == s)
            if len(classes) == 1:
                out[:, cols] = classes[0]
                continue
            m = 1 if len(classes) == 2 else len(classes)
            step = max(1, self.max_columns() // m)
            for i in range(0, len(cols), step):
                part = cols[i : i + step]
                dec, _ = self.decisions(labels[:, part], classes)
                out[:, part] = (
                    np.where(dec[:, :, 0] > 0, classes[1], classes[0]) if m == 1 else classes[np.argmax(dec, axis=2)]
                )
        return out


# ------------------------------------------------------------------------------------ the classifiers
class RidgeHead(ClassifierMixin, BaseEstimator):
    """``StandardScaler`` + ``RidgeClassifierCV`` on a 2-D feature matrix, with :class:`RidgeLOO` as the ridge.

    The head :class:`MiniRocketRidge` puts on its features, for features computed elsewhere (the
    learning curve computes MiniRocket features once). Same fit as
    ``make_pipeline(StandardScaler(), RidgeClassifierCV(alphas))``, with float32 features kept float32
    and the scaler fitted by :func:`fit_scaler`.

    Parameters
    ----------
    alphas : penalties searched; ``None`` means ``np.logspace(-3, 3, 10)``.
    class_weight : ``"balanced"`` (decide and choose the penalty for balanced accuracy, see
        :class:`RidgeLOO`) or ``None`` (exactly ``RidgeClassifierCV``'s fit, for plain accuracy).
    """

    def __init__(self, alphas: Any = None, class_weight: str | None = "balanced"):
        self.alphas = alphas
        self.class_weight = class_weight

    def fit(self, F, y):
        F = np.asarray(F)
        if F.dtype not in (np.float32, np.float64):
            F = F.astype(np.float64)
        y = np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has only one class ({self.classes_[0]!r}): a classifier needs at least two")
        self.scaler_ = fit_scaler(F)
        solver = RidgeLOO(
            FeatureRows.of(self.scaler_.transform(F)),
            DEFAULT_ALPHAS if self.alphas is None else self.alphas,
            class_weight=self.class_weight,
        )
        self.coef_, self.intercept_, best = solver.coef(codes.reshape(-1, 1), np.arange(len(self.classes_)))
        self.alpha_ = float(solver.alphas[best[0]])
        self.n_features_in_ = F.shape[1]
        return self

    def decision_function(self, F) -> np.ndarray:
        F = np.asarray(F)
        dec = np.empty((len(F), len(self.intercept_)))
        for i in range(0, len(F), ROW_BLOCK):
            dec[i : i + ROW_BLOCK] = (
                np.asarray(self.scaler_.transform(F[i : i + ROW_BLOCK]), dtype=np.float64) @ self.coef_.T
                + self.intercept_
            )
        return dec[:, 0] if dec.shape[1] == 1 else dec

    def predict(self, F) -> np.ndarray:
        dec = self.decision_function(F)
        return self.classes_[(dec > 0).astype(int)] if dec.ndim == 1 else self.classes_[np.argmax(dec, axis=1)]
