"""Label permutations that respect groups (subjects, recordings): what may be exchanged under "no signal".

Without groups every series is exchangeable. With groups, series of one group are not independent, so
a permutation moves labels between whole groups when every group holds one label (the group-level
shuffle of :mod:`signal_diagnostics.checks.shuffle`), and within each group when groups hold several labels (each
subject keeps its own mix of classes; Winkler et al. 2014, "Permutation inference for the general
linear model", exchangeability blocks).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Relabeller:
    """Draws permuted copies of integer labels ``y``, respecting ``groups`` when given.

    Parameters
    ----------
    y : integer labels, one per series.
    groups : optional group id per series.

    Attributes
    ----------
    scheme : ``"series"``, ``"between groups"`` or ``"within groups"``.

    Examples
    --------
    >>> import numpy as np
    >>> r = Relabeller(np.array([0, 0, 1, 1]), groups=np.array(["a", "a", "b", "b"]))
    >>> r.scheme, sorted(r.draw(np.random.default_rng(0)).tolist())
    ('between groups', [0, 0, 1, 1])
    """

    def __init__(self, y: Any, groups: Any = None):
        self.y = np.asarray(y)
        self.scheme = "series"
        if groups is None:
            return
        groups = np.asarray(groups)
        if groups.shape != self.y.shape:
            raise ValueError(f"groups must have one id per series ({len(self.y)}); got shape {groups.shape}")
        _, self.index = np.unique(groups, return_inverse=True)
        n_groups = int(self.index.max()) + 1
        first = np.zeros(n_groups, dtype=np.int64)
        first[self.index[::-1]] = np.arange(len(self.y))[::-1]  # first series of each group
        self.group_label = self.y[first]
        if np.all(self.y == self.group_label[self.index]):
            self.scheme = "between groups"
        else:
            self.scheme = "within groups"
            self.members = [np.flatnonzero(self.index == g) for g in range(n_groups)]

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One permuted copy of ``y``."""
        if self.scheme == "series":
            return rng.permutation(self.y)
        if self.scheme == "between groups":
            return rng.permutation(self.group_label)[self.index]
        out = self.y.copy()
        for m in self.members:
            out[m] = self.y[rng.permutation(m)]
        return out


# A fixed tag mixed into the seed of the tie-break draw, so that it is a stream of its own beside the
# permutations drawn from the same seed (numpy SeedSequence entropy; the digits spell "ties").
TIE_STREAM = 0x74696573


def tie_draw(random_state: Any) -> float:
    """The ``U ~ Uniform(0, 1)`` that breaks ties in a test seeded with ``random_state`` (int, None or a RandomState).

    An int gives the same ``U`` every time (``np.random.default_rng((TIE_STREAM, seed))``); a
    ``RandomState`` (or None: numpy's global one) is drawn from once.
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return float(np.random.default_rng((TIE_STREAM, int(random_state))).random())
    from sklearn.utils import check_random_state

    return float(check_random_state(random_state).random_sample())


def permutation_p(observed: float, null: Any, u: float | None = None, tol: float = 0.0) -> float:
    """Permutation p-value ``(B + J) / (N + 1)`` with ties between observed and null statistics broken at random.

    ``B`` null statistics are greater than ``observed`` (by more than ``tol``), ``E`` tie with it (within
    ``tol``) and ``J = 1 + floor(u * (E + 1))`` is the observed statistic's rank among itself and its
    ``E`` ties, uniform on ``1 .. E + 1`` for ``u ~ Uniform(0, 1)``. Under the null hypothesis the observed
    statistic is exchangeable with the null ones, so its rank among all ``N + 1`` is uniform and
    ``P(p <= k / (N + 1)) = k / (N + 1)`` exactly, ties or not (the randomised test of Lehmann & Romano,
    *Testing Statistical Hypotheses*, 15.2.1, on the grid of ``1 / (N + 1)``: ``B + U (E + 1)`` rounded up).
    Without ties this is ``(B + 1) / (N + 1)`` (Ojala & Garriga 2010, eq. 1); the smallest possible p is
    ``1 / (N + 1)`` either way. ``u=None`` counts every tie against the observed statistic (``J = E +
    1``, the conservative ``(#{null >= observed} + 1) / (N + 1)``), which piles p-values up near 1 when
    scores tie often (a balanced accuracy of exactly chance on both sides).
    """
    null = np.asarray(null, dtype=float)
    greater = int(np.sum(null > observed + tol))
    ties = int(np.sum(np.abs(null - observed) <= tol))
    rank = ties + 1 if u is None else 1 + min(int(np.floor(float(u) * (ties + 1))), ties)
    return float((greater + rank) / (len(null) + 1))


__all__ = ["Relabeller", "tie_draw", "permutation_p", "TIE_STREAM"]
