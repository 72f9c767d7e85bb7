"""Numbers and values as short strings; every function accepts None and odd types without raising."""
from __future__ import annotations

import json
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


def value(x: Any, limit: int = 80) -> str:
    """A health check's ``value`` (number, list, dict...) as compact text, cut at ``limit`` characters."""
    if x is None:
        return MISSING
    if isinstance(x, (int, float, bool)):
        return num(x)
    if isinstance(x, str):
        text = x
    else:
        try:
            text = json.dumps(x, separators=(", ", ": "), sort_keys=False, default=str)
        except (TypeError, ValueError):
            text = str(x)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def seconds(x: Any) -> str:
    if not is_number(x):
        return MISSING
    return f"{x:.1f} s" if x < 120 else f"{x / 60:.1f} min"


def words(name: Any) -> str:
    """``"balanced_accuracy"`` -> ``"balanced accuracy"``."""
    return str(name).replace("_", " ") if name is not None else MISSING
