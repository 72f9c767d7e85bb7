"""Plain result records and their conversion to JSON-ready values."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

STATUSES = ("pass", "warn", "fail", "error")


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


@dataclass(frozen=True)
class CheckResult:
    """One health or diagnostic check: what was measured, a status and a message a person can act on."""

    check: str
    status: str  # one of STATUSES
    value: Any
    message: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def to_dict(self) -> dict:
        return to_jsonable(self)
