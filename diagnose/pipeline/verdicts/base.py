"""What every answer is made of: the :class:`Verdict` record, the permutation levels, and readers of the document."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

from signal_diagnostics.errors import OptionWarning
from signal_diagnostics.pipeline.verdicts.thresholds import (
    ALPHA,
    CLUSTER_ALPHA,
    STRONG_ALPHA,
)
from signal_diagnostics.results import Result

# The levels that rest on a permutation p-value, (answer, level, threshold on p). With N label shuffles
# the smallest p is 1 / (N + 1) (Ojala & Garriga 2010, eq. 1), so each needs at least 1 / alpha - 1.
PERMUTATION_LEVELS = (
    ("signal", "strong", STRONG_ALPHA),
    ("signal", "weak", ALPHA),
    ("where", "windows", CLUSTER_ALPHA),
)


@dataclass(frozen=True, repr=False)
class Verdict(Result):
    """One answer: its ``level`` (a fixed word per question, None when it could not be decided), a
    short ``headline``, one ``sentence`` with the numbers, the ``evidence`` those numbers come from,
    further ``details``, and the ``question`` it answers and the ``anchor`` of the report section holding
    the evidence (both filled in from the answer's row of
    :data:`~signal_diagnostics.pipeline.verdicts.registry.ANSWERS` when it is decided)."""

    repr_fields: ClassVar[tuple[str, ...]] = ("id", "level", "headline")

    id: str
    level: str | None
    headline: str
    sentence: str
    evidence: dict = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    question: str = ""
    anchor: str = ""


def min_permutations(alpha: float) -> int:
    """The fewest label shuffles N with ``1 / (N + 1) <= alpha`` (19 for 0.05, 99 for 0.01)."""
    return math.ceil(round(1 / alpha - 1, 9))


def unreachable_levels(n_permutations: int, answer: str | None = None) -> list[dict]:
    """The levels of :data:`PERMUTATION_LEVELS` (of ``answer``, or all) that N shuffles cannot reach.

    Each ``{"answer", "level", "p_threshold", "min_permutations"}``: the smallest p-value ``1 / (N + 1)``
    lies above the level's threshold when N < ``min_permutations``.
    """
    return [
        {"answer": a, "level": level, "p_threshold": alpha, "min_permutations": min_permutations(alpha)}
        for a, level, alpha in PERMUTATION_LEVELS
        if (answer is None or a == answer) and int(n_permutations) < min_permutations(alpha)
    ]


def unreachable_text(levels: list[dict], n_permutations: int) -> str:
    """Which levels ``n_permutations`` shuffles cannot reach and the shuffles each needs, in words."""
    parts = [f"{r['answer']} '{r['level']}' (p <= {r['p_threshold']:g} needs {r['min_permutations']})" for r in levels]
    return (
        f"with {n_permutations} permutations the smallest p-value is {1 / (n_permutations + 1):.2g}, so "
        f"{'this level is' if len(parts) == 1 else 'these levels are'} out of reach: {', '.join(parts)}"
    )


def warn_permutations(n_permutations: int) -> list[dict]:
    """Warn (:class:`~signal_diagnostics.errors.OptionWarning`) when ``n_permutations`` cannot reach a level.

    The CLI and :func:`signal_diagnostics.report` call it before the run; returns :func:`unreachable_levels`.
    """
    levels = unreachable_levels(n_permutations)
    if levels:
        need = max(r["min_permutations"] for r in levels)
        warnings.warn(f"{unreachable_text(levels, n_permutations)}; use {need} or more", OptionWarning, stacklevel=2)
    return levels


# ------------------------------------------------------------------------------------------ formatting
def shuffles_text(st: dict) -> str:
    """``"N label shuffles"``, or ``"l label shuffles (stopped after l of N: p clearly large)"`` for a test
    that stopped early (Besag & Clifford 1991)."""
    n, drawn = st.get("n_permutations"), st.get("permutations_drawn")
    if isinstance(drawn, int) and isinstance(n, int) and 0 < drawn < n:
        return f"{drawn} label shuffles (stopped after {drawn} of {n}: p clearly large)"
    return f"{n} label shuffles"


def p_text(p: float, n_permutations: int | None = None) -> str:
    text = f"p = {p:.2g}" if p >= 0.001 else f"p = {p:.1e}"
    if n_permutations and math.isclose(p, 1 / (n_permutations + 1), rel_tol=1e-3):  # p is stored rounded at times
        text += f", the smallest possible with {n_permutations} shuffles"
    return text


def get_path(d, *keys):
    """``d[k1][k2]...``, or None where a key is missing or a value is not a dict."""
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def dict_items(x) -> list[dict]:
    """The dict entries of a list (others dropped); [] for anything else."""
    return [v for v in x if isinstance(v, dict)] if isinstance(x, list) else []


def classical_baselines(doc: dict) -> list[dict]:
    """The signal section's classical baselines with a score, chance baselines left out."""
    return [
        b
        for b in dict_items(get_path(doc, "signal", "baselines"))
        if not str(b.get("name", "")).startswith("chance") and b.get("balanced_accuracy") is not None
    ]


def best_baseline(doc: dict) -> dict | None:
    """The signal section's best classical baseline (highest balanced accuracy on the shared splits)."""
    name = get_path(doc, "signal", "best_baseline")
    return next((b for b in classical_baselines(doc) if b.get("name") == name), None)


def n_classes(doc: dict) -> int | None:
    """The number of classes the document's dataset holds, or None."""
    ds = doc.get("dataset") or {}
    k = ds.get("n_classes") or len(ds.get("classes") or []) or len(ds.get("class_counts") or {})
    return int(k) if k else None


def interval(model: dict, metric: str = "balanced_accuracy") -> tuple[float, float] | None:
    """``(low, high)`` of a model record's interval for ``metric``, or None."""
    iv = get_path(model, "intervals", metric) or {}
    return (iv["low"], iv["high"]) if iv.get("low") is not None and iv.get("high") is not None else None
