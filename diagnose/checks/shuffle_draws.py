"""What the label-shuffle test draws (:mod:`signal_diagnostics.checks.shuffle`): permuted labels and the folds.

The permutations are ``check_random_state(random_state).permutation(n)``, drawn in order, which is what
:func:`sklearn.model_selection.permutation_test_score` draws for the same ``random_state``; with groups,
each group's one label moves as a block. The folds are made once from the true labels and serve every
permutation and every head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from signal_diagnostics.errors import DataError

# Permutations drawn at a time; the fast path regroups them into as many columns as its solver takes
# per call (baselines.ridge.RidgeLOO.max_columns, a memory budget).
DRAW_BATCH = 64
# Permuted labels (series x permutations) up to this many entries are drawn once and shared by every
# fold and head; more are drawn again, in the same order, on every pass.
DRAWS_HELD = 1 << 22


def group_index(groups: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def permutations(
    y: np.ndarray, groups: tuple[np.ndarray, np.ndarray] | None, n_permutations: int, random_state: Any, batch: int
) -> Iterator[np.ndarray]:
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


def draws(
    y: np.ndarray, groups: tuple[np.ndarray, np.ndarray] | None, n_permutations: int, random_state: Any
) -> Callable[[], Iterator[np.ndarray]]:
    """The permutation blocks as a callable, every call the same sequence; held when small enough."""

    def draw() -> Iterator[np.ndarray]:
        return permutations(y, groups, n_permutations, random_state, DRAW_BATCH)

    if len(y) * n_permutations > DRAWS_HELD:
        return draw
    held = list(draw())
    return lambda: iter(held)


def resolve_splits(y: np.ndarray, folds: Any, groups: Any, random_state: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(train, test)`` pairs of ``folds``: an int makes stratified (group-aware) folds, else pairs as given."""
    if isinstance(folds, (int, np.integer)) and not isinstance(folds, bool):
        from signal_diagnostics.evaluation.splits import make_splits

        seed = random_state if isinstance(random_state, (int, np.integer)) else 0
        return list(make_splits(y, folds=int(folds), groups=groups, random_state=int(seed)).pairs)
    pairs = [(np.asarray(tr, np.int64), np.asarray(te, np.int64)) for tr, te in folds]
    if not pairs:
        raise DataError("folds holds no (train, test) pairs: give an int or a list of (train, test) index pairs")
    return pairs
