"""The one exception type for input a user can fix."""

from __future__ import annotations


class DataError(ValueError):
    """Bad input the user can fix: the CLI prints the message on one line and exits 2.

    Messages name the problem, the value seen and the fix, e.g.
    "y has 2 classes with fewer than 5 series ('b', 'f'): use --folds 3 or drop them".
    """


class DataWarning(UserWarning):
    """Data that loads but may mislead (a gap in time, a likely transposed X, one-hot labels).

    The CLI prints each on one line of stderr; the note is also kept in ``Dataset.meta["notes"]``.
    """


class OptionWarning(UserWarning):
    """An option that runs but limits what the answers can say (too few permutations for a level).

    The CLI prints each on one line of stderr, before the run; the answer records it as well.
    """
