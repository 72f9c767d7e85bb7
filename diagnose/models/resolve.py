"""What a model name means, checked once at the door: a zoo name, ``file.py:fn`` or a trained ``.keras`` file.

:func:`resolve` turns what a user typed (``--models``, ``--model``, ``compare_models(ds, [...])``)
into a :class:`ModelSpec`, or raises :class:`~signal_diagnostics.errors.DataError` with one line that names the
problem and the fix, before any baseline or training starts:

- a zoo name (``signal_diagnostics.models.available()``);
- ``path/to/file.py:fn``: a builder ``fn(input_shape, n_classes, **hyper) -> keras.Model`` (the file
  is imported to check that ``fn`` exists);
- ``path/to/model.keras``: a model the user already trained, read with Keras's ``safe_mode=True`` (a
  file with ``Lambda`` layers is refused), with keras-self-attention's layers registered when that
  package is installed;
- with ``baselines_allowed``, a classical baseline name (``baselines.available()``).
"""

from __future__ import annotations

import importlib.util
import inspect
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signal_diagnostics.errors import DataError
from signal_diagnostics.models.backend import select_backend

select_backend()

import keras  # noqa: E402

KINDS = ("zoo", "builder", "file", "baseline")
TRAINED_SUFFIX = ".keras"


@dataclass(frozen=True)
class ModelSpec:
    """A checked model name: what it is, where it lives, what reports call it."""

    spec: str  # as given
    kind: str  # one of KINDS
    label: str  # the name in reports: the spec as given
    description: str
    path: str | None = None  # builder or trained file
    function: str | None = None  # builder function name

    def to_dict(self) -> dict:
        return {
            "spec": self.spec,
            "kind": self.kind,
            "label": self.label,
            "description": self.description,
            "path": self.path,
            "function": self.function,
        }


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


def load_builder(path: str, function: str) -> Callable[..., Any]:
    """Import ``path`` and return its ``function``."""
    file = Path(path)
    if not file.is_file():
        raise DataError(f"model file {path!r} not found: give 'path/to/file.py:function'")
    module_spec = importlib.util.spec_from_file_location(f"diagnose_user_model_{file.stem}", file)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
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


def split_builder(spec: str) -> tuple[str, str]:
    """``"path/to/file.py:fn"`` -> ``(path, fn)``; a DataError when it names no function."""
    path, sep, fn = spec.rpartition(":")
    if not sep or not path.endswith(".py") or not fn:
        raise DataError(f"user model {spec!r} names no function: use 'file.py:function'")
    return path, fn


def build_user(spec: str, input_shape, n_classes: int, **hyper) -> Any:
    """Build a user's model from ``"path/to/file.py:fn"``; ``hyper`` goes only where ``fn`` takes it."""
    fn = load_builder(*split_builder(spec))
    kept, _ = accepted_hyper(fn, hyper)
    model = fn(tuple(input_shape), n_classes, **kept)
    if not isinstance(model, keras.Model):
        raise DataError(f"{spec} returned {type(model).__name__}, not a keras.Model")
    return model


def build(name: str, input_shape, n_classes: int, **hyper) -> Any:
    """Build a zoo model by name, or a user's model from ``"path/to/file.py:fn"`` (:func:`build_user`)."""
    if name.endswith(".py") or ".py:" in name:
        return build_user(name, input_shape, n_classes, **hyper)
    from signal_diagnostics.models.zoo import build as build_zoo

    return build_zoo(name, input_shape, n_classes, **hyper)


def resolve(spec: str, *, baselines_allowed: bool = False, input_shape=None, n_classes: int | None = None) -> ModelSpec:
    """Check one model name and say what it is.

    Parameters
    ----------
    spec : a zoo name, ``"file.py:fn"``, ``"model.keras"`` or (with ``baselines_allowed``) a baseline name.
    baselines_allowed : accept ``baselines.available()`` names (``diagnose explain --model minirocket``).
    input_shape, n_classes : the data's ``(T, C)`` and class count; when given, a trained file must
        take such series and output that many classes.

    Returns
    -------
    ModelSpec

    Raises
    ------
    DataError
        For an unknown name, a missing file or function, or a model file that cannot be read safely.
    """
    from signal_diagnostics.models.zoo import MODELS

    if not isinstance(spec, str) or not spec.strip():
        raise DataError(f"model name must be a non-empty string; got {spec!r}")
    spec = spec.strip()
    if spec in MODELS:
        return ModelSpec(spec, "zoo", spec, MODELS[spec][1])
    if spec.endswith(".py") or ".py:" in spec:
        path, fn = split_builder(spec)
        load_builder(path, fn)
        return ModelSpec(spec, "builder", spec, f"user builder {fn} from {Path(path).name}", path=path, function=fn)
    if spec.endswith(TRAINED_SUFFIX) or Path(spec).suffix in (".h5", ".hdf5", ".pb"):
        model = load_trained(spec)
        if input_shape is not None and n_classes is not None:
            check_input(model, input_shape, n_classes, f"model file {spec!r}")
        return ModelSpec(
            spec, "file", spec, f"trained model {getattr(model, 'name', '')} from {Path(spec).name}".strip(), path=spec
        )
    known = list(MODELS)
    if baselines_allowed:
        from signal_diagnostics import baselines

        if spec in baselines.available():
            return ModelSpec(spec, "baseline", spec, baselines.available()[spec])
        known += list(baselines.available())
    raise DataError(f"unknown model {spec!r}: use one of {', '.join(known)}, 'file.py:function' or 'model.keras'")


def resolve_all(
    specs, *, baselines_allowed: bool = False, input_shape=None, n_classes: int | None = None
) -> list[ModelSpec | None]:
    """:func:`resolve` for each string; callables and keras.Model objects pass unchecked (as None)."""
    return [
        resolve(s, baselines_allowed=baselines_allowed, input_shape=input_shape, n_classes=n_classes)
        if isinstance(s, str)
        else None
        for s in specs
    ]


def source_digest(spec: Any) -> str | None:
    """A hash of the file a ``file.py:fn`` or ``model.keras`` spec names (None for anything else), so a
    cached unit is not reused after the user changed the model behind the same name."""
    import hashlib

    if not isinstance(spec, str):
        return None
    path = spec.rpartition(":")[0] if ".py:" in spec else spec
    if not (path.endswith(".py") or path.endswith(TRAINED_SUFFIX)) or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:20]


def check_input(model: Any, input_shape, n_classes: int, source: str) -> None:
    """Refuse a model whose input does not take ``(T, C)`` series or whose output is not ``n_classes`` wide."""
    try:
        expected = tuple(model.inputs[0].shape[1:])
        out = int(model.outputs[0].shape[-1])
    except (AttributeError, IndexError, TypeError):
        return
    T, C = (int(d) for d in input_shape)
    if len(expected) != 2 or (expected[0] not in (None, T)) or (expected[1] not in (None, C)):
        raise DataError(
            f"{source} takes input {expected}, but the data are (n, {T}, {C}): give data of the shape it was trained on"
        )
    if out != n_classes:
        raise DataError(
            f"{source} outputs {out} classes, but the data have {n_classes}: give the data it was trained on"
        )


def accepted_hyper(builder: Callable, hyper: dict) -> tuple[dict, list[str]]:
    """The part of ``hyper`` that ``builder`` accepts by its signature, and the names left out."""
    try:
        params = inspect.signature(builder).parameters
    except (TypeError, ValueError):
        return dict(hyper), []
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(hyper), []
    kept = {k: v for k, v in hyper.items() if k in params}
    return kept, sorted(set(hyper) - set(kept))


__all__ = [
    "ModelSpec",
    "resolve",
    "resolve_all",
    "load_trained",
    "load_builder",
    "custom_objects",
    "check_input",
    "accepted_hyper",
    "source_digest",
    "TRAINED_SUFFIX",
]
