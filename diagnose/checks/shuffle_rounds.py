"""The label-shuffle test's permutations, run round by round and stopped once the answer is decided.

Sequential Monte Carlo p-values (Besag & Clifford 1991, :class:`signal_diagnostics.evaluation.exchange.SequentialP`):
the permutations are drawn in their fixed order and every head scores each one, as in the fixed design;
after each round the null of the maximum over heads (the test's statistic, max-T) is compared with the
observed maximum, and the draws stop at the first permutation ``l`` at which ``h`` null maxima have
reached it (``p = h / l``), or after all ``N`` (``p = (G + 1) / (N + 1)``). The stopping rule looks at the
maximum only, so the max-T adjusted p of every head is the same sequential p against the null of the
maximum (each head's own stop comes at or before ``l``, since its observed score is at most the
maximum), and the family-wise error over the heads stays controlled. A head's own (unadjusted) p is
its sequential p on its own null when that stops within the ``l`` draws, else its adjusted p, which is
larger and so still valid.

A round costs every head's label-free features on every fold once (the fast ridge path solves all of a
round's permutations from one decomposition per fold), so the rounds grow geometrically from
:data:`FIRST_ROUND_PER_H` ``* h`` (4 times larger each; a short last round joins the one before, so 200
permutations are one round and 1,000 are 128 then 872): on pure noise most tests stop in the first
round. Heads that refit on every permutation have no such cost and check after smaller rounds.
Permutations scored past the stopping point are dropped: p and the null rest on the first ``l``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from signal_diagnostics.checks.shuffle_paths import path_of, run_head
from signal_diagnostics.evaluation.exchange import SequentialP, permutation_p, sequential_rounds, tie_draw, tie_jitter

# The fast path's first round: 6 h permutations (rounded up to whole draw batches of 64). On pure noise
# the sequential test has not stopped after m draws with probability about h / m, 1/6 here.
FIRST_ROUND_PER_H = 6
ROUND_GROWTH = 4.0
# Heads on the refit path check after rounds growing from h by this factor (no fixed cost per round).
REFIT_GROWTH = 1.5
_BATCH = 64


def window(draw: Callable[[], Iterator[np.ndarray]], a: int, b: int) -> Callable[[], Iterator[np.ndarray]]:
    """Permutation blocks ``a`` to ``b`` (exclusive) of the sequence ``draw()`` yields, as a callable."""

    def part() -> Iterator[np.ndarray]:
        at = 0
        for block in draw():
            lo, hi = max(a - at, 0), min(b - at, block.shape[1])
            if lo < hi:
                yield block[:, lo:hi]
            at += block.shape[1]
            if at >= b:
                return

    return part


def round_ends(n_max: int, h: int | None, fast: bool) -> list[int]:
    """Permutation counts after which the test checks whether to stop; ``[N]`` for the fixed design."""
    if not h or h > n_max:
        return [int(n_max)]
    if fast:
        first = _BATCH * int(np.ceil(FIRST_ROUND_PER_H * h / _BATCH))
        return sequential_rounds(n_max, first, ROUND_GROWTH)
    return sequential_rounds(n_max, h, REFIT_GROWTH)


class Rounds:
    """Every head of one shuffle test on the shared permutations, round by round (see the module docstring).

    After :meth:`run`: ``results`` (per head: observed, null of the last round, path), ``observed``
    (per head) and ``null`` (heads x permutations drawn).
    """

    def __init__(self, X, y, K, heads, pairs, draw, n_permutations: int, metric: str, random_state: Any):
        self.X, self.y, self.K, self.heads, self.pairs = X, y, K, heads, pairs
        self.draw, self.n, self.metric, self.random_state = draw, int(n_permutations), metric, random_state
        self.u = tie_draw(random_state)  # one tie-break for every p of this test, drawn after the permutations

    def run(self, method: str, n_jobs: int, progress, h: int | None) -> Rounds:
        fast = any(path_of(m, method, self.random_state, self.metric) == "ridge-fast" for m in self.heads)
        H, total, start = len(self.heads), self.n * len(self.heads), 0
        seq, parts = None, []
        for stop in round_ends(self.n, h, fast):
            part, size = window(self.draw, start, stop), stop - start
            results = []
            for i, head in enumerate(self.heads):
                base = start * H + i * size
                tick = None if progress is None else (lambda d, n, base=base: progress(base + d, total))
                results.append(
                    run_head(self.X, self.y, self.K, head, self.pairs, part, size, self.metric, self.random_state,
                             method, n_jobs, tick)
                )  # fmt: skip
            self.results = results
            self.observed = np.array([r[0] for r in results], dtype=float)
            parts.append(np.stack([np.asarray(r[1], dtype=float) for r in results]))
            if seq is None:
                seq = SequentialP(self.observed.max(), self.n, h, self.u, tie_jitter(self.random_state))
            start = stop
            if seq.update(parts[-1].max(axis=0)):
                break
        self.seq = seq
        self.null = np.concatenate(parts, axis=1)[:, : seq.drawn]
        if progress is not None and start < self.n:
            progress(total, total)  # stopped early: nothing left to do
        return self

    def p_values(self, h: int | None) -> tuple[float, list[float], list[float]]:
        """The test's p, each head's max-T adjusted p and each head's own p."""
        null_max = self.null.max(axis=0)
        if not h or h > self.n:  # the fixed design: ties ranked by one random rank (permutation_p)
            adjusted = [permutation_p(o, null_max, self.u) for o in self.observed]
            own = [permutation_p(o, nl, self.u) for o, nl in zip(self.observed, self.null)]
            return permutation_p(self.observed.max(), null_max, self.u), adjusted, own
        adjusted, own = [], []
        for o, nl in zip(self.observed, self.null):
            adjusted.append(self._sequential(o, null_max))
            mine = SequentialP(o, self.n, h, self.u, tie_jitter(self.random_state))
            mine.update(nl)
            own.append(mine.p if mine.done else adjusted[-1])
        return self.seq.p, adjusted, own

    def _sequential(self, observed: float, null: np.ndarray) -> float:
        seq = SequentialP(observed, self.n, self.seq.h, self.u, tie_jitter(self.random_state))
        seq.update(null)
        return seq.p
