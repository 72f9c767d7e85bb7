"""Classical baselines: scikit-learn classifiers on ``(n_series, n_timesteps, n_channels)`` arrays.

``make(name)`` builds one; ``available()`` lists them with one-line descriptions; ``register``
adds your own, with the ``TAGS`` that say what it can do (``has_tag``, ``tagged``). Heavy libraries (aeon, statsmodels) load only when a baseline that needs them is built.
This package does not import the rest of ``signal_diagnostics`` (it imports its own modules relatively).

Examples
--------
>>> from signal_diagnostics import baselines
>>> "logistic" in baselines.available()
True
>>> model = baselines.make("chance_prior", random_state=0)
"""

from __future__ import annotations

from .registry import TAGS, available, has_tag, make, register, tagged

__all__ = ["TAGS", "available", "has_tag", "make", "register", "tagged"]
