"""The Markdown report: the same answers, recommendations and tables as the HTML, figures linked as files."""

from __future__ import annotations

import re
from typing import Any

from .answers import answers, data_notes, recommendations, run_line, subtitle
from .sections import other_errors, sections

_SPECIAL = re.compile(r"([\\`*\[\]|])")


def escape(text: Any) -> str:
    """User text made inert in Markdown: HTML tags, emphasis, links and table pipes escaped, one line."""
    s = str(text).replace("\r", " ").replace("\n", " ")
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", s)


def _cell(cell: Any) -> str:
    if isinstance(cell, dict):
        return f"**{escape(str(cell.get('text', '')).upper())}**"
    return escape(cell)


def _table(t: dict) -> list[str]:
    lines = []
    if t.get("caption"):
        lines += [f"*{escape(t['caption'])}*", ""]
    headers = [escape(h) for h in t["headers"]]
    lines.append("| " + " | ".join(h or " " for h in headers) + " |")
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t["rows"]]
    if t.get("note"):
        lines += ["", f"*{escape(t['note'])}*"]
    return lines + [""]


def render_markdown(
    doc: dict, figure_names: list[str] | tuple[str, ...] = (), figure_errors: dict[str, str] | None = None
) -> str:
    """The report as Markdown; figures in ``figure_names`` are linked as ``figures/NAME.png``."""
    figure_errors = figure_errors or {}
    available = set(figure_names)
    ds = doc.get("dataset") if isinstance(doc.get("dataset"), dict) else {}
    out = [f"# Signal diagnosis: {escape(ds.get('name') or 'dataset')}", ""]
    intro = " ".join(escape(x) for x in (subtitle(doc), run_line(doc)) if x)
    if intro:
        out += [intro, ""]
    notes = data_notes(doc)
    if notes:
        out += ["## Data as read", ""] + [f"- {escape(n)}" for n in notes] + [""]
    out += ["## Answers", ""]
    for a in answers(doc):
        head = f" {a['headline']}" if a["headline"] else ""
        out.append(f"- **{escape(a['question'] + head)}** {escape(a['answer'])}")
        out += [f"  - {escape(d)}" for d in a["details"]]
    errors = other_errors(doc)
    if errors:
        out += ["", "**Also failed:**", ""] + [f"- {escape(e)}" for e in errors]
    out += ["", "## What to do next", ""]
    recs = recommendations(doc)
    for i, r in enumerate(recs, 1):
        out.append(f"{i}. {escape(r['text'])}" + (f" *Evidence: {escape(r['evidence'])}.*" if r["evidence"] else ""))
    if not recs:
        out.append("No recommendations.")
    out.append("")
    for s in sections(doc):
        out += [f"## {escape(s['title'])}", ""]
        out += [f"> **Failed:** {escape(e)}" for e in s["errors"]]
        if s["errors"]:
            out.append("")
        if s["state"] == "not run":
            out += ["_Not run._", ""]
        for p in s["paragraphs"]:
            out += [escape(p), ""]
        for t in s["tables"]:
            out += _table(t)
        for name in s["figures"]:
            if name in available:
                out += [f"![{name.replace('_', ' ')}](figures/{name}.png)", ""]
            elif name in figure_errors:
                out += [f"> Figure {escape(name)} could not be drawn: {escape(figure_errors[name])}", ""]
    return "\n".join(out).rstrip() + "\n"


__all__ = ["render_markdown", "escape"]
