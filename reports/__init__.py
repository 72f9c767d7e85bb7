"""Render a Diagnosis document (a dict, or a saved ``diagnosis.json``) as HTML, Markdown and PNG figures.

This package never imports the rest of ``signal_diagnostics`` (its own modules are imported relatively): a saved
document re-renders anywhere.

Examples
--------
>>> from signal_diagnostics import reports                  # doctest: +SKIP
>>> paths = reports.render(doc, "report")                   # doctest: +SKIP
>>> paths["html"]                                           # doctest: +SKIP
PosixPath('report/report.html')
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"
FIGURES_DIR = "figures"


def render(doc: dict, out_dir: str | Path) -> dict:
    """Write ``report.html``, ``report.md`` and ``figures/*.png`` for ``doc`` into ``out_dir``.

    Everything is rendered into a temporary folder beside ``out_dir`` first and moved into place only
    when all of it succeeded, so a failure leaves no half-written report. Other files in ``out_dir``
    (such as ``diagnosis.json``) are kept; an older ``figures/`` folder is replaced as a whole.

    Parameters
    ----------
    doc : the Diagnosis document (plain JSON values). Missing or ``None`` sections render as "not
        run"; sections named in ``doc["errors"]`` show their message.
    out_dir : folder to write into; created when missing.

    Returns
    -------
    dict : ``{"html": Path, "markdown": Path, "figures": {name: Path}}``.
    """
    from .figures import figures
    from .html import render_html
    from .markdown import render_markdown
    from .plotting import png_bytes

    if not isinstance(doc, dict):
        raise TypeError(f"doc must be a Diagnosis dict, got {type(doc).__name__}")
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.rendering-", dir=out.parent))
    try:
        drawn, figure_errors = figures(doc)
        pngs = {name: png_bytes(fig) for name, fig in drawn.items()}
        (tmp / FIGURES_DIR).mkdir()
        for name, png in pngs.items():
            (tmp / FIGURES_DIR / f"{name}.png").write_bytes(png)
        (tmp / MARKDOWN_NAME).write_text(render_markdown(doc, list(pngs), figure_errors), encoding="utf-8")
        (tmp / HTML_NAME).write_text(render_html(doc, pngs, figure_errors), encoding="utf-8")
        _move_into_place(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "html": out / HTML_NAME,
        "markdown": out / MARKDOWN_NAME,
        "figures": {name: out / FIGURES_DIR / f"{name}.png" for name in pngs},
    }


def _move_into_place(tmp: Path, out: Path) -> None:
    """Rename the rendered files into ``out``: figures first, the HTML page last."""
    out.mkdir(parents=True, exist_ok=True)
    old = out / FIGURES_DIR
    if old.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(old, trash / FIGURES_DIR)
        os.replace(tmp / FIGURES_DIR, old)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(tmp / FIGURES_DIR, old)
    os.replace(tmp / MARKDOWN_NAME, out / MARKDOWN_NAME)
    os.replace(tmp / HTML_NAME, out / HTML_NAME)


__all__ = ["render", "HTML_NAME", "MARKDOWN_NAME", "FIGURES_DIR"]
