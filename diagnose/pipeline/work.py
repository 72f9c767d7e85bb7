"""The work of each unit of the cost model, in seconds at reference rates measured on the development machine.

The building blocks (a MiniRocket transform, a leave-one-out ridge solve, a set of label permutations, cleanlab's
bootstrap) come first; each step's work formula adds them up for the step that names it
(:mod:`signal_diagnostics.pipeline.steps`), and :mod:`signal_diagnostics.pipeline.cost` turns work into
predicted seconds with the step's fitted constants.
"""

from __future__ import annotations

import math

from signal_diagnostics.checks.curves import DEFAULT_N_SIZES
from signal_diagnostics.checks.shuffle_rounds import round_ends
from signal_diagnostics.evaluation.exchange import SEQUENTIAL_H
from signal_diagnostics.pipeline.verdicts.thresholds import PAIR_ALPHA

# Reference rates on the development machine with 2 threads: seconds per MiniRocket transform unit
# (series x timesteps x kernels x sqrt(channels)) and per float64 operation of the ridge solves.
TRANSFORM_S = 1.3e-9
FLOP_S = 1.0 / 25e9
ALPHAS = 10  # the ridge penalties searched (baselines.ridge.DEFAULT_ALPHAS)
MINIROCKET_FEATURES = 9_996  # 10,000 kernels as aeon rounds them
BYTES_PER_FEATURE = 4  # float32


def features(kernels: int) -> int:
    """MiniRocket features for ``kernels`` asked (aeon rounds down to a multiple of 84)."""
    return max(84, int(kernels) // 84 * 84)


def transform(n: float, T: int, C: int, kernels: int) -> float:
    """Seconds of one MiniRocket fit + transform of ``n`` series."""
    return TRANSFORM_S * n * max(T, 9) * features(kernels) * math.sqrt(C)


def ridge(n_train: float, p: int, n_test: float = 0.0) -> float:
    """Seconds of one leave-one-out ridge factorisation (dual up to ``p`` rows, primal past it)."""
    if n_train <= p:
        flops = n_train**2 * p + 9 * n_train**3 + n_test * n_train * p
    else:
        flops = n_train * p**2 + 9.0 * p**3
    return FLOP_S * flops


def permutations(n_train: float, p: int, columns: float) -> float:
    """Seconds of the leave-one-out errors of ``columns`` label columns (float32, half the float64 time)."""
    return 0.5 * FLOP_S * 2 * ALPHAS * n_train * min(n_train, p) * columns


# Seconds per series x class of one of cleanlab's bootstrap resamples (checks.labels.N_BOOTSTRAP), from the
# 100,000-series run (benchmarks/results/scale_100k.json: label issues took 591 CPU-s where the transform and
# the ridge solves account for about 80): invisible at a few thousand series, most of the unit at 100,000.
BOOTSTRAP_S = 4.8e-6


def bootstrap(n: float, K: int, resamples: int = 200) -> float:
    """Seconds of the label-issue share's bootstrap: ``resamples`` of cleanlab's count on ``n`` series."""
    return BOOTSTRAP_S * resamples * n * K


def split_sizes(n: float, folds: int) -> tuple[float, float]:
    """Training and test series of one fold of ``folds``-fold cross-validation on ``n`` series."""
    return n * (folds - 1) / folds, n / folds


def streamed_features(n: float, p: int, copies: int, n_train: float) -> float:
    """Bytes a MiniRocket + ridge unit holds: ``copies`` of ``n x p`` float32 features (streamed past 512 MiB),
    and the ridge's Gram matrix and eigenvectors."""
    held = n * p * BYTES_PER_FEATURE * copies
    return min(held, 1 << 29) + 8 * min(n_train, p) ** 2 * 2


# --- each step's work formula (pipeline.steps declares which step uses which) ------------------------------------------------------------------

DTW_S = 2e-9  # seconds per n^2 T^2 of 1-NN DTW (cross-validated)


def values_work(rate: float, n: int, shape: dict) -> float:
    """Units that read each value (series x timesteps x channels) a few times."""
    return rate * n * shape["T"] * shape["C"]


def label_columns(shape: dict) -> int:
    return (shape["n_permutations"] + 1) * (1 if shape["K"] == 2 else shape["K"])


def rounds(n_permutations: int) -> int:
    """Rounds of a sequential permutation test that never stops early (signal): each refits its features and
    ridge on every fold (checks.shuffle_rounds.round_ends)."""
    return len(round_ends(int(n_permutations), SEQUENTIAL_H, fast=True))


def shuffle_work(n: int, shape: dict) -> float:
    """Every fold, every round: MiniRocket + ridge, plus each raw-value ridge head's; and the label columns."""
    T, C, F = shape["T"], shape["C"], shape["folds"]
    n_tr, n_te = split_sizes(n, F)
    cols, R = label_columns(shape), rounds(shape["n_permutations"])
    head = R * (transform(n, T, C, 10_000) + ridge(n_tr, MINIROCKET_FEATURES, n_te))
    head += permutations(n_tr, MINIROCKET_FEATURES, cols)
    others = (len(shape.get("heads", ())) or 3) - 1
    raw = R * ridge(n_tr, T * C, n_te) + permutations(n_tr, T * C, cols)
    return F * (head + others * raw)


def minirocket_work(n: int, shape: dict) -> float:
    n_tr, n_te = split_sizes(n, shape["folds"])
    fold = transform(n, shape["T"], shape["C"], 10_000) + ridge(n_tr, MINIROCKET_FEATURES, n_te)
    return shape["folds"] * shape["repeats"] * fold


def minirocket_held(n: int, shape: dict) -> float:
    return streamed_features(n, MINIROCKET_FEATURES, 2, split_sizes(n, shape["folds"])[0])


def labels_work(n: int, shape: dict) -> float:
    F, kernels = shape["folds"], shape["label_kernels"]
    n_tr, n_te = split_sizes(n, F)
    heads = transform(n, shape["T"], shape["C"], kernels) + shape["seeds"] * F * ridge(n_tr, features(kernels), n_te)
    return heads + bootstrap(n, shape["K"])


def labels_held(n: int, shape: dict) -> float:
    return streamed_features(n, features(shape["label_kernels"]), 3, split_sizes(n, shape["folds"])[0])


def pairs_work(n: int, shape: dict) -> float:
    """A transform per fold (held across rounds); per pair and round a two-class ridge, and the pair's permutations,
    on the pair's ``class_shares``."""
    K, F = shape["K"], shape["folds"]
    m = min(n, shape.get("pair_cap") or n)
    p = features(shape["pair_kernels"])
    shares = shape.get("class_shares") or [1.0 / K] * K
    perms = max(shape["n_permutations"], K * (K - 1) / 2 / PAIR_ALPHA)  # checks.pairs.pair_permutations
    R = rounds(int(math.ceil(perms)))
    work = F * transform(m, shape["T"], shape["C"], shape["pair_kernels"])
    for i in range(K):
        for j in range(i + 1, K):
            size = (shares[i] + shares[j]) * m * (F - 1) / F
            work += F * (R * ridge(size, p) + permutations(size, p, perms))
    return work


def pairs_held(n: int, shape: dict) -> float:
    return min(n, shape.get("pair_cap") or n) * features(shape["pair_kernels"]) * BYTES_PER_FEATURE * 2


def ceiling_work(n: int, shape: dict) -> float:
    m = min(n, shape.get("ceiling_cap") or n)
    return shape["folds"] * transform(m, shape["T"], shape["C"], 10_000) + FLOP_S * m * m * MINIROCKET_FEATURES


def curve_work(n: int, shape: dict) -> float:
    """MiniRocket's learning curve: its features once, a ridge at each size and repeat."""
    m = min(n, shape.get("curve_cap") or n)
    sizes = DEFAULT_N_SIZES * shape["curve_repeats"]
    return transform(m, shape["T"], shape["C"], 10_000) + sizes * ridge(0.55 * m, MINIROCKET_FEATURES, 0.2 * m)


def curve_fits_work(fit_work, n: int, shape: dict) -> float:
    """A learning curve that refits its model at each size (checks.curves: ``DEFAULT_N_SIZES`` log-spaced sizes
    from a tenth of the data to the training three quarters, ``curve_repeats`` times): ``fit_work`` (the model's
    baseline work, per fold and repeat) at the mean size fitted and scored, about 0.6 of the curve's series."""
    m = min(n, shape.get("curve_cap") or n)
    return fit_work(0.6 * m, {**shape, "folds": DEFAULT_N_SIZES, "repeats": shape["curve_repeats"]})


__all__ = [
    "TRANSFORM_S",
    "FLOP_S",
    "ALPHAS",
    "MINIROCKET_FEATURES",
    "BYTES_PER_FEATURE",
    "features",
    "transform",
    "ridge",
    "permutations",
    "BOOTSTRAP_S",
    "bootstrap",
    "split_sizes",
    "streamed_features",
    "DTW_S",
    "values_work",
    "label_columns",
    "rounds",
    "shuffle_work",
    "minirocket_work",
    "minirocket_held",
    "labels_work",
    "labels_held",
    "pairs_work",
    "pairs_held",
    "ceiling_work",
    "curve_work",
    "curve_fits_work",
]
