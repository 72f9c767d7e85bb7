"""Choose the Keras backend before Keras is imported, find the device, switch on mixed precision.

TensorFlow is the default backend; ``KERAS_BACKEND=torch`` or ``jax`` is honoured when that
library is installed. Keras reads the backend once, at its first import, so :func:`select_backend`
must run before anything imports ``keras``.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from signal_diagnostics.errors import DataError

BACKENDS = ("tensorflow", "torch", "jax")
# the module each backend needs installed
_BACKEND_MODULE = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}


def installed_backends() -> list[str]:
    """The Keras backends whose library is importable here."""
    return [b for b in BACKENDS if importlib.util.find_spec(_BACKEND_MODULE[b]) is not None]


def select_backend(name: str | None = None) -> str:
    """Set ``KERAS_BACKEND`` (``name``, else the environment's, else TensorFlow) and return it.

    Raises
    ------
    DataError
        If the backend is unknown or not installed, or Keras is already imported with another one.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # hide C++ start-up noise (CUDA probes) unless asked
    wanted = name or os.environ.get("KERAS_BACKEND") or "tensorflow"
    if wanted not in BACKENDS:
        raise DataError(f"unknown Keras backend {wanted!r}: use one of {', '.join(BACKENDS)}")
    if wanted not in installed_backends():
        raise DataError(
            f"Keras backend {wanted!r} is not installed: pip install {_BACKEND_MODULE[wanted]} "
            f"or use one of {', '.join(installed_backends())}"
        )
    if "keras" in sys.modules:
        current = sys.modules["keras"].backend.backend()
        if current != wanted:
            raise DataError(
                f"Keras is already running on {current!r}, cannot switch to {wanted!r}: "
                f"set KERAS_BACKEND={wanted} before starting Python"
            )
        return current
    os.environ["KERAS_BACKEND"] = wanted
    return wanted


def backend_name() -> str:
    """The backend Keras runs on (imports Keras)."""
    import keras

    return keras.backend.backend()


def device() -> str:
    """``"gpu:0 NAME"`` when the current backend sees a GPU, else ``"cpu"``."""
    backend = backend_name()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                details = tf.config.experimental.get_device_details(gpus[0])
                return f"gpu:0 {details.get('device_name', 'GPU')}"
        elif backend == "torch":
            import torch

            if torch.cuda.is_available():
                return f"gpu:0 {torch.cuda.get_device_name(0)}"
        elif backend == "jax":
            import jax

            gpus = [d for d in jax.devices() if d.platform == "gpu"]
            if gpus:
                return f"gpu:0 {gpus[0].device_kind}"
    except Exception:  # a broken driver must not stop a CPU run
        return "cpu"
    return "cpu"


def on_gpu() -> bool:
    """Whether the current backend trains on a GPU."""
    return device().startswith("gpu")


def set_mixed_precision(enabled: bool) -> str:
    """Switch Keras's global dtype policy to ``mixed_float16`` (or back to ``float32``); return it.

    Models from the zoo keep their softmax output in float32, as Keras advises.
    """
    import keras

    policy = "mixed_float16" if enabled else "float32"
    keras.mixed_precision.set_global_policy(policy)
    return policy


DEVICES = ("auto", "cpu", "gpu")


def configure(backend: str | None = None, target: str = "auto") -> dict:
    """Pick the Keras backend and the device for training, before Keras is imported.

    ``target="cpu"`` hides every GPU (``CUDA_VISIBLE_DEVICES=-1``, inherited by worker processes);
    ``"gpu"`` refuses to go on without one; ``"auto"`` uses a GPU when the backend sees one.

    Returns
    -------
    dict : ``{"backend", "device"}``, the device as :func:`device` names it.

    Raises
    ------
    DataError
        For an unknown or missing backend, an unknown device, or ``"gpu"`` where none is visible.
    """
    if target not in DEVICES:
        raise DataError(f"unknown device {target!r}: use one of {', '.join(DEVICES)}")
    if target == "cpu":
        if "keras" in sys.modules and on_gpu():
            raise DataError("--device cpu must be chosen before Keras starts: set CUDA_VISIBLE_DEVICES=-1")
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    name = select_backend(backend)
    found = device()
    if target == "gpu" and not found.startswith("gpu"):
        raise DataError(
            f"--device gpu, but the {name} backend sees no GPU: install its CUDA build "
            "(pip install 'signal-diagnostics[gpu]' for TensorFlow) or use --device auto"
        )
    return {"backend": name, "device": found}
