"""Plain result records and their conversion to JSON-ready values."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

STATUSES = ("pass", "warn", "fail", "error")


class Progress(Protocol):
    """The one progress protocol: ``progress(done, total, label="")`` after each step of long work.

    Checks call it as ``progress(done, total)``; the pipeline and its executor add the ``label`` of the
    part that runs, and the console's callbacks (bars on a terminal, plain lines elsewhere) show it.
    """

    def __call__(self, done: int, total: int, label: str = "") -> None: ...


def to_jsonable(obj: Any) -> Any:
    """Convert dataclasses, numpy arrays and scalars, tuples and non-finite floats to JSON values.

    NaN and infinities become ``None`` (JSON has no NaN).
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@dataclass(frozen=True, repr=False)
class Result:
    """The base of every public check's result: a frozen record, one ``to_dict``, a short repr, an HTML table.

    A result is declared as ``@dataclass(frozen=True, repr=False) class NameResult(Result)`` (``repr=False``
    keeps this repr); :attr:`repr_fields` names the fields its repr and default table show (all when empty).
    ``to_dict`` is the JSON-ready record the Diagnosis document holds; a subclass overrides ``_repr_html_``
    only when a table of its fields says too little.
    """

    repr_fields: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict:
        """The record as plain JSON values (:func:`to_jsonable`)."""
        return to_jsonable(self)

    def __repr__(self) -> str:
        return short_repr(self, self.repr_fields or None)

    def _repr_html_(self) -> str:
        names = self.repr_fields or tuple(f.name for f in dataclasses.fields(self))
        return html_table(["field", "value"], [[n, _short(getattr(self, n))] for n in names], type(self).__name__)


@dataclass(frozen=True, repr=False)
class CheckResult(Result):
    """One health or diagnostic check: what was measured, a status and a message a person can act on."""

    check: str
    status: str  # one of STATUSES
    value: Any
    message: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def _repr_html_(self) -> str:
        return html_table(["check", "status", "message"], [[self.check, self.status, self.message]])


# ---------------------------------------------------------------------------------------------- display
REPR_CHARS = 600  # a result's repr stays a glance: arrays and long lists show their size, not their values


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if isinstance(value, (list, tuple)):
        if len(value) <= 4 and all(isinstance(v, (int, float, str, bool, type(None), np.generic)) for v in value):
            return "[" + ", ".join(_short(v) for v in value) + "]"
        return f"[{len(value)} items]"
    if isinstance(value, dict):
        return f"{{{len(value)} keys}}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, str):
        return repr(value if len(value) <= 80 else value[:79] + "…")
    if dataclasses.is_dataclass(value):
        return f"{type(value).__name__}(...)"
    return repr(value)[:40]


def short_repr(obj: Any, fields: tuple[str, ...] | None = None) -> str:
    """``Name(field=value, ...)`` with arrays and long lists as their size, at most :data:`REPR_CHARS` long.

    Examples
    --------
    >>> short_repr(CheckResult("padding", "pass", 0.1, "10% of timesteps are padding"))
    "CheckResult(check='padding', status='pass', value=0.1, message='10% of timesteps are padding')"
    """
    names = fields or tuple(f.name for f in dataclasses.fields(obj))
    text = f"{type(obj).__name__}(" + ", ".join(f"{n}={_short(getattr(obj, n))}" for n in names) + ")"
    return text if len(text) <= REPR_CHARS else text[: REPR_CHARS - 4] + "...)"


def html_table(headers: list[str], rows: list[list[Any]], caption: str = "") -> str:
    """A small HTML table (every cell escaped; floats to 3 decimals) for ``_repr_html_``."""
    import html

    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "-" if not math.isfinite(float(v)) else f"{float(v):.3f}"
        return html.escape("-" if v is None else str(v))

    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    cap = f"<caption style='text-align:left'><b>{html.escape(caption)}</b></caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
