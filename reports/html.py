"""The self-contained HTML report: Jinja2 with autoescaping, inline CSS, figures as data URIs, no scripts."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import jinja2

from .answers import answers, as_dict, data_notes, recommendations, run_line, subtitle
from .sections import other_errors, sections

TEMPLATES = Path(__file__).parent / "templates"
CSS_PX_PER_INCH = 100  # figures are shown at 100 CSS pixels per figure inch, whatever DPI they were saved at
INCHES_PER_METRE = 39.3701


def environment() -> jinja2.Environment:
    """The Jinja2 environment: templates from ``reports/templates``, every value HTML-escaped."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for embedding a PNG in the page."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def display_size(png: bytes) -> tuple[int, int] | None:
    """``(width, height)`` in CSS pixels for a PNG: its size in inches (from the ``pHYs`` chunk, which
    matplotlib writes) times :data:`CSS_PX_PER_INCH`; the pixel size when it has no ``pHYs``; ``None``
    when the bytes are not a PNG."""
    if len(png) < 33 or png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", png[16:24])
    pos, dpi = 8, None
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        if kind == b"pHYs" and length == 9:
            ppm_x, _, unit = struct.unpack(">IIB", png[pos + 8 : pos + 17])
            if unit == 1 and ppm_x > 0:
                dpi = ppm_x / INCHES_PER_METRE
            break
        if kind == b"IDAT":
            break
        pos += 12 + length
    scale = CSS_PX_PER_INCH / dpi if dpi else 1.0
    return round(width * scale), round(height * scale)


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
    images = {}
    for name, png in (pngs or {}).items():
        size = display_size(png)
        images[name] = {"src": data_uri(png), "width": size[0] if size else None, "height": size[1] if size else None}
    ds = as_dict(doc.get("dataset"))
    tool = as_dict(doc.get("tool"))
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            title=str(ds.get("name") or "dataset"),
            subtitle=subtitle(doc),
            run_line=run_line(doc),
            data_notes=data_notes(doc),
            answers=answers(doc),
            recommendations=recommendations(doc),
            sections=sections(doc),
            other_errors=other_errors(doc),
            images=images,
            figure_errors=figure_errors or {},
            tool=tool,
        )
    )


__all__ = ["render_html", "data_uri", "display_size", "environment"]
