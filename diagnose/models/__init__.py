"""Keras 3 sequence models: the zoo, a faithful SeqSelfAttention, training and attention checks.

Importing this package imports Keras: the backend is chosen first (TensorFlow unless
``KERAS_BACKEND`` says torch or jax). ``import diagnose`` never imports it.
"""
from __future__ import annotations

from diagnose.models.backend import select_backend

select_backend()

from diagnose.models.attention import AttentionPooling, SeqSelfAttention  # noqa: E402
from diagnose.models.zoo import available, build  # noqa: E402

__all__ = ["AttentionPooling", "SeqSelfAttention", "available", "build", "select_backend"]
