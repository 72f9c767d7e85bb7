"""Every answer level's rule, in one table, built from the thresholds the verdicts use.

:data:`LEVEL_RULES` states each level of each answer with the constants it rests on; :func:`rules_table`
renders it as the Markdown table of the README (``tests/test_verdict_rules.py`` checks that the README
holds exactly this table, so the two cannot drift). Its last column is the fewest label shuffles a
level needs (:func:`~signal_diagnostics.pipeline.verdicts.base.min_permutations`).
"""

from __future__ import annotations

from signal_diagnostics.pipeline.config import DEFAULT_ROPE_POINTS
from signal_diagnostics.pipeline.verdicts.base import PERMUTATION_LEVELS, min_permutations
from signal_diagnostics.pipeline.verdicts.thresholds import (
    ALPHA,
    CLEAN_SHARE,
    CLUSTER_ALPHA,
    CURVE_MARGIN,
    EQUIVALENT_PROBABILITY,
    LARGE_GAIN,
    MANY_SHARE,
    PAIR_ALPHA,
    PRACTICAL_BA,
    RESTATE_SHARE,
    SEPARABLE_ALPHA,
    STRONG_ALPHA,
    STRONG_GAIN,
    THROUGHOUT_SHARE,
)

GAIN = "gain = (score - chance) / (1 - chance)"

# (answer, level, rule). The rule's numbers are the constants themselves, formatted in, so a changed
# constant changes the table; the fewest shuffles come from base.PERMUTATION_LEVELS.
LEVEL_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "signal",
        "strong",
        f"label-shuffle test, max-T over its heads: p <= {STRONG_ALPHA:g} and {GAIN} >= {STRONG_GAIN:g} "
        "(chance: the mean of the max-null)",
    ),
    ("signal", "weak", f"p <= {ALPHA:g}, not strong"),
    (
        "signal",
        "inconclusive",
        f"p > {ALPHA:g} but a classical baseline's interval lies wholly above 1/K; or too few shuffles to "
        f"reach p <= {ALPHA:g}",
    ),
    ("signal", "none", f"p > {ALPHA:g} and no baseline's interval lies above 1/K"),
    (
        "how_much",
        "large",
        f"{GAIN} >= {LARGE_GAIN:g}, for the best of the shuffle test's heads or the best classical baseline "
        "when it scores higher outside the test (named)",
    ),
    ("how_much", "moderate", f"{STRONG_GAIN:g} <= gain < {LARGE_GAIN:g}"),
    ("how_much", "small", f"gain < {STRONG_GAIN:g}"),
    ("how_much", "none / unclear", "signal is none / inconclusive"),
    (
        "more_data",
        "yes",
        f"learning curve: the lower band at 2x the data exceeds the last mean by > {CURVE_MARGIN:g}",
    ),
    ("more_data", "no", f"the upper band at 10x the data is within {CURVE_MARGIN:g} of the last mean"),
    ("more_data", "cannot tell", "otherwise"),
    (
        "comparison",
        "equivalent",
        f"every paired comparison (deep vs baseline, attention vs each control): the 95% interval inside +-ROPE "
        f"(--rope, default {DEFAULT_ROPE_POINTS:g} point) or P(equivalent) >= {EQUIVALENT_PROBABILITY:g} (Bayesian correlated t)",
    ),
    (
        "comparison",
        "better / worse",
        f"not equivalent, and Holm-adjusted p <= {ALPHA:g} (corrected resampled t, Holm within the comparisons "
        "answering one question), by the sign of the mean difference",
    ),
    ("comparison", "cannot tell", "neither: the answer says how many splits or series would settle it"),
    ("deep", "better", "some deep model is better than the best classical baseline"),
    ("deep", "worse", "every deep model is worse"),
    ("deep", "no better", "every deep model is equivalent or worse; untested when no baseline ran"),
    ("deep", "cannot tell", "otherwise (Not shown either way)"),
    (
        "attention",
        "helps",
        "an attention model is better than every control that ran (the stack without attention; the model "
        "trained with uniform attention weights)",
    ),
    ("attention", "hurts", "every attention model is worse than every control that ran"),
    (
        "attention",
        "adds nothing",
        "equivalent or worse against every control that ran, or against the uniform-weights model; or weights "
        "near-uniform by construction (a bounded score activation) and not better against every control",
    ),
    ("attention", "cannot tell", "otherwise (Not shown either way); untested when no control ran"),
    ("where", "windows", f"cluster-based permutation test: a window at p <= {CLUSTER_ALPHA:g}"),
    ("where", "throughout", f"the windows cover >= {THROUGHOUT_SHARE:.2g} of the timesteps"),
    ("where", "nowhere", "no window"),
    (
        "labels",
        "cannot tell",
        f"no class is separated better than chance (one-vs-rest AUC of the out-of-fold probabilities, "
        f"Mann-Whitney, Holm at {SEPARABLE_ALPHA:g}): no share, no suspects, no ceiling",
    ),
    (
        "labels",
        "clean",
        f"no label issue, or the interval's upper end < {CLEAN_SHARE:.0%} of the series",
    ),
    (
        "labels",
        "overlap",
        f"the estimate restates the model's own error (issues >= {RESTATE_SHARE:g} x the errors on the separable "
        "classes): no label ceiling",
    ),
    ("labels", "many", f"share >= {MANY_SHARE:.0%}"),
    ("labels", "some", "otherwise"),
    (
        "classes",
        "all",
        f"every pair told apart: two-class permutation test, BH q <= {PAIR_ALPHA:g} (at least pairs / "
        f"{PAIR_ALPHA:g} permutations)",
    ),
    (
        "classes",
        "some",
        f"some pairs shown alike: not told apart and the 95% interval of their balanced accuracy below "
        f"{PRACTICAL_BA:g}; groups are cliques of such pairs",
    ),
    ("classes", "too few", "pairs not told apart, none with the series to show them alike"),
    ("classes", "none", "no pair told apart"),
)


def rules_table() -> str:
    """:data:`LEVEL_RULES` as the README's Markdown table."""
    lines = ["| answer | level | rule | fewest shuffles |", "| --- | --- | --- | --- |"]
    alphas = {(answer, level): alpha for answer, level, alpha in PERMUTATION_LEVELS}
    for answer, level, rule in LEVEL_RULES:
        alpha = alphas.get((answer, level))
        lines.append(f"| {answer} | {level} | {rule} | {min_permutations(alpha) if alpha else '-'} |")
    return "\n".join(lines)
