"""Numbers and values as short strings; every function accepts None and odd types without raising."""

from __future__ import annotations

import math
from typing import Any

MISSING = "–"  # shown where a value is absent (None, NaN, wrong type)


def is_number(x: Any) -> bool:
    """True for finite ints and floats (not bools)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def num(x: Any, digits: int = 3) -> str:
    """``0.6123`` -> ``"0.612"``; integers stay integers; anything else -> ``MISSING``."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if is_number(x):
        return f"{x:.{digits}f}"
    return MISSING


def signed(x: Any, digits: int = 3) -> str:
    return f"{x:+.{digits}f}" if is_number(x) else MISSING


def points(x: Any) -> str:
    """A score difference in percentage points, signed: ``-0.0312`` -> ``"-3.1"``; never ``"-0.0"``."""
    if not is_number(x):
        return MISSING
    v = round(100 * x, 1)
    return f"{v if v != 0 else 0.0:+.1f}"


def pval(p: Any) -> str:
    """Three significant digits: ``0.00498``, ``0.41``."""
    return f"{p:.3g}" if is_number(p) else MISSING


def interval(low: Any, high: Any, digits: int = 3) -> str:
    """``"[0.512, 0.634]"`` or ``""`` when either end is missing."""
    if is_number(low) and is_number(high):
        return f"[{low:.{digits}f}, {high:.{digits}f}]"
    return ""


def with_interval(mean: Any, iv: Any, digits: int = 3) -> str:
    """``"0.612 [0.512, 0.634]"``: the mean and, when there is one, its interval."""
    iv = iv if isinstance(iv, dict) else {}
    text = num(mean, digits)
    bounds = interval(iv.get("low"), iv.get("high"), digits)
    return f"{text} {bounds}" if bounds else text


def _compact(x: Any, depth: int = 0) -> str:
    """Nested values as short text: numbers to 3 significant digits, dict keys as words, no quotes."""
    if isinstance(x, bool) or x is None:
        return num(x) if x is not None else MISSING
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return f"{x:.3g}" if math.isfinite(x) else str(x)
    if isinstance(x, str):
        return x
    if isinstance(x, (dict, list, tuple)) and not x:
        return "none"
    if isinstance(x, dict):
        inner = ", ".join(f"{words(k)} {_compact(v, depth + 1)}" for k, v in x.items())
        return f"({inner})" if depth else inner
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_compact(v, depth + 1) for v in x) + "]"
    return str(x)


def value(x: Any, limit: int = 80) -> str:
    """A health check's ``value`` (number, list, dict...) as compact text, cut at ``limit`` characters.

    ``{"ratio": 2.185185, "majority_class": "3"}`` -> ``"ratio 2.19, majority class 3"``.
    """
    if x is None:
        return MISSING
    if isinstance(x, (int, float, bool)):
        return num(x)
    text = _compact(x)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def seconds(x: Any) -> str:
    if not is_number(x):
        return MISSING
    return f"{x:.1f} s" if x < 120 else f"{x / 60:.1f} min"


def words(name: Any) -> str:
    """``"balanced_accuracy"`` -> ``"balanced accuracy"``."""
    return str(name).replace("_", " ") if name is not None else MISSING


def decision_text(c: dict) -> str:
    """A comparison's decided outcome, a against b (``"better (adjusted p = 0.003)"``), as the answers use it;
    a document written before decisions shows its stored conclusion."""
    d = c.get("decision") if isinstance(c.get("decision"), dict) else {}
    if not d.get("outcome"):
        return str(c.get("outcome") or c.get("verdict") or "")
    p = d.get("p_adjusted")
    return str(d["outcome"]) + (f" (adjusted p = {pval(p)})" if p is not None and d["outcome"] != "equivalent" else "")
