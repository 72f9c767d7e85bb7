"""Every name ``signal_diagnostics`` lists in ``__all__`` is there: by attribute and by ``import *``."""

from __future__ import annotations

import signal_diagnostics


def test_star_import_brings_every_public_name():
    namespace: dict = {}
    exec("from signal_diagnostics import *", namespace)
    missing = [name for name in signal_diagnostics.__all__ if name not in namespace]
    assert missing == []


def test_every_public_name_is_an_attribute():
    for name in signal_diagnostics.__all__:
        assert getattr(signal_diagnostics, name) is not None, name


def test_make_splits_is_the_splitting_function():
    from signal_diagnostics.evaluation.splits import make_splits

    assert signal_diagnostics.make_splits is make_splits
