"""The evidence sections below the answers, in report order, shared by HTML and Markdown.

Each section is built from the Diagnosis document alone (:mod:`reports.signal_sections`,
:mod:`reports.deep_sections`, from the parts in :mod:`reports.tables`).
"""

from __future__ import annotations

from .deep_sections import (
    attention_section,
    attribution_section,
    comparisons_section,
    config_section,
    deep_models_section,
    lint_section,
)
from .formatting import value
from .signal_sections import (
    baselines_section,
    ceiling_section,
    class_pairs_section,
    dataset_section,
    health_section,
    labels_section,
    learning_curve_section,
    shuffle_section,
    timestep_section,
)

SECTIONS = (
    dataset_section,
    health_section,
    baselines_section,
    shuffle_section,
    learning_curve_section,
    timestep_section,
    ceiling_section,
    labels_section,
    class_pairs_section,
    deep_models_section,
    lint_section,
    comparisons_section,
    attention_section,
    attribution_section,
    config_section,
)

# error keys some section shows; any other key in doc["errors"] is listed on its own
KNOWN_ERROR_HEADS = {
    "dataset",
    "health",
    "baseline",
    "baselines",
    "signal",
    "shuffle_test",
    "learning_curve",
    "timestep_map",
    "ceiling",
    "label_issues",
    "class_pairs",
    "deep",
    "lint",
    "comparisons",
    "compare",
    "attention",
    "attribution",
    "explain",
    "config",
}


def sections(doc: dict) -> list[dict]:
    """All evidence sections, in report order."""
    return [build(doc) for build in SECTIONS]


def other_errors(doc: dict) -> list[str]:
    """Errors in ``doc["errors"]`` that no section shows."""
    errors = doc.get("errors") or {}
    if not isinstance(errors, dict):
        return [value(errors, 300)]
    return [f"{k}: {v}" for k, v in errors.items() if str(k).split(":", 1)[0] not in KNOWN_ERROR_HEADS]


__all__ = ["sections", "other_errors", "SECTIONS"]
