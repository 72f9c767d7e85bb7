"""The questions the report answers at its top, in plain words with numbers, from the document alone.

Each answer is a dict ``{"id", "question", "headline", "answer", "tone", "details", "anchor"}``:
``headline`` a few words ("Yes, strong."), ``answer`` one or two sentences with the numbers, ``tone``
one of ``good`` / ``warn`` / ``bad`` / ``neutral`` / ``missing`` (for colour), ``details`` further
lines, ``anchor`` the id of the evidence section below. The HTML and Markdown renderers show the same
answers. Every answer is decided in ``diagnose`` and stored in the document's ``verdicts`` (level,
headline, sentence, evidence); this module only formats it: no threshold or rule lives here.
"""

from __future__ import annotations

from typing import Any

from .formatting import is_number

NOT_RUN = "Not run."


def section_errors(doc: dict, *names: str) -> list[str]:
    """Messages in ``doc["errors"]`` for sections ``names`` (``"baseline"`` also matches ``"baseline:x"``)."""
    errors = doc.get("errors") or {}
    if not isinstance(errors, dict):
        return []
    out = []
    for key, message in errors.items():
        head = str(key).split(":", 1)[0]
        if key in names or head in names:
            out.append(f"{key}: {message}" if key not in names else str(message))
    return out


# The colour of each answer's level (formatting only: the level itself is decided in signal_diagnostics.pipeline.verdicts).
TONES = {
    "signal": {"strong": "good", "weak": "warn", "none": "bad", "inconclusive": "warn"},
    "how_much": {"large": "good", "moderate": "good", "small": "warn", "none": "bad", "unclear": "warn"},
    "more_data": {"yes": "good", "no": "warn"},
    "deep": {"better": "good", "no better": "warn", "worse": "warn", "cannot tell": "neutral", "untested": "neutral"},
    "attention": {
        "helps": "good",
        "adds nothing": "warn",
        "hurts": "bad",
        "cannot tell": "neutral",
        "untested": "neutral",
    },
    "where": {"windows": "good", "throughout": "good", "nowhere": "neutral"},
    "labels": {"clean": "good", "overlap": "warn", "some": "warn", "many": "bad", "cannot tell": "neutral"},
    "classes": {"all": "good", "some": "warn", "none": "bad", "too few": "neutral"},
}
# The answers shown at the top, in order, and the document sections whose failure each one reports.
ORDER = (
    ("signal", "Is there signal?", "shuffle_test", ("signal", "shuffle_test", "baseline")),
    ("how_much", "How much?", "baselines", ("baseline", "baselines", "signal")),
    ("more_data", "Would more data help?", "learning_curve", ("learning_curve",)),
    ("deep", "Do deep models beat the best classical baseline?", "deep_models", ("deep",)),
    ("attention", "Does attention add anything?", "attention", ("attention", "deep")),
    ("where", "Where in time?", "timestep_map", ("timestep_map",)),
    ("labels", "Are some labels wrong?", "label_issues", ("label_issues",)),
    ("classes", "Which classes cannot be told apart?", "class_pairs", ("class_pairs",)),
)


def _answer(
    id_: str,
    question: str,
    headline: str,
    answer: str,
    tone: str = "neutral",
    details: list[str] | None = None,
    anchor: str = "",
) -> dict:
    return {
        "id": id_,
        "question": question,
        "headline": headline,
        "answer": answer,
        "tone": tone,
        "details": details or [],
        "anchor": anchor,
    }


def _missing(doc: dict, id_: str, question: str, anchor: str, *sections: str) -> dict:
    errs = section_errors(doc, *sections)
    if errs:
        return _answer(id_, question, "Failed.", "Could not be computed: " + "; ".join(errs), "bad", anchor=anchor)
    return _answer(id_, question, "", NOT_RUN, "missing", anchor=anchor)


def as_dict(x: Any) -> dict:
    """``x`` when it is a dict, else an empty one (sections may be None or malformed)."""
    return x if isinstance(x, dict) else {}


def dict_items(x: Any) -> list:
    """The dict entries of a list (other entries dropped); an empty list for anything else."""
    return [v for v in x if isinstance(v, dict)] if isinstance(x, list) else []


def n_classes(doc: dict) -> int | None:
    ds = as_dict(doc.get("dataset"))
    k = ds.get("n_classes") or len(ds.get("classes") or []) or len(ds.get("class_counts") or {})
    return int(k) if is_number(k) and k >= 1 else None


def best_baseline(doc: dict) -> dict | None:
    sig = as_dict(doc.get("signal"))
    name = sig.get("best_baseline")
    return next((b for b in dict_items(sig.get("baselines")) if b.get("name") == name), None)


def answers(doc: dict) -> list[dict]:
    """The top-of-report answers, in order: signal, how much, more data, deep, attention, where, labels, classes,
    then any other answer the document holds (its own question and anchor; coloured neutral unless in TONES).

    Each is ``doc["verdicts"][id]`` formatted: ``headline``, ``answer`` (the verdict's sentence),
    ``tone`` (the colour of its level), ``details``, ``anchor``; a missing verdict shows "Not run." or
    the error of the section it needed.
    """
    verdicts = as_dict(doc.get("verdicts"))
    known = {row[0] for row in ORDER}
    added = tuple((k, k, k, ()) for k in verdicts if k not in known)  # an answer the registry added, after these
    out = []
    for id_, question, anchor, sections in ORDER + added:
        v = as_dict(verdicts.get(id_))
        if not v.get("sentence"):
            out.append(_missing(doc, id_, str(v.get("question") or question), anchor, *sections))
            continue
        out.append(
            _answer(
                id_,
                str(v.get("question") or question),
                str(v.get("headline") or ""),
                str(v["sentence"]),
                TONES.get(id_, {}).get(v.get("level"), "neutral"),
                [str(d) for d in v.get("details") or []],
                str(v.get("anchor") or anchor),
            )
        )
    return out


def subtitle(doc: dict) -> str:
    """``"640 series of 7-29 timesteps (padded to 29), 12 channels, 9 classes; source aeon:X."``"""
    ds = as_dict(doc.get("dataset"))
    if not ds:
        return ""
    lengths = as_dict(ds.get("lengths"))
    n_classes = ds.get("n_classes") or len(ds.get("classes") or [])
    if lengths.get("variable") and is_number(lengths.get("min")) and is_number(lengths.get("max")):
        steps = f"of {lengths['min']}–{lengths['max']} timesteps (padded to {ds.get('n_timesteps', lengths['max'])})"
    else:
        steps = f"of {ds.get('n_timesteps', '?')} timesteps"
    channels = ds.get("n_channels", "?")
    text = (
        f"{ds.get('n_series', '?')} series {steps}, {channels} channel{'' if channels == 1 else 's'}, "
        f"{n_classes} classes"
    )
    return text + (f"; source {ds['source']}." if ds.get("source") else ".")


def run_line(doc: dict) -> str:
    """One line on how the numbers were made: profile, folds, shuffles, deep-model training."""
    cfg = as_dict(doc.get("config"))
    parts = []
    if cfg.get("profile"):
        parts.append(f"{str(cfg['profile']).capitalize()} profile")
    if is_number(cfg.get("folds")):
        repeats = cfg.get("repeats") if is_number(cfg.get("repeats")) else 1
        parts.append(f"{cfg['folds']}-fold cross-validation x {repeats} repeat{'s' if repeats != 1 else ''}")
    if is_number(cfg.get("n_permutations")):
        parts.append(f"{cfg['n_permutations']} label shuffles")
    if cfg.get("deep") and is_number(cfg.get("epochs")):
        seeds = cfg.get("seeds") if is_number(cfg.get("seeds")) else 1
        budget = (
            f" (at least {cfg['min_updates']} updates)"
            if is_number(cfg.get("min_updates")) and cfg["min_updates"]
            else ""
        )
        parts.append(f"deep models {cfg['epochs']} epochs{budget} x {seeds} seed{'s' if seeds != 1 else ''}")
    return ", ".join(parts) + "." if parts else ""


def data_notes(doc: dict) -> list[str]:
    """What the loader noticed and did (``dataset.notes``: orientation, one-hot labels, gaps, dropped
    columns, padding inferred), as plain strings for the report's "Data as read" box; empty when none."""
    notes = as_dict(doc.get("dataset")).get("notes")
    return [str(n) for n in notes] if isinstance(notes, list) else []


def recommendations(doc: dict) -> list[dict]:
    """``doc["recommendations"]`` as ``{"id", "text", "evidence"}`` with missing keys filled."""
    return [
        {
            "id": str(r.get("id", "")),
            "text": str(r.get("text", "")),
            "evidence": str(r.get("evidence") or "").strip().rstrip("."),
        }  # the renderers end it with a full stop
        for r in dict_items(doc.get("recommendations"))
        if r.get("text")
    ]


__all__ = [
    "answers",
    "recommendations",
    "subtitle",
    "run_line",
    "section_errors",
    "best_baseline",
    "n_classes",
    "NOT_RUN",
]
