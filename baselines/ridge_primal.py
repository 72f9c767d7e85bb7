"""The primal side (``n > p``) of the ridge engine: the ``p x p`` covariance accumulated over row blocks and
decomposed, and the leave-one-out solve for many label columns (see :class:`baselines.ridge.RidgeLOO`)."""

from __future__ import annotations

import numpy as np

from .balanced import row_weights
from .ridge_algebra import symmetric_eigh, target_means, targets


class PrimalSolve:
    """The primal factorisation and solve of :class:`baselines.ridge.RidgeLOO`, which inherits them.

    Reads the solver's ``rows``, ``n``, ``p``, ``alphas``, ``balanced`` and its penalty choice ``_choose``;
    sets ``offset``, ``V`` and ``eigvals``.
    """

    def _factor_primal(self) -> None:
        from scipy.linalg.blas import dsyr, dsyrk

        p = self.p
        G = np.zeros((p, p), order="F")  # upper triangle of sum (x - shift)(x - shift)'
        total = np.zeros(p)
        shift = None  # the first block's mean: accumulating around it avoids cancellation
        for block in self.rows:
            b = np.asarray(block, dtype=np.float64)
            if shift is None:
                shift = b.mean(axis=0)
            b = b - shift
            total += b.sum(axis=0)
            dsyrk(1.0, b.T, beta=1.0, c=G, trans=0, lower=0, overwrite_c=1)
        delta = total / self.n
        self.offset = shift + delta
        dsyr(-float(self.n), delta, lower=0, a=G, overwrite_a=1)  # centre: minus n * delta delta'
        lam, self.V = symmetric_eigh(G, lower=False)
        del G
        # Only the non-zero part of the spectrum acts (as in the Gram matrix's): the others get an
        # infinite eigenvalue, so 1 / (eig + alpha) = 0 drops them without copying V.
        self.eigvals = np.where(lam > lam.max() * self.n * np.finfo(float).eps, lam, np.inf)

    def _solve_primal(self, labels: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best penalty index per fit, the coefficients ``W`` ``(p, P*m)`` and the target means.

        Leave-one-out residuals per penalty are ``Yc_perp + Z E_a B``: the part of the targets outside the
        features' span plus ``Z diag(a / (lam (lam + a))) B`` inside it, orthogonal parts with no cancellation.
        """
        m = 1 if len(classes) == 2 else len(classes)
        P = labels.shape[1]
        y_offset = target_means(labels, classes)
        # pass 1: X'Yc in eigen-coordinates
        XtY = np.zeros((self.p, P * m))
        start = 0
        for block in self.rows:
            b = np.asarray(block, dtype=np.float64) - self.offset
            Yc = targets(labels[start : start + len(b)], classes)
            Yc -= y_offset
            XtY += b.T @ Yc
            start += len(b)
        B = self.V.T @ XtY
        del XtY
        Dall = 1.0 / (self.eigvals[:, None] + self.alphas[None, :])  # (r, n_alphas); 0 for dropped directions
        Eall = self.alphas[None, :] / (
            self.eigvals[:, None] * (self.eigvals[:, None] + self.alphas[None, :])
        )  # 1/lam - D
        Ball = B / self.eigvals[:, None]  # coordinates of the projection of Yc on the features' span
        counts = np.stack([(labels == k).sum(axis=0) for k in classes], axis=1) if self.balanced else None

        def sse(dtype, fits):
            # pass 2 (and a float64 pass for close fits): leave-one-out residuals, block by block
            cols = slice(None) if fits is None else (fits[:, None] * m + np.arange(m)).ravel()
            Bd = B[:, cols].astype(dtype)
            EB = np.empty_like(Bd)
            out = np.zeros((len(self.alphas), Bd.shape[1]))
            start = 0
            for block in self.rows:
                Z = (np.asarray(block, dtype=np.float64) - self.offset) @ self.V
                lab = labels[start : start + len(Z)]
                Yc = targets(lab if fits is None else lab[:, fits], classes)
                Yc -= y_offset[cols]
                Yc -= Z @ Ball[:, cols]  # outside the span
                Yp, Zd = Yc.astype(dtype, copy=False), Z.astype(dtype)
                # squared inverse of 1 - diag of the hat matrix with intercept, per row and penalty
                w2 = ((1.0 / (1.0 - 1.0 / self.n - (Z**2) @ Dall)) ** 2).astype(dtype)
                wb = None  # the balanced criterion: each row's error divided by its class's count
                if counts is not None:
                    own = lab if fits is None else lab[:, fits]
                    wb = np.repeat(row_weights(own, classes, counts if fits is None else counts[fits]), m, axis=1)
                    wb = wb.astype(dtype)
                R = np.empty_like(Yp)
                for i in range(len(self.alphas)):
                    np.multiply(Eall[:, i : i + 1].astype(dtype), Bd, out=EB)
                    np.matmul(Zd, EB, out=R)
                    R += Yp
                    np.square(R, out=R)
                    if wb is not None:
                        R *= wb
                    out[i] += w2[:, i] @ R
                start += len(Z)
            return out

        best_i = self._choose(sse, P, m)
        Dbest = 1.0 / (self.eigvals[:, None] + self.alphas[best_i][None, :])
        W = self.V @ (B * np.repeat(Dbest, m, axis=1))
        return best_i, W, y_offset
