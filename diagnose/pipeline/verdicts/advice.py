"""What to do about each data-health finding, written once.

A leaf module (it imports nothing of the package; ``tests/test_layout.py`` gives it floor 0): the health
checks (:mod:`signal_diagnostics.checks.health`) end a warning's message with its :attr:`HealthAdvice.action`
(:func:`advised`), and the recommendations (:mod:`signal_diagnostics.pipeline.verdicts.recommend`) quote the
finding alone (:func:`finding`) beside the longer :attr:`HealthAdvice.recommendation`. Neither side splits a
message at a separator: the finding is the message less the action this module wrote into it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HealthAdvice:
    """The advice for one health check's warning or failure.

    ``action`` is what the check's message says after its finding (a :meth:`str.format` template over the
    check's ``value``), ``fail_action`` replaces it for a failure where that needs other words;
    ``rec_id`` and ``recommendation`` are the recommendation derived from it (none for ``rec_id=""``).
    """

    check: str
    action: str
    rec_id: str = ""
    recommendation: str = ""
    fail_action: str = ""

    def action_for(self, status: str, value: object = None) -> str:
        """The action the message of a ``status`` result ends with, filled in from the check's ``value``."""
        text = self.fail_action if status == "fail" and self.fail_action else self.action
        return text.format_map(value) if isinstance(value, dict) else text


# In the order the recommendations list them.
HEALTH_ADVICE: tuple[HealthAdvice, ...] = (
    HealthAdvice(
        "class_imbalance",
        "train with balanced class weights and judge models by macro metrics (balanced accuracy, macro "
        "precision), not accuracy (which a majority guess puts at {majority_share:.2f})",
        "class_weights",
        "Train with balanced class weights and judge models by macro recall "
        "(balanced accuracy) and macro precision, not accuracy.",
    ),
    HealthAdvice(
        "mask_collision",
        "pad with a value that never occurs (e.g. -999 with Masking(-999)) or pass lengths instead of a mask",
        "mask_value",
        "Real timesteps are all-zero, so Masking(0.0) drops them as padding: pad "
        "with a value that never occurs (e.g. -999 with Masking(-999)) or pass lengths instead of a mask.",
    ),
    HealthAdvice(
        "length_leak",
        "make sure this is real and not an artefact of recording; otherwise crop or resample series to a "
        "common length, and check models do not just count padding",
        "length_leak",
        "The series length alone predicts the label: make sure this is real and "
        "not an artefact of recording; otherwise crop or resample series to a common length.",
    ),
    HealthAdvice(
        "duplicates",
        "remove them (copies split across train and test folds inflate scores)",
        "duplicates",
        "Remove duplicated series and resolve conflicting labels; conflicts cap the reachable accuracy.",
        fail_action="resolve the conflicting labels and remove the duplicated series",
    ),
    HealthAdvice(
        "channel_scale",
        "standardise each channel, with statistics from training data only",
        "standardise",
        "Standardise each channel (on training data only): scales differ by orders of magnitude.",
    ),
    HealthAdvice(
        "constant_channels", "drop them, they carry no information", "constant_channels", "Drop the constant channels."
    ),
    HealthAdvice(
        "train_test_overlap",
        "deduplicate before trusting test scores",
        "overlap",
        "The same series sit in the original train and test parts: deduplicate before trusting test scores.",
    ),
    HealthAdvice(
        "padding",
        "mask it (or pass lengths) in deep models, and consider bucketing series by length or cropping the longest",
    ),
)
ADVICE: dict[str, HealthAdvice] = {a.check: a for a in HEALTH_ADVICE}


def advised(check: str, status: str, finding: str, value: object = None) -> str:
    """A health message: the ``finding``, then what to do about it (``"finding: action"``)."""
    return f"{finding}: {ADVICE[check].action_for(status, value)}"


def finding(record: dict) -> str:
    """A health record's finding: its message less the action :func:`advised` wrote into it.

    A message that does not end with its check's action (a pass, or a check without advice) is all finding.
    """
    message = str(record.get("message") or "")
    advice = ADVICE.get(str(record.get("check")))
    if advice is None:
        return message
    try:
        suffix = f": {advice.action_for(str(record.get('status')), record.get('value'))}"
    except (KeyError, ValueError, TypeError):  # a value without the fields the action quotes
        return message
    return message.removesuffix(suffix)
