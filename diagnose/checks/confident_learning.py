"""Confident learning (cleanlab) restricted to the classes the out-of-fold probabilities separate.

Confident learning needs a model that separates the classes (Northcutt, Jiang & Chuang 2021, JAIR 70,
assume out-of-sample probabilities of a good model): near chance with a dominant class the model
predicts the majority and every minority label looks "wrong". So issues are counted only for the
classes separated better than chance (:func:`class_separability`), and only series whose given label
and confidently predicted label both lie in them. Used by
:func:`signal_diagnostics.checks.labels.estimate_label_issues`.
"""

from __future__ import annotations

import numpy as np

from signal_diagnostics.evaluation.stats import Z95
from signal_diagnostics.pipeline.verdicts.thresholds import SEPARABLE_ALPHA

# cleanlab's docstring of num_label_issues advises "off_diagonal_calibrated" with fewer than 4 classes.
FEW_CLASSES = 4


def class_separability(y, probs, classes: list[str], alpha: float = SEPARABLE_ALPHA) -> list[dict]:
    """Which classes the out-of-fold probabilities separate better than chance, one class at a time.

    Per class ``k``: the one-vs-rest AUC of ``probs[:, k]`` (series of class ``k`` against all others),
    a one-sided Mann-Whitney test of AUC > 0.5 (asymptotic, ties corrected) with Holm's correction across
    the classes (family-wise error ``alpha``), and a 95% interval by Hanley & McNeil (1982, Radiology
    143:29). The AUC is chosen over recall because its chance level is 0.5 for every class size, and it
    measures what confident learning relies on: that a class's own probability ranks its members first.
    Out-of-fold probabilities are not independent draws, so the test is approximate; under pure noise
    cross-validated scores sit slightly below chance, which makes it conservative rather than liberal.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1], 50)
    >>> P = np.column_stack([1 - y * 0.8, 0.2 + y * 0.6]) / 1.2
    >>> [r["separable"] for r in class_separability(y, P, ["a", "b"])]
    [True, True]
    """
    from scipy.stats import mannwhitneyu
    from statsmodels.stats.multitest import multipletests

    y = np.asarray(y)
    rows = []
    for k, name in enumerate(classes):
        pos, neg = probs[y == k, k], probs[y != k, k]
        n1, n0 = len(pos), len(neg)
        if n1 == 0 or n0 == 0:
            rows.append({"class": name, "n": int(n1), "auc": None, "low": None, "high": None, "p_value": 1.0})
            continue
        test = mannwhitneyu(pos, neg, alternative="greater", method="asymptotic")
        auc = float(test.statistic) / (n1 * n0)
        q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
        se = np.sqrt(max(auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2), 0.0) / (n1 * n0))
        rows.append(
            {
                "class": name,
                "n": int(n1),
                "auc": auc,
                "low": float(max(0.0, auc - Z95 * se)),
                "high": float(min(1.0, auc + Z95 * se)),
                "p_value": float(test.pvalue),
            }
        )
    holm = multipletests([r["p_value"] for r in rows], method="holm")[1]
    for r, ph in zip(rows, holm):
        r["p_holm"] = float(ph)
        r["separable"] = bool(ph <= alpha)
    return rows


def issue_mask(labels: np.ndarray, probs: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Series counted by cleanlab's ``off_diagonal`` estimate whose given and confident classes are both ``inside``.

    The confident class is cleanlab's (``compute_confident_joint``): among the classes whose probability
    reaches their per-class threshold, the most probable; series the model already predicts as given are
    dropped (cleanlab's ``_reduce_issues``). With every class inside this is ``num_label_issues``.
    """
    from cleanlab.count import get_confident_thresholds

    thresholds = np.asarray(get_confident_thresholds(labels, probs))
    confident = probs >= thresholds - 1e-6
    guess = np.where(confident.sum(axis=1) > 1, probs.argmax(axis=1), confident.argmax(axis=1))
    lifted = probs.copy()
    lifted[np.arange(len(labels)), labels] += 1e-6  # cleanlab's FLOATING_POINT_COMPARISON
    agrees = lifted.argmax(axis=1) == labels
    return confident.any(axis=1) & (guess != labels) & ~agrees & inside[labels] & inside[guess]


def num_issues(labels: np.ndarray, probs: np.ndarray, method: str, inside: np.ndarray) -> int:
    """Label issues among the classes ``inside`` (a boolean mask over the classes)."""
    if method == "off_diagonal":
        return int(issue_mask(labels, probs, inside).sum())
    from cleanlab.count import compute_confident_joint, estimate_joint

    joint = estimate_joint(labels, probs, confident_joint=compute_confident_joint(labels, probs, calibrate=True))
    off = np.outer(inside, inside) & ~np.eye(len(inside), dtype=bool)
    return int(np.rint(joint[off].sum() * len(labels)))


def cannot_tell(rows: list[dict]) -> str | None:
    """Why some or all classes get no estimate, in words; ``None`` when every class is separable."""
    out = [r for r in rows if not r["separable"]]
    if not out:
        return None
    listed = ", ".join(
        f"{r['class']}: AUC {r['auc']:.2f}, Holm p = {r['p_holm']:.2g}" if r["auc"] is not None else str(r["class"])
        for r in out[:8]
    ) + (", ..." if len(out) > 8 else "")
    if len(out) == len(rows):
        return (
            f"the out-of-fold model separates no class from the rest better than chance ({listed}), so the "
            "series it assigns to another class say nothing about their labels"
        )
    return (
        f"cannot tell for {len(out)} of {len(rows)} classes, which the out-of-fold model does not separate "
        f"from the rest better than chance ({listed})"
    )


def bootstrap_shares(
    y: np.ndarray,
    probs: np.ndarray,
    method: str,
    inside: np.ndarray,
    groups,
    n_bootstrap: int,
    seed: int,
    progress=None,
) -> tuple[list[float], bool]:
    """Shares of issues on ``n_bootstrap`` resamples of the series, or of whole groups (a cluster bootstrap).

    Resamples missing a class are skipped (cleanlab needs every class). Returns the shares and whether
    groups were resampled. ``progress(done, total)`` after each resample.
    """
    n, K = probs.shape
    rng = np.random.default_rng(seed)
    members = None
    if groups is not None:
        codes = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
        order = np.argsort(codes, kind="stable")
        members = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
    shares = []
    for b in range(int(n_bootstrap)):
        if members is None:
            idx = rng.integers(0, n, size=n)
        else:
            idx = np.concatenate([members[g] for g in rng.integers(0, len(members), size=len(members))])
        if len(np.unique(y[idx])) == K:  # cleanlab needs every class in the sample
            shares.append(num_issues(y[idx], probs[idx], method, inside) / len(idx))
        if progress is not None:
            progress(b + 1, int(n_bootstrap))
    return shares, bool(members)
