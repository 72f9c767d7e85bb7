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

import functools
import inspect
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signal_diagnostics.errors import DataError
from signal_diagnostics.models.backend import select_backend
from signal_diagnostics.models.model_files import TRAINED_SUFFIX, file_digest, load_builder, load_trained

select_backend()

import keras  # noqa: E402

KINDS = ("zoo", "builder", "file", "callable", "baseline")


@dataclass(frozen=True)
class ModelSpec:
    """A checked model: what it is, where it lives, what reports call it, and how to build it.

    Plain data (a path, a function name, the file's digest; a callable spec holds the function), so it
    pickles to worker processes; a builder file is imported, and a trained file loaded, only when
    :meth:`build` needs it (a builder file once per process).
    """

    spec: str  # as given
    kind: str  # one of KINDS
    label: str  # the name in reports: the spec as given, or a builder's __name__
    description: str
    path: str | None = None  # builder or trained file
    function: str | None = None  # builder function name
    digest: str | None = None  # a hash of the file's content (builder, file), computed once at resolve
    fn: Callable[..., Any] | None = field(default=None, repr=False)  # the builder of a "callable" spec

    def to_dict(self) -> dict:
        return {
            "spec": self.spec,
            "kind": self.kind,
            "label": self.label,
            "description": self.description,
            "path": self.path,
            "function": self.function,
            "digest": self.digest,
        }

    def builder(self) -> Callable[..., Any]:
        """The builder function of a ``builder`` (imported once per process) or ``callable`` spec."""
        if self.kind == "callable":
            return self.fn
        if self.kind == "builder":
            return load_builder(self.path, self.function)
        raise DataError(f"model {self.label!r} ({self.kind}) has no builder function")

    def trained(self) -> Any:
        """The trained model of a ``file`` spec, its weights as saved (read from the file on each call)."""
        if self.kind != "file":
            raise DataError(f"model {self.label!r} ({self.kind}) is not a trained model file")
        return load_trained(self.path)

    def build(self, input_shape, n_classes: int, **hyper) -> Any:
        """A fresh ``keras.Model`` for ``(T, C)`` series and ``n_classes`` classes.

        A zoo model is built by :func:`signal_diagnostics.models.zoo.build`; a builder gets only the
        ``hyper`` options its signature takes; a trained file gives its architecture
        (``keras.models.clone_model``: new weights drawn under the current seed), compiled as it was saved.
        """
        if self.kind == "zoo":
            from signal_diagnostics.models.zoo import build as build_zoo

            return build_zoo(self.spec, input_shape, n_classes, **hyper)
        if self.kind == "file":
            return _clone_trained(self, input_shape, n_classes)
        fn = self.builder()
        kept, _ = accepted_hyper(fn, hyper)
        model = fn(tuple(input_shape), n_classes, **kept)
        if not isinstance(model, keras.Model):
            raise DataError(f"model builder {self.label!r} returned {type(model).__name__}, not a keras.Model")
        return model


def _clone_trained(spec: ModelSpec, input_shape, n_classes: int) -> Any:
    saved = spec.trained()
    check_input(saved, input_shape, n_classes, f"model file {spec.path!r}")
    net = keras.models.clone_model(saved)
    config = saved.get_compile_config() if getattr(saved, "compiled", False) else None
    if config:
        net.compile_from_config(config)
    return net


def split_builder(spec: str) -> tuple[str, str]:
    """``"path/to/file.py:fn"`` -> ``(path, fn)``; a DataError when it names no function."""
    path, sep, fn = spec.rpartition(":")
    if not sep or not path.endswith(".py") or not fn:
        raise DataError(f"user model {spec!r} names no function: use 'file.py:function'")
    return path, fn


def build_user(spec: str, input_shape, n_classes: int, **hyper) -> Any:
    """Build a user's model from ``"path/to/file.py:fn"``; ``hyper`` goes only where ``fn`` takes it."""
    return resolve(spec).build(input_shape, n_classes, **hyper)


def build(name: str | ModelSpec, input_shape, n_classes: int, **hyper) -> Any:
    """Build a model from a zoo name, ``"path/to/file.py:fn"``, ``"model.keras"`` or a ModelSpec."""
    return as_spec(name).build(input_shape, n_classes, **hyper)


def _is_builder(spec: str) -> bool:
    return spec.endswith(".py") or ".py:" in spec


def _is_trained_file(spec: str) -> bool:
    return spec.endswith(TRAINED_SUFFIX) or Path(spec).suffix in (".h5", ".hdf5", ".pb")


@functools.lru_cache(maxsize=64)
def _trained_facts(resolved: str, digest: str, shown: str) -> tuple[str, Any, Any]:
    """Load a trained file once per process and content: its name and input / output shapes."""
    model = load_trained(shown)
    try:
        shapes = (tuple(model.inputs[0].shape[1:]), int(model.outputs[0].shape[-1]))
    except (AttributeError, IndexError, TypeError):
        shapes = (None, None)
    return str(getattr(model, "name", "")), *shapes


def _resolve_file(spec: str, input_shape, n_classes: int | None) -> ModelSpec:
    file = Path(spec)
    if not (file.suffix == TRAINED_SUFFIX and file.is_file() and zipfile.is_zipfile(file)):
        load_trained(spec)  # raises the DataError that says what is wrong with the file
    digest = file_digest(file)
    name, expected, out = _trained_facts(str(file.resolve()), digest, spec)
    if input_shape is not None and n_classes is not None and expected is not None:
        check_shapes(expected, out, input_shape, n_classes, f"model file {spec!r}")
    description = f"trained model {name} from {file.name}".strip()
    return ModelSpec(spec, "file", spec, description, path=spec, digest=digest)


def resolve(
    spec: str | ModelSpec | Callable,
    *,
    baselines_allowed: bool = False,
    input_shape=None,
    n_classes: int | None = None,
) -> ModelSpec:
    """Check one model name and say what it is.

    Parameters
    ----------
    spec : a zoo name, ``"file.py:fn"``, ``"model.keras"``, (with ``baselines_allowed``) a baseline name,
        a builder function (kind ``"callable"``, labelled by its ``__name__``) or a ModelSpec (returned as is).
    baselines_allowed : accept ``baselines.available()`` names (``diagnose explain --model minirocket``).
    input_shape, n_classes : the data's ``(T, C)`` and class count; when given, a trained file must
        take such series and output that many classes.

    Returns
    -------
    ModelSpec
        Cheap for zoo names; a builder file is imported and a trained file read once per process and
        file content (later calls reuse what was found).

    Raises
    ------
    DataError
        For an unknown name, a missing file or function, or a model file that cannot be read safely.
    """
    from signal_diagnostics.models.zoo import MODELS

    if isinstance(spec, ModelSpec):
        return spec
    if callable(spec) and not isinstance(spec, (str, keras.Model)):
        label = str(getattr(spec, "__name__", type(spec).__name__))
        return ModelSpec(label, "callable", label, f"user builder {label}", fn=spec)
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(f"model name must be a non-empty string; got {spec!r}")
    spec = spec.strip()
    if spec in MODELS:
        return ModelSpec(spec, "zoo", spec, MODELS[spec][1])
    if _is_builder(spec):
        path, fn = split_builder(spec)
        load_builder(path, fn)
        description = f"user builder {fn} from {Path(path).name}"
        return ModelSpec(spec, "builder", spec, description, path=path, function=fn, digest=file_digest(path))
    if _is_trained_file(spec):
        return _resolve_file(spec, input_shape, n_classes)
    known = list(MODELS)
    if baselines_allowed:
        from signal_diagnostics import baselines

        if spec in baselines.available():
            return ModelSpec(spec, "baseline", spec, baselines.available()[spec])
        known += list(baselines.available())
    raise DataError(f"unknown model {spec!r}: use one of {', '.join(known)}, 'file.py:function' or 'model.keras'")


def as_spec(model: str | ModelSpec | Callable) -> ModelSpec:
    """The ModelSpec of what a caller holds: a ModelSpec as is, anything else through :func:`resolve`."""
    return model if isinstance(model, ModelSpec) else resolve(model)


def resolve_all(
    specs, *, baselines_allowed: bool = False, input_shape=None, n_classes: int | None = None
) -> list[ModelSpec | None]:
    """:func:`resolve` for each model; ``keras.Model`` objects (trained as given) pass unchecked (as None)."""
    return [
        None
        if isinstance(s, keras.Model)
        else resolve(s, baselines_allowed=baselines_allowed, input_shape=input_shape, n_classes=n_classes)
        for s in specs
    ]


def source_digest(spec: Any) -> str | None:
    """A hash of the file a ``file.py:fn`` or ``model.keras`` spec names (None for anything else), so a
    cached unit is not reused after the user changed the model behind the same name."""
    if isinstance(spec, ModelSpec):
        return spec.digest
    if not isinstance(spec, str):
        return None
    path = spec.rpartition(":")[0] if ".py:" in spec else spec
    if not (path.endswith(".py") or path.endswith(TRAINED_SUFFIX)) or not Path(path).is_file():
        return None
    return file_digest(path)


def check_input(model: Any, input_shape, n_classes: int, source: str) -> None:
    """Refuse a model whose input does not take ``(T, C)`` series or whose output is not ``n_classes`` wide."""
    try:
        expected = tuple(model.inputs[0].shape[1:])
        out = int(model.outputs[0].shape[-1])
    except (AttributeError, IndexError, TypeError):
        return
    check_shapes(expected, out, input_shape, n_classes, source)


def check_shapes(expected: tuple, out: int, input_shape, n_classes: int, source: str) -> None:
    """:func:`check_input` on a model's input shape ``expected`` (without the batch axis) and output width."""
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
    "as_spec",
    "build",
    "resolve",
    "resolve_all",
    "check_input",
    "check_shapes",
    "accepted_hyper",
    "source_digest",
]
