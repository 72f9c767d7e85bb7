"""The signal answer's levels in order, and what ``diagnose report --fail-on`` makes of them (kept light: the
command line reads it while it builds its parser)."""

from __future__ import annotations

# The signal answer's levels, weakest first ("inconclusive" ranks with "none": it showed nothing), and the
# ones `diagnose report --fail-on LEVEL` may name: exit 1 when the answer is at or below LEVEL.
SIGNAL_ORDER = {"none": 0, "inconclusive": 0, "weak": 1, "strong": 2}
FAIL_ON_LEVELS = ("none", "weak")


def fails(doc: dict, level: str) -> bool:
    """Whether the document's signal answer is at or below ``level`` (no answer counts as failing)."""
    got = ((doc.get("verdicts") or {}).get("signal") or {}).get("level")
    return got is None or SIGNAL_ORDER.get(got, 0) <= SIGNAL_ORDER[level]
