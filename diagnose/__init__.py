"""signal-diagnostics: is there signal in your time-series classification data, and where?

``import diagnose`` stays light: every public name is loaded on first use, and TensorFlow/Keras,
shap and Dask are imported only inside the checks that need them.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC = {
    "Dataset": "diagnose.data.dataset",
    "DataError": "diagnose.errors",
    "CheckResult": "diagnose.results",
    "load": "diagnose.data.loaders",
    "as_dataset": "diagnose.data.loaders",
    "report": "diagnose.api",
    "Diagnosis": "diagnose.api",
    "make_splits": "diagnose.evaluation.scores",
    "evaluate": "diagnose.evaluation.scores",
    "shuffle_test": "diagnose.checks.shuffle",
    "learning_curve": "diagnose.checks.curves",
    "timestep_signal": "diagnose.checks.timemap",
    "health_checks": "diagnose.checks.health",
    "compare_models": "diagnose.pipeline.deep",
    "attribute": "diagnose.attribution",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'diagnose' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
