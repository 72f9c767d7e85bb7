"""Every answer of a diagnosis, decided once, from the Diagnosis document's numbers alone.

:func:`decide` returns the ``verdicts`` section: one :class:`~signal_diagnostics.pipeline.verdicts.base.Verdict` per
question the report answers at its top (is there signal, how much, would more data help, do deep models
beat the best classical baseline, does attention add anything, where in time, labels, classes).
:func:`~signal_diagnostics.pipeline.verdicts.recommend.recommendations` derives what to do next from those
verdicts, so advice never contradicts an answer. ``reports/`` only formats these fields.
"""

from __future__ import annotations

from dataclasses import replace

from signal_diagnostics.pipeline.verdicts.base import Verdict, get_path
from signal_diagnostics.pipeline.verdicts.recommend import recommendations
from signal_diagnostics.pipeline.verdicts.registry import ANSWERS

__all__ = ["decide", "recommendations"]


# ------------------------------------------------------------------------------------------ all of it
def decide(doc: dict) -> dict[str, dict]:
    """The ``verdicts`` section: every answer of :data:`~signal_diagnostics.pipeline.verdicts.registry.ANSWERS`
    whose part of the document is there, decided in the registry's order from the document's numbers."""
    got: dict[str, Verdict] = {}
    for key, answer in ANSWERS.items():
        if get_path(doc, *answer.needs):
            v = answer.decide(doc, got)
            got[key] = replace(v, question=v.question or answer.question, anchor=v.anchor or answer.anchor)
    return _subsample_notes(doc, {k: v.to_dict() for k, v in got.items()})


def _subsample_notes(doc: dict, verdicts: dict) -> dict:
    """Append to an answer's sentence that its test ran on a subsample (``plan``), and record it in its evidence.

    A permutation test on a random subsample is still exact; only its power drops, so a "no" says less.
    """
    units = (doc.get("plan") or {}).get("units") or {}
    for key, answer in ANSWERS.items():
        if answer.subsample is None:
            continue
        unit, words = answer.subsample
        got, v = units.get(unit), verdicts.get(key)
        if not got or not v or got.get("n_used", 0) >= got.get("n_total", 0):
            continue
        note = f"{words} used {got['n_used']:,} of {got['n_total']:,} series (a stratified random subsample, to fit the budget)"
        v["sentence"] = f"{v['sentence'].rstrip()} ({note[0].upper()}{note[1:]}.)"
        v["evidence"] = {**(v.get("evidence") or {}), "subsample": {"unit": unit, **got}}
    return verdicts
