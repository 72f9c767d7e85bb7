"""The building blocks of the cost model: seconds of a MiniRocket transform, a leave-one-out ridge solve and a
set of label permutations, at reference rates measured on the development machine.

Each step's work formula (:mod:`signal_diagnostics.pipeline.steps`) adds these up;
:mod:`signal_diagnostics.pipeline.cost` turns work into predicted seconds with the step's fitted constants.
"""

from __future__ import annotations

import math

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
]
