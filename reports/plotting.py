"""The drawing conventions every report figure shares: style, size, PNG bytes and safe text."""

from __future__ import annotations

import functools
import io
import re
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .formatting import is_number

DPI = 150  # sharp on high-density screens and in print; the HTML shows figures at 100 CSS px per inch

WIDE = 8.0  # inches: the time-axis figures

TIME_AXES = (0.22, 0.86)  # left and right edge of the time axes (figure fraction), shared for alignment

COLORBAR_X = (0.88, 0.015)  # colorbar axes left edge and width

LABEL_CHARS = 18  # longest class label drawn in full on an axis

STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8}


def styled(draw):
    """Run a figure function under the report's fixed style, whatever the caller's rcParams."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float, layout: str | None = None) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def safe_text(label: Any, limit: int = LABEL_CHARS) -> str:
    """A user string made safe for matplotlib: no mathtext (``$``), cut to ``limit`` characters."""
    s = str(label).replace("\n", " ")
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("$", r"\$")


def floats(values: Any) -> np.ndarray:
    """A (nested) list with ``None`` -> float array with NaN; empty array when not numeric."""
    if values is None:
        return np.array([], dtype=float)
    try:
        return np.array(
            [
                [np.nan if v is None else v for v in row]
                if isinstance(row, (list, tuple))
                else (np.nan if row is None else row)
                for row in values
            ],
            dtype=float,
        )
    except (TypeError, ValueError):
        return np.array([], dtype=float)


@styled
def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes, without the software/date metadata, so equal figures give equal bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def number_text(x: Any) -> str:
    return f"{x:.3f}" if is_number(x) else "–"


def rectangular(rows: Any) -> bool:
    """True for a non-empty list of equally long lists (the learning curve's scores per size)."""
    return (
        isinstance(rows, list)
        and bool(rows)
        and all(isinstance(r, list) for r in rows)
        and len({len(r) for r in rows}) == 1
    )


def time_axes(fig: Figure, rows: int) -> tuple[Any, Any]:
    """The shared time-axis layout: data axes and colorbar axes at fixed figure positions."""
    height = fig.get_figheight()
    bottom, top = 0.55 / height, 1 - 0.4 / height
    left, right = TIME_AXES
    ax = fig.add_axes((left, bottom, right - left, top - bottom))
    cax = fig.add_axes((COLORBAR_X[0], bottom, COLORBAR_X[1], top - bottom))
    return ax, cax


def time_height(rows: int) -> float:
    return 0.95 + 0.36 * max(rows, 2)


def slug(name: Any) -> str:
    """A file-name-safe version of a model name."""
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._")
    return s[:60] or "x"
