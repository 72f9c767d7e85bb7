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


# Besag & Clifford (1991, Biometrika 78:301) stop a Monte Carlo test once h null statistics have reached
# the observed one. h = 20: an early-stopped p is then at least 20 / N (0.02 with 1000 shuffles) and its
# relative standard error near 1 / sqrt(h) = 22%, so a p near alpha = 0.05 rarely stops early (a true
# p of 0.03 stops before 400 draws about 1.5% of the time, against 8% with h = 10), while pure noise
# still stops after about h (1 + ln(N / h)) = 98 of 1000 draws on average.
SEQUENTIAL_H = 20


def tie_jitter(random_state: Any, *stream: int) -> np.random.Generator:
    """The stream of tie-break jitters of a sequential test seeded with ``random_state`` (one per null draw).

    An int gives ``np.random.default_rng((TIE_STREAM, seed, 1, *stream))``, a stream beside
    :func:`tie_draw`'s (``stream`` tells several tests of one seed apart); a ``RandomState`` (or None)
    seeds one from a single draw.
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng((TIE_STREAM, int(random_state), 1, *map(int, stream)))
    from sklearn.utils import check_random_state

    return np.random.default_rng(int(check_random_state(random_state).randint(2**31 - 1)))


class SequentialP:
    """Sequential Monte Carlo p-value (Besag & Clifford 1991): feed null statistics in the order drawn.

    Draws stop at the first count ``l`` at which ``h`` of them reach the observed statistic; then
    ``p = h / l``. If ``n_max`` draws pass with ``G < h`` exceedances, ``p = (G + 1) / (n_max + 1)``,
    the fixed design's value. Under the null ``P(p <= a) <= a`` for every ``a``, with equality at every
    value p can take (:func:`sequential_support`), so the test is exact, only discrete.

    A null statistic "reaches" the observed one when it is greater (by more than ``tol``), or ties with it
    (within ``tol``) and its own jitter ``V_j`` (from ``jitter``, one per draw, in order) exceeds the
    observed one's ``u``: ties are ranked at random as if each statistic carried a continuous jitter,
    which keeps the statistics exchangeable and p exact however often scores tie (the sequential form of
    :func:`permutation_p`'s random rank). ``u=None`` counts every tie as reaching (conservative).

    Parameters
    ----------
    observed : the statistic on the true labels.
    n_max : the most null statistics drawn (N).
    h : exceedances that stop the draws; ``None`` or 0 never stops early (the fixed design).
    u : the observed statistic's jitter, :func:`tie_draw`.
    jitter : generator of the null statistics' jitters, :func:`tie_jitter`.
    tol : scores within ``tol`` tie.

    Examples
    --------
    >>> s = SequentialP(0.5, n_max=1000, h=3)
    >>> s.update([0.7, 0.2, 0.6, 0.4, 0.9, 0.8])
    True
    >>> s.drawn, s.p, s.stopped_early
    (5, 0.6, True)
    """

    def __init__(
        self,
        observed: float,
        n_max: int,
        h: int | None = SEQUENTIAL_H,
        u: float | None = None,
        jitter: np.random.Generator | None = None,
        tol: float = 0.0,
    ) -> None:
        if int(n_max) < 1:
            raise ValueError(f"n_max must be a positive integer; got {n_max!r}")
        self.observed, self.n_max, self.h = float(observed), int(n_max), int(h or 0)
        self.u, self.jitter, self.tol = u, jitter, float(tol)
        self.drawn = 0
        self.exceed = 0
        self.reached = False

    @property
    def done(self) -> bool:
        """Whether no more draws are needed."""
        return self.reached or self.drawn >= self.n_max

    @property
    def stopped_early(self) -> bool:
        """Stopped by ``h`` exceedances before ``n_max`` draws."""
        return self.reached and self.drawn < self.n_max

    def hits(self, null: Any) -> np.ndarray:
        """Which of ``null`` reach the observed statistic (draws the jitters for them)."""
        null = np.asarray(null, dtype=float).ravel()
        tie = np.abs(null - self.observed) <= self.tol
        hit = (null > self.observed + self.tol) | tie
        if self.u is not None and self.jitter is not None:
            hit &= ~tie | (self.jitter.random(len(null)) > self.u)
        return hit

    def update(self, null: Any) -> bool:
        """Take the next null statistics, in order; those after the stopping point are ignored. Returns :attr:`done`."""
        if self.done:
            return True
        take = np.asarray(null, dtype=float).ravel()[: self.n_max - self.drawn]
        if not len(take):
            return self.done
        counts = self.exceed + np.cumsum(self.hits(take))
        if self.h and counts[-1] >= self.h:
            stop = int(np.searchsorted(counts, self.h))  # the draw that brought the h-th exceedance
            self.drawn += stop + 1
            self.exceed, self.reached = self.h, True
        else:
            self.drawn += len(take)
            self.exceed = int(counts[-1])
        return self.done

    @property
    def p(self) -> float:
        """The p-value (valid once :attr:`done`)."""
        if self.reached:
            return self.h / self.drawn
        return (self.exceed + 1) / (self.drawn + 1)


def sequential_support(n_max: int, h: int | None = SEQUENTIAL_H) -> np.ndarray:
    """Every value a :class:`SequentialP` p can take, ascending: ``k / (N + 1)`` for ``k <= h`` and ``h / l``.

    Under the null ``P(p <= s) = s`` at each of them; ``s_(k-1) + V (s_k - s_(k-1))`` for a p equal to
    ``s_k`` and ``V ~ U(0, 1)`` is then exactly uniform, which is how a KS test of uniformity applies.
    """
    N, h = int(n_max), int(h or 0)
    if not h or h > N:
        return np.arange(1, N + 2) / (N + 1)
    low = np.arange(1, h + 1) / (N + 1)
    return np.unique(np.concatenate([low, h / np.arange(h, N + 1)]))


def uniform_jitter(p_values: Any, support: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Discrete p-values spread uniformly over the gap below each (exactly uniform when p is exact on ``support``)."""
    p = np.asarray(p_values, dtype=float)
    grid = np.concatenate([[0.0], np.asarray(support, dtype=float)])
    k = np.searchsorted(grid, p - 1e-12)
    if np.any(np.abs(grid[np.minimum(k, len(grid) - 1)] - p) > 1e-9):
        raise ValueError("a p-value lies off the support given")
    return grid[k - 1] + rng.random(len(p)) * (grid[k] - grid[k - 1])


def sequential_rounds(n_max: int, first: int, growth: float = 4.0) -> list[int]:
    """Draw counts after which a test that refits per round checks whether it may stop.

    ``first``, then ``growth`` times more each round, up to ``n_max``: on pure noise most tests stop
    in the first round, and few rounds mean few refits of the label-free features. A last round that would
    draw fewer than every round before it together joins the round before: its refit would cost more than
    the draws it could save (200 permutations: one round, not 128 then 72).

    Examples
    --------
    >>> sequential_rounds(1000, 128)
    [128, 1000]
    >>> sequential_rounds(5000, 128)
    [128, 512, 2048, 5000]
    >>> sequential_rounds(200, 128)
    [200]
    """
    out, at = [], max(1, int(first))
    while at < n_max:
        out.append(at)
        at = int(np.ceil(at * growth))
    if out and n_max - out[-1] < out[-1]:
        out.pop()
    return [*out, int(n_max)]


__all__ = [
    "Relabeller",
    "tie_draw",
    "tie_jitter",
    "permutation_p",
    "SequentialP",
    "sequential_support",
    "sequential_rounds",
    "uniform_jitter",
    "SEQUENTIAL_H",
    "TIE_STREAM",
]
