"""Every level and threshold an answer is decided by, defined once.

A leaf module (it imports nothing of the package, ``tests/test_layout.py`` gives it floor 0): the checks
take their test levels from here as defaults, and the verdicts decide with the same numbers, so a level
is changed in one place. ``tests/test_thresholds.py`` fails on a stray ``0.05`` or ``0.95`` literal in
``checks/``, ``models/`` or ``evaluation/``.
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------ significance
ALPHA = 0.05  # the usual 5% level: label-shuffle test ("weak"), a paired comparison (Holm-adjusted)
STRONG_ALPHA = 0.01  # "strong" signal asks for a clearly significant shuffle test ...
STRONG_GAIN = 0.25  # ... that also covers a quarter of the way from chance to perfect
LARGE_GAIN = 0.5  # "how much": at least half of the way from chance to perfect
CONFIDENCE = 0.95  # the level of every interval the toolkit states
NULL_QUANTILE = 0.95  # the quantile of a permutation null recorded beside the observed statistic

# ------------------------------------------------------------------------------------ where in time
# Cells with p below CLUSTER_THRESHOLD form clusters (a common choice, also the spirit of MNE's default t/F
# threshold at p = 0.05); clusters with a permutation p at or below CLUSTER_ALPHA are reported as windows.
CLUSTER_THRESHOLD = 0.05
CLUSTER_ALPHA = 0.05
CELL_Q = 0.05  # q-value (Benjamini-Hochberg over all cells) below which a single cell is significant
THROUGHOUT_SHARE = 2 / 3  # "where": windows covering this share of the timesteps count as "throughout"

# ------------------------------------------------------------------------------------ labels and classes
# The label-issue estimate "restates the model's error" when the issues found make up at least this share
# of the model's out-of-fold errors: the suspects are then mostly the series the model gets wrong, and
# whether their labels are wrong or the classes overlap there cannot be told from the probabilities
# (measured: on a 4-class set with overlapping classes and clean labels, 9.5% issues against an 18% error).
RESTATE_SHARE = 0.5
SEPARABLE_ALPHA = 0.05  # family-wise error rate of the per-class separability tests (Holm across classes)
SEPARABLE_Q = 0.05
CLEAN_SHARE = 0.01  # labels: at most this share of issues reads as "clean"
MANY_SHARE = 0.10  # labels: at least this share reads as "many"
PAIR_ALPHA = 0.05  # q-value above which a pair of classes is "not told apart"
# Power: a pair counts as indistinguishable only if its balanced accuracy is shown to lie below PRACTICAL_BA
# (the upper end of its 95% interval below it); 0.6 is a "barely better than a coin" level of our choosing
# (one series in five more than chance), stated in every result.
PRACTICAL_BA = 0.6

# ------------------------------------------------------------------------------------ more data, ceilings
CURVE_MARGIN = 0.01  # score change that counts as "more data helps"
# Below this many series in the smallest class, nearest-neighbour error estimates are unreliable
# (a rule of thumb; Cover-Hart is an infinite-sample result).
SMALL_CLASS = 30

# ------------------------------------------------------------------------------------ data health
# Class-imbalance thresholds (largest / smallest class). 3x is where plain accuracy starts to mislead
# noticeably; 20x is where the minority class is usually ignored without class weights.
IMBALANCE_WARN = 3.0
IMBALANCE_FAIL = 20.0
PADDING_WARN = 0.5  # more than half of all timesteps are padding
SCALE_RATIO_WARN = 100.0  # channel standard deviations differing by two orders of magnitude
LENGTH_LEAK_ALPHA = 0.01
LINT_IMBALANCE_RATIO = 1.5  # model lint: largest / smallest class count from which accuracy alone misleads

# ------------------------------------------------------------------------------------ deep models, attention
DEFAULT_ROPE = 0.01  # region of practical equivalence: +-1 point of the metric (Benavoli et al. 2017)
DECISIVE = 0.95  # posterior probability at which a Bayesian outcome is stated without "probably"
PROBABLY = 0.5  # ... and from which, below DECISIVE, it is stated as "probably"; below it, undecided
EQUIVALENT_PROBABILITY = 0.95  # P(equivalent) at which two models are called equivalent (baycomp's convention)
NEAR_UNIFORM = 0.95  # normalised entropy at or above which attention is called near-uniform
PADDING_SHARE_WARN = 0.05  # mean share of a real row's attention weight on padded keys worth a warning
# Between-seed divergence at or below this share of the shuffled-rows divergence reads as "the same focus
# each seed": the seeds agree at least twice as closely as rows that only share the marginal focus.
SAME_FOCUS_SHARE = 0.5
# Shuffled-rows divergence below this (bits) means the rows barely differ at all: near-uniform or identical
# rows everywhere, where agreement between seeds says nothing about focus.
FLAT = 0.01
