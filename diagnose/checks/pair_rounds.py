"""The class pairs' permutation tests, run round by round with a sequential stop per pair.

Every pair of classes is its own two-class test (Benjamini-Hochberg then works on the pairs' p-values),
so each pair stops by itself (Besag & Clifford 1991, :class:`signal_diagnostics.evaluation.exchange.SequentialP`):
after each round of permutations, a pair whose null balanced accuracy has reached its observed one ``h``
times is done (``p = h / l``), and later rounds solve only the pairs still open. Each round refits the
pairs' ridge heads on every fold; the MiniRocket features of a fold are label-free, so they are fitted
on the fold's training series (of all classes) once and shared by every pair, and held across rounds
when they fit in :data:`HOLD_BYTES`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from signal_diagnostics.checks.shuffle_rounds import round_ends
from signal_diagnostics.evaluation.exchange import SequentialP, permutation_p, tie_jitter
from signal_diagnostics.evaluation.metrics import metric_scores

# Fold features (float32, training and test series of every fold) held across rounds up to this size.
HOLD_BYTES = 1 << 28


class PairRounds:
    """Observed and null pooled out-of-fold balanced accuracy of every pair, with each pair's p-value.

    ``columns[pair]``: the pair's labels, column 0 the real ones, then the permutations in order;
    ``members[pair]``: the pair's series. After :meth:`run`: ``observed``, ``null`` (the draws each
    pair's p rests on), ``p``, ``drawn`` and ``real_pred`` (out-of-fold predictions of the real labels)
    per pair.
    """

    def __init__(self, X, y, splits, pair_list, members, columns, n_kernels: int, random_state: int, u: float):
        self.X, self.y, self.splits, self.pair_list = X, y, splits, pair_list
        self.members, self.columns, self.n_kernels, self.random_state, self.u = (
            members, columns, n_kernels, random_state, u
        )  # fmt: skip
        self.n = columns[pair_list[0]].shape[1] - 1 if pair_list else 0
        self.held: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.hold = len(splits) * len(y) * n_kernels * 4 <= HOLD_BYTES  # every fold holds all n series

    def _features(self, f: int, tr, te) -> tuple[np.ndarray, np.ndarray]:
        from signal_diagnostics.baselines.minirocket import MiniRocketFeatures, standardised_rows

        if f in self.held:
            return self.held[f]
        feats = MiniRocketFeatures(n_kernels=self.n_kernels, random_state=self.random_state).fit(self.X, rows=tr)
        rows, scaler = standardised_rows(feats, self.X, tr)
        test_rows, _ = standardised_rows(feats, self.X, te, scaler=scaler)
        out = (rows.held(), test_rows.held())
        if self.hold:
            self.held[f] = out
        return out

    def _predict(self, open_pairs, a: int, b: int, progress) -> dict:
        """Out-of-fold predictions of columns ``a .. b`` (0 = the real labels) for ``open_pairs``."""
        from signal_diagnostics.baselines.ridge import DEFAULT_ALPHAS, RidgeLOO
        from signal_diagnostics.baselines.rows import FeatureRows

        preds = {pair: np.full((len(self.members[pair]), b - a), -1, dtype=np.int64) for pair in open_pairs}
        for f, (tr, te) in enumerate(self.splits):
            F_train, F_test = self._features(f, tr, te)
            pos_tr = np.full(len(self.y), -1)
            pos_tr[tr] = np.arange(len(tr))
            pos_te = np.full(len(self.y), -1)
            pos_te[te] = np.arange(len(te))
            for pair in open_pairs:
                idx = self.members[pair]
                in_tr, in_te = pos_tr[idx] >= 0, pos_te[idx] >= 0
                if not in_te.any():
                    continue
                solver = RidgeLOO(
                    FeatureRows.of(F_train[pos_tr[idx[in_tr]]]),
                    DEFAULT_ALPHAS,
                    test=FeatureRows.of(F_test[pos_te[idx[in_te]]]),
                    class_weight="balanced",  # scored by balanced accuracy: unequal pairs must not favour the larger
                )
                preds[pair][in_te] = solver.predict(self.columns[pair][in_tr, a:b], 2)
            if progress is not None:
                progress(f + 1, len(self.splits))
        return preds

    def run(self, h: int | None, progress=None) -> PairRounds:
        self.observed, self.p, self.drawn, self.real_pred = {}, {}, {}, {}
        nulls: dict[Any, list[np.ndarray]] = {pair: [] for pair in self.pair_list}
        seqs: dict[Any, SequentialP] = {}
        open_pairs, start = list(self.pair_list), 0
        for stop in round_ends(self.n, h, fast=True):
            a = 0 if start == 0 else start + 1  # column 0 (the real labels) comes with the first round
            preds = self._predict(open_pairs, a, stop + 1, progress)
            for k, pair in enumerate(self.pair_list):
                if pair not in preds:
                    continue
                scores = metric_scores(self.columns[pair][:, a : stop + 1], preds[pair], 2, "balanced_accuracy")
                if a == 0:
                    self.observed[pair], scores = float(scores[0]), scores[1:]
                    self.real_pred[pair] = preds[pair][:, 0].copy()
                    jitter = tie_jitter(self.random_state, k)
                    seqs[pair] = SequentialP(self.observed[pair], self.n, h, self.u, jitter, tol=1e-12)
                nulls[pair].append(scores)
                seqs[pair].update(scores)
            open_pairs = [pair for pair in open_pairs if not seqs[pair].done]
            start = stop
            if not open_pairs:
                break
        self.null = {}
        for pair in self.pair_list:
            seq = seqs[pair]
            self.null[pair] = np.concatenate(nulls[pair])[: seq.drawn]
            fixed = not h or h > self.n
            self.p[pair] = permutation_p(self.observed[pair], self.null[pair], self.u, tol=1e-12) if fixed else seq.p
            self.drawn[pair] = seq.drawn
        return self
