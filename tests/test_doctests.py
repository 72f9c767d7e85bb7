"""The numpydoc Examples of the modules whose examples are cheap run as doctests (each module well under a second)."""

import doctest
import importlib

import pytest

# Modules whose Examples take under a second together with their imports; the costlier ones (MiniRocket,
# the ceiling, the shuffle test's 99 permutations, Keras attributions) are covered by their own tests.
CHEAP = [
    "signal_diagnostics.data.dataset",
    "signal_diagnostics.data.validation",
    "signal_diagnostics.data.loaders",
    "signal_diagnostics.data.padding",
    "signal_diagnostics.data.layout",
    "signal_diagnostics.pipeline.document",
    "signal_diagnostics.results",
    "signal_diagnostics.progress",
    "signal_diagnostics.api",
    "signal_diagnostics.pipeline.executor",
    "signal_diagnostics.checks.health",
    "signal_diagnostics.evaluation.stats",
    "signal_diagnostics.evaluation.exchange",
    "signal_diagnostics.checks.timemap",
    "signal_diagnostics.checks.timemap_clusters",
    "signal_diagnostics.evaluation.scores",
    "signal_diagnostics.baselines.chance",
    "signal_diagnostics.baselines.linear",
]


@pytest.mark.parametrize("name", CHEAP)
def test_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True)
    assert result.attempted > 0, f"{name} has no Examples to run"
    assert result.failed == 0
