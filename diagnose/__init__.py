"""signal-diagnostics: is there signal in your time-series classification data, and where?

``import signal_diagnostics`` stays light: every public name is loaded on first use, and TensorFlow/Keras,
shap and Dask are imported only inside the checks that need them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC = {
    "Dataset": "signal_diagnostics.data.dataset",
    "DataError": "signal_diagnostics.errors",
    "CheckResult": "signal_diagnostics.results",
    "load": "signal_diagnostics.data.loaders",
    "as_dataset": "signal_diagnostics.data.loaders",
    "report": "signal_diagnostics.api",
    "Diagnosis": "signal_diagnostics.api",
    "make_splits": "signal_diagnostics.evaluation.splits",
    "evaluate": "signal_diagnostics.evaluation.scores",
    "shuffle_test": "signal_diagnostics.checks.shuffle",
    "learning_curve": "signal_diagnostics.checks.curves",
    "timestep_signal": "signal_diagnostics.checks.timemap",
    "health_checks": "signal_diagnostics.checks.health",
    "compare_models": "signal_diagnostics.pipeline.deep",
    "attribute": "signal_diagnostics.attribution",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'signal_diagnostics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
