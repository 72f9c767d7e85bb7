"""Data-health checks: problems in the data itself that mislead models or scores."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from signal_diagnostics.baselines.series import nonzero_steps, step_mask
from signal_diagnostics.data.dataset import Dataset, check_folds
from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.verdicts.advice import advised
from signal_diagnostics.pipeline.verdicts.thresholds import (
    IMBALANCE_FAIL,
    IMBALANCE_WARN,
    LENGTH_LEAK_ALPHA,
    PADDING_WARN,
    SCALE_RATIO_WARN,
)
from signal_diagnostics.results import CheckResult


def _hashes(X: np.ndarray) -> np.ndarray:
    """One digest per series (its padded bytes; equal series of equal length hash alike)."""
    X = np.ascontiguousarray(X)
    return np.array([hashlib.blake2b(x.tobytes(), digest_size=16).hexdigest() for x in X])


def _label(ds: Dataset, code: int) -> str:
    return str(ds.classes[code])


def class_imbalance(ds: Dataset, **_) -> CheckResult:
    counts = np.bincount(ds.y_codes, minlength=ds.n_classes)
    big, small = int(counts.argmax()), int(counts.argmin())
    ratio = counts[big] / counts[small]
    share = counts[big] / counts.sum()
    value = {
        "ratio": float(ratio),
        "majority_share": float(share),
        "majority_class": _label(ds, big),
        "minority_class": _label(ds, small),
        "counts": ds.class_counts,
    }
    if ratio <= IMBALANCE_WARN:
        return CheckResult(
            "class_imbalance", "pass", value, f"classes are balanced enough (largest/smallest = {ratio:.1f}x)"
        )
    status = "fail" if ratio > IMBALANCE_FAIL else "warn"
    return CheckResult(
        "class_imbalance",
        status,
        value,
        advised(
            "class_imbalance",
            status,
            f"class {_label(ds, big)!r} holds {share:.0%} of the series, {ratio:.1f}x the smallest "
            f"class {_label(ds, small)!r}",
            value,
        ),
    )


def padding(ds: Dataset, **_) -> CheckResult:
    real = ds.lengths.sum()
    share = 1.0 - real / (ds.n_series * ds.n_timesteps)
    value = {
        "share": float(share),
        "padded_steps": int(ds.n_series * ds.n_timesteps - real),
        "min_length": int(ds.lengths.min()),
        "max_length": int(ds.lengths.max()),
    }
    if share > PADDING_WARN:
        return CheckResult(
            "padding",
            "warn",
            value,
            advised("padding", "warn", f"{share:.0%} of all timesteps are padding"),
        )
    return CheckResult("padding", "pass", value, f"{share:.1%} of timesteps are padding")


def mask_collision(ds: Dataset, **_) -> CheckResult:
    zero = ~nonzero_steps(ds.X) & step_mask(ds.lengths, ds.n_timesteps)  # all-zero steps inside the true length
    count = int(zero.sum())
    series = int(zero.any(axis=1).sum())
    share = count / max(int(ds.lengths.sum()), 1)
    value = {"count": count, "share": float(share), "series_affected": series}
    if count == 0:
        return CheckResult(
            "mask_collision", "pass", value, "no real timestep is all zeros: Masking(0.0) drops only padding"
        )
    return CheckResult(
        "mask_collision",
        "warn",
        value,
        advised(
            "mask_collision",
            "warn",
            f"{count} real timesteps ({share:.1%}, in {series} series) have every channel exactly 0, "
            "so a Masking(0.0) layer drops them as padding",
        ),
    )


def length_leak(ds: Dataset, *, folds: int = 5, random_state: int = 0, n_permutations: int = 199, **_) -> CheckResult:
    if ds.lengths.min() == ds.lengths.max():
        return CheckResult(
            "length_leak",
            "pass",
            {"lengths_equal": True},
            "all series have the same length: the length cannot leak the label",
        )
    from sklearn.tree import DecisionTreeClassifier

    from signal_diagnostics.checks.shuffle import shuffle_test

    smallest = int(np.bincount(ds.y_codes).min())
    k = max(2, min(folds, smallest))
    res = shuffle_test(
        ds.lengths.reshape(-1, 1).astype(np.float64),
        ds.y_codes,
        model=DecisionTreeClassifier(max_depth=3, random_state=random_state),
        n_permutations=n_permutations,
        folds=k,
        groups=ds.groups,
        metric="balanced_accuracy",
        random_state=random_state,
    )
    chance = 1.0 / ds.n_classes
    value = {
        "balanced_accuracy": float(res.observed),
        "chance": chance,
        "null_mean": float(res.null_mean),
        "p_value": float(res.p_value),
        "n_permutations": int(res.n_permutations),
        "permutations_drawn": int(res.permutations_drawn),
        "permutations_max": int(res.permutations_max),
        "sequential_h": int(res.sequential_h),
        "folds": k,
        "model": "DecisionTreeClassifier(max_depth=3) on the length",
    }
    words = (
        f"the length alone predicts the label at balanced accuracy {res.observed:.3f} "
        f"(chance {chance:.3f}, label-shuffle p = {res.p_value:.3g}"
        f"{f', stopped after {res.permutations_drawn} of {res.n_permutations} shuffles: p clearly large' if res.stopped_early else ''})"
    )
    if res.p_value <= LENGTH_LEAK_ALPHA and res.observed > chance:
        return CheckResult(
            "length_leak",
            "warn",
            value,
            advised("length_leak", "warn", words),
        )
    return CheckResult("length_leak", "pass", value, words)


def duplicates(ds: Dataset, **_) -> CheckResult:
    _, inverse, sizes = np.unique(_hashes(ds.X), return_inverse=True, return_counts=True)
    n_dup = int(ds.n_series - len(sizes))
    # per group of identical series: the most common label is the best any model can do
    table = np.zeros((len(sizes), ds.n_classes), dtype=np.int64)
    np.add.at(table, (inverse, ds.y_codes), 1)
    conflicting = (table > 0).sum(axis=1) > 1
    ceiling = table.max(axis=1).sum() / ds.n_series
    value = {
        "n_duplicates": n_dup,
        "n_conflicting": int(table[conflicting].sum()),
        "n_conflicting_groups": int(conflicting.sum()),
        "accuracy_ceiling": float(ceiling),
    }
    if conflicting.any():
        return CheckResult(
            "duplicates",
            "fail",
            value,
            advised(
                "duplicates",
                "fail",
                f"{value['n_conflicting']} series in {int(conflicting.sum())} groups of identical series carry "
                f"different labels, capping accuracy at {ceiling:.3f}",
            ),
        )
    if n_dup:
        return CheckResult(
            "duplicates",
            "warn",
            value,
            advised("duplicates", "warn", f"{n_dup} series are exact copies of another"),
        )
    return CheckResult("duplicates", "pass", value, "no two series are identical")


def _channel_std(ds: Dataset) -> np.ndarray:
    """Standard deviation of each channel over real (non-padded) timesteps."""
    values = ds.X[step_mask(ds.lengths, ds.n_timesteps)].astype(np.float64)  # (n_real_steps, C)
    return values.std(axis=0)


def constant_channels(ds: Dataset, **_) -> CheckResult:
    std = _channel_std(ds)
    const = [int(c) for c in np.flatnonzero(std == 0)]
    value = {"channels": const}
    if const:
        return CheckResult(
            "constant_channels",
            "warn",
            value,
            advised(
                "constant_channels",
                "warn",
                f"{len(const)} channel(s) never change over real timesteps (channels "
                f"{', '.join(map(str, const[:10]))})",
            ),
        )
    return CheckResult("constant_channels", "pass", value, "every channel varies")


def channel_scale(ds: Dataset, **_) -> CheckResult:
    std = _channel_std(ds)
    live = std[std > 0]
    ratio = float(live.max() / live.min()) if live.size else 1.0
    value = {"std": [float(s) for s in std], "ratio": ratio}
    if ratio > SCALE_RATIO_WARN:
        return CheckResult(
            "channel_scale",
            "warn",
            value,
            advised(
                "channel_scale",
                "warn",
                f"channel standard deviations differ by {ratio:.0f}x (from {live.min():.3g} to {live.max():.3g})",
            ),
        )
    return CheckResult("channel_scale", "pass", value, f"channel scales are comparable (std ratio {ratio:.1f}x)")


def train_test_overlap(ds: Dataset, **_) -> CheckResult:
    if "split" not in ds.meta:
        return CheckResult("train_test_overlap", "pass", None, "skipped: the data came without a train/test split")
    split = np.asarray(ds.meta["split"]).astype(str)
    if split.shape != (ds.n_series,):
        raise DataError(
            f"meta['split'] must hold one 'train'/'test' per series ({ds.n_series}); got shape {split.shape}"
        )
    h = _hashes(ds.X)
    train = set(h[split == "train"].tolist())
    in_both = np.array([x in train for x in h]) & (split == "test")
    count = int(in_both.sum())
    value = {"n_test_in_train": count, "n_test": int((split == "test").sum())}
    if count:
        return CheckResult(
            "train_test_overlap",
            "fail",
            value,
            advised("train_test_overlap", "fail", f"{count} test series also appear in the original training part"),
        )
    return CheckResult("train_test_overlap", "pass", value, "no series appears in both the train and the test part")


def small_classes(ds: Dataset, *, folds: int = 5, **_) -> CheckResult:
    counts = ds.class_counts
    small = {c: k for c, k in counts.items() if k < folds}
    value = {"folds": folds, "small": small}
    try:
        check_folds(ds.y, folds, ds.groups)
    except DataError as err:
        return CheckResult("small_classes", "fail", value, str(err))
    return CheckResult(
        "small_classes",
        "pass",
        value,
        f"every class has at least {folds} {'groups' if ds.groups is not None else 'series'} "
        f"for {folds}-fold cross-validation",
    )


CHECKS: dict[str, Callable[..., CheckResult]] = {
    "class_imbalance": class_imbalance,
    "padding": padding,
    "mask_collision": mask_collision,
    "length_leak": length_leak,
    "duplicates": duplicates,
    "constant_channels": constant_channels,
    "channel_scale": channel_scale,
    "train_test_overlap": train_test_overlap,
    "small_classes": small_classes,
}


def health_checks(
    dataset: Dataset | Any, y: Any = None, *, folds: int = 5, random_state: int = 0, n_permutations: int = 199
) -> list[CheckResult]:
    """Run every data-health check; a check that raises becomes an ``error`` result and the rest go on.

    Parameters
    ----------
    dataset : the data to check: a Dataset, X with ``y``, ``(X, y)`` or a source
        (:func:`signal_diagnostics.data.loaders.as_dataset`).
    y : the labels when ``dataset`` is an array.
    folds : the number of CV folds planned (for ``small_classes`` and the length-leak test).
    random_state : seed of the length-leak shuffle test.
    n_permutations : label permutations of the length-leak test.

    Returns
    -------
    list of CheckResult, one per check in :data:`CHECKS` order.

    Examples
    --------
    >>> from signal_diagnostics.data import synthetic
    >>> [r.status for r in health_checks(synthetic.bump(n=60), n_permutations=19)][:3]
    ['pass', 'pass', 'pass']
    """
    from signal_diagnostics.data.loaders import as_dataset

    dataset = as_dataset(dataset, y)
    out = []
    for name, check in CHECKS.items():
        try:
            out.append(check(dataset, folds=folds, random_state=random_state, n_permutations=n_permutations))
        except Exception as err:  # a broken check must not stop the diagnosis
            out.append(CheckResult(name, "error", None, f"{type(err).__name__}: {err}"))
    return out
