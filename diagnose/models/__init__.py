"""Keras 3 sequence models: the zoo, a faithful SeqSelfAttention, training and attention checks.

Importing this package does not import Keras: every public name is loaded on first use (PEP 562),
so :func:`~signal_diagnostics.models.backend.select_backend` (``--backend``, ``report(backend=...)``)
can set ``KERAS_BACKEND`` before Keras starts. The modules that need Keras choose the backend
(TensorFlow unless ``KERAS_BACKEND`` says torch or jax) when they are first imported.
"""

from __future__ import annotations

import importlib

# public name -> module that defines it
_PUBLIC = {
    "AttentionPooling": "signal_diagnostics.models.attention",
    "SeqSelfAttention": "signal_diagnostics.models.attention",
    "lint": "signal_diagnostics.models.lint",
    "lint_model": "signal_diagnostics.models.lint",
    "ModelSpec": "signal_diagnostics.models.resolve",
    "build": "signal_diagnostics.models.resolve",
    "resolve": "signal_diagnostics.models.resolve",
    "available": "signal_diagnostics.models.zoo",
    "select_backend": "signal_diagnostics.models.backend",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        module = _PUBLIC[name]
        if module != "signal_diagnostics.models.backend":
            importlib.import_module("signal_diagnostics.models.backend").select_backend()
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'signal_diagnostics.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
