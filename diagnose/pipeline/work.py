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

# Reference rates on the development machine (2 cores, 2 threads, each measured alone on the idle machine:
# benchmarks/rates.py, benchmarks/results/rates.json): seconds per MiniRocket transform unit (series x timesteps x
# features x sqrt(channels); 4,000 x 200 x 6 series: 2.7 s), per float64 multiply-add of a matrix product (F'F of
# 4,000 x 9,996: 4.8 s) and per n^3 of a float64 symmetric eigendecomposition (9,996 x 9,996: 91 s). Products and
# eigendecompositions run at different rates, so they are priced apart: one flop rate, fitted where the dual
# solve's n^3 dominates, put the primal's p^3 and n p^2 at the wrong weight past 12,500 series.
TRANSFORM_S = 1.38e-10
GEMM_S = 1.19e-11
EIGH_S = 9.1e-11
ALPHAS = 10  # the ridge penalties searched (baselines.ridge.DEFAULT_ALPHAS)
MINIROCKET_FEATURES = 9_996  # 10,000 kernels as aeon rounds them
BYTES_PER_FEATURE = 4  # float32
# Passes over the training features of a MiniRocket + ridge fit (the scaler, the covariance, X'Y, the residuals):
# streamed features (past baselines.minirocket.FEATURE_CACHE_BYTES) are transformed again on each.
STREAMED_PASSES = 4


def features(kernels: int) -> int:
    """MiniRocket features for ``kernels`` asked (aeon rounds down to a multiple of 84)."""
    return max(84, int(kernels) // 84 * 84)


def transform(n: float, T: int, C: int, kernels: int) -> float:
    """Seconds of one MiniRocket fit + transform of ``n`` series."""
    return TRANSFORM_S * n * max(T, 9) * features(kernels) * math.sqrt(C)


def ridge(n_train: float, p: int, n_test: float = 0.0) -> float:
    """Seconds of one leave-one-out ridge factorisation: dual up to ``p`` rows (the ``n x n`` Gram matrix, its
    eigendecomposition, the test rows' kernel), primal past it (the ``p x p`` covariance, its eigendecomposition,
    the training rows projected on its eigenvectors)."""
    if n_train <= p:
        return GEMM_S * (n_train**2 * p / 2 + n_test * n_train * (p + n_train)) + EIGH_S * n_train**3
    return GEMM_S * (1.5 * n_train * p**2 + n_test * p) + EIGH_S * p**3


def permutations(n_train: float, p: int, columns: float) -> float:
    """Seconds of the leave-one-out errors of ``columns`` label columns (float32, half the float64 time)."""
    return 0.5 * GEMM_S * ALPHAS * n_train * min(n_train, p) * columns


def fold_transform(n: float, T: int, C: int, kernels: int, folds: int) -> float:
    """Seconds of the MiniRocket transforms of one cross-validation fold of ``n`` series: the training rows once
    when their features are held, :data:`STREAMED_PASSES` times when streamed, and the test rows."""
    from signal_diagnostics.baselines.minirocket import FEATURE_CACHE_BYTES

    n_tr, n_te = split_sizes(n, folds)
    held = n_tr * features(kernels) * BYTES_PER_FEATURE <= FEATURE_CACHE_BYTES
    return transform(n_tr * (1 if held else STREAMED_PASSES) + n_te, T, C, kernels)


# Seconds (in work, before the label step's scale) per series x class of one of cleanlab's bootstrap resamples
# (checks.labels.N_BOOTSTRAP): fitted with the label step's scale to its times at 1,000-4,000 series
# (scale_units.json) and at 100,000 (scale_100k.json, 1,000 kernels, where the bootstrap is most of the unit's
# 591 CPU-s). Invisible at a few thousand series.
BOOTSTRAP_S = 1.3e-6


def bootstrap(n: float, K: int, resamples: int = 200) -> float:
    """Seconds of the label-issue share's bootstrap: ``resamples`` of cleanlab's count on ``n`` series."""
    return BOOTSTRAP_S * resamples * n * K


def split_sizes(n: float, folds: int) -> tuple[float, float]:
    """Training and test series of one fold of ``folds``-fold cross-validation on ``n`` series."""
    return n * (folds - 1) / folds, n / folds


def streamed_features(n: float, p: int, copies: int, n_train: float) -> float:
    """Bytes a MiniRocket + ridge unit holds: ``copies`` of ``n x p`` float32 features (streamed past 512 MiB),
    and the ridge's Gram matrix and eigenvectors."""
    from signal_diagnostics.baselines.minirocket import FEATURE_CACHE_BYTES

    held = n * p * BYTES_PER_FEATURE * copies
    return min(held, FEATURE_CACHE_BYTES) + 8 * min(n_train, p) ** 2 * 2


# --- each step's work formula (pipeline.steps declares which step uses which) ------------------------------------------------------------------

DTW_S = 2e-9  # seconds per n^2 T^2 of 1-NN DTW (cross-validated)


def values_work(rate: float, n: int, shape: dict) -> float:
    """Units that read each value (series x timesteps x channels) a few times."""
    return rate * n * shape["T"] * shape["C"]


# The features_gb baseline (baselines.features.SummaryFeaturesGB): summary features of every series, then
# scikit-learn's HistGradientBoosting, per round one tree per class: a split search over features x bins (255 past
# 2,040 training series) and histograms of the training rows. Past GB_EARLY_ROWS training rows scikit-learn stops
# early (early_stopping="auto"). Measured alone, 1 OpenMP thread (benchmarks/rates.py --gb 4000,8000,32000):
# seconds per value extracted, per round x class x bin and per round x class x training row (100 rounds at 3,200
# and 6,400 training series), and the rounds run at 25,600 training series of the user's regime (a weak signal: a
# strong one may run more, up to 100).
GB_EXTRACT_S = 2.98e-8
GB_BIN_S = 2.75e-5
GB_ROW_S = 8.16e-7
GB_ROUNDS = 100
GB_EARLY_ROWS = 10_000
GB_EARLY_ROUNDS = 57


def gb_work(n: int, shape: dict) -> float:
    """features_gb cross-validated: per fold and repeat, the summary features of every series and the boosting."""
    from signal_diagnostics.baselines.features import histogram_bins

    n_tr, _ = split_sizes(n, shape["folds"])
    bins = histogram_bins(int(n_tr))
    rounds = GB_ROUNDS if n_tr <= GB_EARLY_ROWS else GB_EARLY_ROUNDS
    boost = rounds * shape["K"] * (GB_BIN_S * bins + GB_ROW_S * n_tr)
    return shape["folds"] * shape["repeats"] * (GB_EXTRACT_S * n * shape["T"] * shape["C"] + boost)


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
    head = R * (fold_transform(n, T, C, 10_000, F) + ridge(n_tr, MINIROCKET_FEATURES, n_te))
    head += permutations(n_tr, MINIROCKET_FEATURES, cols)
    others = (len(shape.get("heads", ())) or 3) - 1
    raw = R * ridge(n_tr, T * C, n_te) + permutations(n_tr, T * C, cols)
    return F * (head + others * raw)


def minirocket_work(n: int, shape: dict) -> float:
    n_tr, n_te = split_sizes(n, shape["folds"])
    fold = fold_transform(n, shape["T"], shape["C"], 10_000, shape["folds"]) + ridge(n_tr, MINIROCKET_FEATURES, n_te)
    return shape["folds"] * shape["repeats"] * fold


def minirocket_held(n: int, shape: dict) -> float:
    return streamed_features(n, MINIROCKET_FEATURES, 2, split_sizes(n, shape["folds"])[0])


def labels_work(n: int, shape: dict) -> float:
    """Per seed a transform of every series (its own kernels; past ``SHARED_FEATURE_BYTES`` one per fold), per seed
    and fold a ridge with its leave-one-out decisions (in the primal one more projection of the training rows), and
    cleanlab's bootstrap."""
    from signal_diagnostics.checks.label_head import SHARED_FEATURE_BYTES

    F, kernels, seeds, T, C = shape["folds"], shape["label_kernels"], shape["seeds"], shape["T"], shape["C"]
    n_tr, n_te = split_sizes(n, F)
    p = features(kernels)
    shared = n * p * BYTES_PER_FEATURE <= SHARED_FEATURE_BYTES
    transforms = seeds * (transform(n, T, C, kernels) if shared else F * fold_transform(n, T, C, kernels, F))
    loo = GEMM_S * n_tr * p**2 if n_tr > p else 0.0
    heads = transforms + seeds * F * (ridge(n_tr, p, n_te) + loo)
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
    return shape["folds"] * transform(m, shape["T"], shape["C"], 10_000) + GEMM_S * m * m * MINIROCKET_FEATURES


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
    "GEMM_S",
    "EIGH_S",
    "STREAMED_PASSES",
    "ALPHAS",
    "MINIROCKET_FEATURES",
    "BYTES_PER_FEATURE",
    "features",
    "transform",
    "ridge",
    "permutations",
    "fold_transform",
    "BOOTSTRAP_S",
    "bootstrap",
    "split_sizes",
    "streamed_features",
    "DTW_S",
    "values_work",
    "gb_work",
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
