"""The answers card: the report's top (six answers, what to do next) as one HTML fragment for notebooks."""

from __future__ import annotations

from .answers import answers, as_dict, data_notes, recommendations, run_line, subtitle
from .html import environment
from .sections import other_errors

MAX_RECOMMENDATIONS = 5  # the card stays a glance; the full list is in the report


def answers_card(doc: dict) -> str:
    """An HTML fragment with the answers of ``doc`` (``reports.answers.answers``), offline and escaped.

    It carries its own CSS (scoped to ``.sdx-card``), no scripts, links or external resources, so it
    shows the same in Jupyter, VS Code or a saved notebook.

    Parameters
    ----------
    doc : the Diagnosis document.

    Returns
    -------
    str : one ``<div class="sdx-card">``.
    """
    if not isinstance(doc, dict):
        raise TypeError(f"doc must be a Diagnosis dict, got {type(doc).__name__}")
    ds = as_dict(doc.get("dataset"))
    return (
        environment()
        .get_template("card.html.j2")
        .render(
            title=str(ds.get("name") or "dataset"),
            subtitle=subtitle(doc),
            run_line=run_line(doc),
            data_notes=data_notes(doc),
            answers=answers(doc),
            recommendations=recommendations(doc)[:MAX_RECOMMENDATIONS],
            other_errors=other_errors(doc),
        )
    )


__all__ = ["answers_card"]
