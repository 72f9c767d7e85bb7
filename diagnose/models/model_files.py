"""The files a model spec names: trained ``.keras`` archives, read safely, and ``file.py`` builders.

A trained file is read with Keras's ``safe_mode=True`` (never a pickle; ``Lambda`` layers refused), with
keras-self-attention's layers registered when that package is installed. A builder file is imported
once per process and content. :func:`file_digest` hashes a file's content for the units' cache keys.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from signal_diagnostics.errors import DataError
from signal_diagnostics.models.backend import select_backend

select_backend()

import keras  # noqa: E402

TRAINED_SUFFIX = ".keras"
DIGEST_CHARS = 20  # hex characters of a file's sha256 kept in unit keys


def custom_objects() -> dict[str, Any]:
    """Layers a saved model may name that Keras does not know: keras-self-attention's, when installed.

    This toolkit's own layers are registered with Keras (``diagnose>SeqSelfAttention`` ...) and need
    no entry here.
    """
    objects: dict[str, Any] = {}
    if importlib.util.find_spec("keras_self_attention") is not None:
        try:
            import keras_self_attention as ksa
        except Exception:  # installed but broken (e.g. no TensorFlow): files that need it fail to load, clearly
            return objects
        for name in (
            "SeqSelfAttention",
            "SeqWeightedAttention",
            "ScaledDotProductAttention",
            "ResidualScaledDotProductAttention",
        ):
            cls = getattr(ksa, name, None)
            if cls is not None:
                objects[name] = cls
    return objects


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def load_trained(path: str | Path) -> Any:
    """Read a trained ``.keras`` file safely (``safe_mode=True``, never a pickle) and return the model.

    Raises
    ------
    DataError
        For a missing file, another format, a file Keras cannot read, ``Lambda`` layers (unsafe to
        deserialise) or a layer class that is not installed.
    """
    file = Path(path)
    if file.suffix != TRAINED_SUFFIX:
        raise DataError(
            f"model file {str(path)!r} is not a .keras file: save the model with model.save('name.keras') "
            "(HDF5 and SavedModel files are not read)"
        )
    if not file.is_file():
        raise DataError(
            f"model file {str(path)!r} not found: give the path of a model saved with model.save('name.keras')"
        )
    if not zipfile.is_zipfile(file):
        raise DataError(
            f"model file {str(path)!r} is not a Keras archive (a .keras file is a zip): "
            "save the model again with model.save('name.keras')"
        )
    try:
        return keras.saving.load_model(file, custom_objects=custom_objects(), compile=True, safe_mode=True)
    except Exception as err:  # Keras raises ValueError, TypeError, KeyError ... for unreadable files
        message = _first_line(err)
        if "lambda" in message.lower() or "safe_mode" in message:
            raise DataError(
                f"model file {str(path)!r} holds a Lambda layer, which runs arbitrary code when loaded: "
                "it is refused (safe mode); replace the Lambda by a registered layer and save again"
            ) from err
        raise DataError(
            f"model file {str(path)!r} cannot be read ({message[:200]}): check that every layer's package "
            "is installed (e.g. pip install keras-self-attention) and the file is a Keras 3 .keras file"
        ) from err


def file_digest(path: str | Path) -> str:
    """A short sha256 of a file's content: part of a unit's cache key, so a changed file misses the cache."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:DIGEST_CHARS]


@functools.lru_cache(maxsize=64)
def _import_builder_file(resolved: str, digest: str) -> Any:
    """Execute a builder file once per process and content (``digest`` keys the memo: an edited file is read again)."""
    file = Path(resolved)
    module_spec = importlib.util.spec_from_file_location(f"diagnose_user_model_{file.stem}", file)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def load_builder(path: str, function: str) -> Callable[..., Any]:
    """Import ``path`` (once per process while its content is unchanged) and return its ``function``."""
    file = Path(path)
    if not file.is_file():
        raise DataError(f"model file {path!r} not found: give 'path/to/file.py:function'")
    try:
        module = _import_builder_file(str(file.resolve()), file_digest(file))
    except Exception as err:  # the user's file itself fails to import
        raise DataError(
            f"model file {path!r} fails to import ({type(err).__name__}: {_first_line(err)[:200]})"
        ) from err
    fn = getattr(module, function, None)
    if not callable(fn):
        raise DataError(
            f"{path!r} has no function {function!r}: define {function}(input_shape, n_classes, **hyper) -> keras.Model"
        )
    return fn


__all__ = ["DIGEST_CHARS", "TRAINED_SUFFIX", "custom_objects", "file_digest", "load_builder", "load_trained"]
