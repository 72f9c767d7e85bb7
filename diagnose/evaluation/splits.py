"""Cross-validation splits: repeated stratified (group) k-fold, or the one split a dataset came with."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from signal_diagnostics.data.dataset import check_folds
from signal_diagnostics.errors import DataError
from signal_diagnostics.results import short_repr


@dataclass
class Splits:
    """Train/test index pairs of a (repeated) stratified k-fold, in repeat-major order.

    ``pairs[r * folds + f]`` is fold ``f`` of repeat ``r``.
    """

    folds: int
    repeats: int
    random_state: int
    grouped: bool
    pairs: list[tuple[np.ndarray, np.ndarray]]

    def __repr__(self) -> str:
        return short_repr(self)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def n_train(self) -> float:
        """Mean training-set size over the splits."""
        return float(np.mean([len(tr) for tr, _ in self.pairs]))

    @property
    def n_test(self) -> float:
        """Mean test-set size over the splits."""
        return float(np.mean([len(te) for _, te in self.pairs]))


def make_splits(y: Any, *, folds: int = 5, repeats: int = 1, groups: Any = None, random_state: int = 0) -> Splits:
    """Repeated stratified k-fold splits; group-aware when ``groups`` is given.

    Repeat ``r`` is ``StratifiedKFold(folds, shuffle=True, random_state=random_state + r)``, or
    ``StratifiedGroupKFold`` with the same arguments when ``groups`` is given (no group on both sides).

    Parameters
    ----------
    y : labels (any values), one per series.
    folds : k, at least 2 and at most the size of the smallest class (in groups, with ``groups``).
    repeats : how many times to reshuffle and split again.
    groups : optional group id per series (subject, recording).
    random_state : seed of the first repeat.

    Returns
    -------
    Splits

    Raises
    ------
    DataError
        When ``folds`` or ``repeats`` is below range, or a class is smaller than ``folds``.

    Examples
    --------
    >>> import numpy as np
    >>> s = make_splits(np.repeat([0, 1], 10), folds=5, repeats=2)
    >>> len(s), s.pairs[0][1].size
    (10, 4)
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(y)
    if int(folds) != folds or folds < 2:
        raise DataError(f"folds must be an integer of at least 2; got {folds!r}: use folds=5 (or 2 for tiny sets)")
    if int(repeats) != repeats or repeats < 1:
        raise DataError(f"repeats must be an integer of at least 1; got {repeats!r}: use repeats=1 or more")
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != y.shape:
            raise DataError(f"groups must have one id per series ({len(y)}); got shape {groups.shape}")
    check_folds(y, folds, groups)
    dummy = np.zeros(len(y))
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for r in range(repeats):
        if groups is None:
            cv = StratifiedKFold(folds, shuffle=True, random_state=random_state + r)
            parts = cv.split(dummy, y)
        else:
            cv = StratifiedGroupKFold(folds, shuffle=True, random_state=random_state + r)
            parts = cv.split(dummy, y, groups)
        pairs.extend((np.asarray(tr, np.int64), np.asarray(te, np.int64)) for tr, te in parts)
    return Splits(
        folds=int(folds), repeats=int(repeats), random_state=int(random_state), grouped=groups is not None, pairs=pairs
    )


def fixed_split(split: Any) -> Splits:
    """The one train/test split a dataset came with (e.g. a UCR/UEA archive's own), as :class:`Splits`.

    Parameters
    ----------
    split : one ``"train"`` or ``"test"`` per series (``Dataset.meta["split"]``).

    Raises
    ------
    DataError
        When there is no such split, or one part is empty.
    """
    if split is None:
        raise DataError(
            "this dataset has no original train/test split (only UCR/UEA files and aeon: datasets "
            "carry one): use cross-validation instead"
        )
    split = np.asarray(split).astype(str)
    train, test = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    if len(train) == 0 or len(test) == 0 or len(train) + len(test) != len(split):
        raise DataError(
            f"the original split must label every series 'train' or 'test' with both present; "
            f"got {len(train)} train, {len(test)} test of {len(split)}"
        )
    return Splits(
        folds=1, repeats=1, random_state=-1, grouped=False, pairs=[(train.astype(np.int64), test.astype(np.int64))]
    )


def as_splits(splits: Splits | Sequence[tuple[np.ndarray, np.ndarray]]) -> Splits:
    """``splits`` as :class:`Splits` (a list of ``(train, test)`` pairs becomes one repeat of that many folds)."""
    if isinstance(splits, Splits):
        return splits
    pairs = [(np.asarray(tr, np.int64), np.asarray(te, np.int64)) for tr, te in splits]
    return Splits(folds=len(pairs), repeats=1, random_state=-1, grouped=False, pairs=pairs)
