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


__all__ = ["Relabeller"]
