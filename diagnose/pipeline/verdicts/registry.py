"""Every answer the diagnosis gives, in the order the document lists them: one row each.

A row names the question, the report section holding the evidence (``anchor``), the part of the Diagnosis
document the answer needs (it is given only when that part holds something) and the function that decides
it from the document and the answers decided before it. :func:`~signal_diagnostics.pipeline.verdicts.decide.decide`
runs the rows in order, so a new answer is one function in its own module and one row here (plus its
formatting in ``reports/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from signal_diagnostics.pipeline.verdicts.attention import attention_verdict
from signal_diagnostics.pipeline.verdicts.base import Verdict
from signal_diagnostics.pipeline.verdicts.classes import classes_verdict
from signal_diagnostics.pipeline.verdicts.deep import deep_verdict
from signal_diagnostics.pipeline.verdicts.how_much import how_much_verdict
from signal_diagnostics.pipeline.verdicts.labels import labels_verdict
from signal_diagnostics.pipeline.verdicts.more_data import more_data_verdict
from signal_diagnostics.pipeline.verdicts.signal import signal_verdict
from signal_diagnostics.pipeline.verdicts.where import where_verdict

# (document, the answers decided so far by id) -> the answer
Decider = Callable[[dict, dict[str, Verdict]], Verdict]


@dataclass(frozen=True)
class Answer:
    """One question: its words, its report section, what it needs of the document, and how it is decided."""

    question: str
    anchor: str
    needs: tuple[str, ...]  # a path into the document that must hold something for the answer to be given
    decide: Decider
    # the plan's unit the answer rests on and its name in words, for an answer that says when its unit ran on
    # a subsample of the series (:func:`~signal_diagnostics.pipeline.verdicts.decide.decide` appends it)
    subsample: tuple[str, str] | None = None


ANSWERS: dict[str, Answer] = {
    "signal": Answer(
        "Is there signal?",
        "shuffle_test",
        ("signal",),
        lambda doc, _: signal_verdict(doc),
        ("shuffle_test", "the label-shuffle test"),
    ),
    "how_much": Answer(
        "How much?",
        "baselines",
        ("signal",),
        lambda doc, got: how_much_verdict(doc, got["signal"]),
        ("baseline:minirocket", "the baselines"),
    ),
    "more_data": Answer(
        "Would more data help?",
        "learning_curve",
        ("signal", "learning_curve"),
        lambda doc, _: more_data_verdict(doc),
        ("learning_curve", "the learning curve"),
    ),
    "deep": Answer(
        "Do deep models beat the best classical baseline?", "comparisons", ("deep",), lambda doc, _: deep_verdict(doc)
    ),
    "attention": Answer("Does attention add anything?", "attention", ("deep",), lambda doc, _: attention_verdict(doc)),
    "where": Answer(
        "Where in time?",
        "timestep_map",
        ("signal", "timestep_map"),
        lambda doc, _: where_verdict(doc),
        ("timestep_map", "the timestep map"),
    ),
    "labels": Answer(
        "Are some labels wrong?",
        "label_issues",
        ("signal", "label_issues"),
        lambda doc, _: labels_verdict(doc["signal"]),
    ),
    "classes": Answer(
        "Which classes cannot be told apart?",
        "class_pairs",
        ("signal", "class_pairs"),
        lambda doc, _: classes_verdict(doc["signal"]),
        ("class_pairs", "the class-pair tests"),
    ),
}
