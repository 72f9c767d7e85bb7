"""The parts every evidence section is made of: the section record, tables, status badges and score rows.

A section is ``{"id", "title", "state", "errors", "paragraphs", "tables", "figures"}``: ``state`` is
``"ok"``, ``"not run"`` or ``"error"``; a table is ``{"caption", "headers", "rows", "note", "wrap"}``
whose cells are strings or ``{"text", "badge"}`` (a status badge) and whose ``wrap`` lists the columns
of running text (the HTML keeps the other columns, numbers and names, on one line). ``figures`` lists
figure names (file stems) that the renderers look up among the drawn figures.
"""

from __future__ import annotations

from typing import Any

from .answers import as_dict, section_errors
from .formatting import MISSING, with_interval

METRIC_COLUMNS = (
    ("balanced_accuracy", "Balanced acc. = MAR"),
    ("accuracy", "Accuracy"),
    ("macro_precision", "Macro precision (MAP)"),
    ("macro_f1", "Macro F1"),
)


def section(id_: str, title: str, doc: dict, error_keys: tuple[str, ...], present: bool) -> dict:
    errors = section_errors(doc, *error_keys)
    state = "ok" if present else ("error" if errors else "not run")
    return {"id": id_, "title": title, "state": state, "errors": errors, "paragraphs": [], "tables": [], "figures": []}


def table(
    headers: list[str], rows: list[list[Any]], caption: str = "", note: str = "", wrap: tuple[int, ...] = ()
) -> dict:
    return {"caption": caption, "headers": headers, "rows": rows, "note": note, "wrap": list(wrap)}


def badge(status: Any) -> dict:
    s = str(status) if status is not None else "unknown"
    return {"text": s, "badge": s if s in ("pass", "warn", "fail", "error") else "unknown"}


def interval_methods(models: list[dict]) -> str:
    methods = []
    for m in models:
        for iv in as_dict(m.get("intervals")).values():
            if isinstance(iv, dict) and iv.get("method") and iv["method"] not in methods:
                methods.append(str(iv["method"]))
    return "Intervals: " + "; ".join(methods) + "." if methods else ""


def score_rows(models: list[dict], extra: list[tuple[str, Any]]) -> list[list[Any]]:
    rows = []
    for m in models:
        ivs = as_dict(m.get("intervals"))
        row = [str(m.get("name", MISSING))]
        row += [with_interval(m.get(key), ivs.get(key)) for key, _ in METRIC_COLUMNS]
        row += [f(m) for _, f in extra]
        rows.append(row)
    return rows


__all__ = ["METRIC_COLUMNS", "section", "table", "badge", "interval_methods", "score_rows"]
