"""The self-contained HTML report: Jinja2 with autoescaping, inline CSS, figures as data URIs, no scripts."""
from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from reports.answers import answers, recommendations
from reports.sections import other_errors, sections

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> jinja2.Environment:
    """The Jinja2 environment: templates from ``reports/templates``, every value HTML-escaped."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for embedding a PNG in the page."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(doc: dict, pngs: dict[str, bytes] | None = None, figure_errors: dict[str, str] | None = None) -> str:
    """The report page for ``doc``.

    Parameters
    ----------
    doc : the Diagnosis document.
    pngs : figure name -> PNG bytes, embedded where the sections name them; missing ones are skipped.
    figure_errors : figure name -> message for figures that could not be drawn.

    Returns
    -------
    str : one HTML document with no external resources.
    """
    images = {name: data_uri(png) for name, png in (pngs or {}).items()}
    ds = doc.get("dataset") if isinstance(doc.get("dataset"), dict) else {}
    return environment().get_template("report.html.j2").render(
        title=str(ds.get("name") or "dataset"), dataset=ds, answers=answers(doc),
        recommendations=recommendations(doc), sections=sections(doc), other_errors=other_errors(doc),
        images=images, figure_errors=figure_errors or {}, tool=doc.get("tool") if isinstance(doc.get("tool"), dict) else {})


__all__ = ["render_html", "data_uri", "environment"]
