"""Keras 3 sequence models: the zoo, a faithful SeqSelfAttention, training and attention checks.

Importing this package imports Keras: the backend is chosen first (TensorFlow unless
``KERAS_BACKEND`` says torch or jax). ``import signal_diagnostics`` never imports it.
"""

from __future__ import annotations

from signal_diagnostics.models.backend import select_backend

select_backend()

from signal_diagnostics.models.attention import AttentionPooling, SeqSelfAttention  # noqa: E402
from signal_diagnostics.models.lint import lint, lint_model  # noqa: E402
from signal_diagnostics.models.resolve import ModelSpec, build, resolve  # noqa: E402
from signal_diagnostics.models.zoo import available  # noqa: E402

__all__ = [
    "AttentionPooling",
    "ModelSpec",
    "SeqSelfAttention",
    "available",
    "build",
    "lint",
    "lint_model",
    "resolve",
    "select_backend",
]
