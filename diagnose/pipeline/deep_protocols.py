"""Which deep models are compared with which, and how: the two comparison protocols.

On cross-validation splits the split is the unit: the corrected paired t and the Bayesian correlated t
(:func:`~signal_diagnostics.evaluation.comparison.compare_paired`). On the dataset's one fixed split each
model is trained once per seed and compared with McNemar's test on the first seed's test predictions
(:func:`~signal_diagnostics.evaluation.comparison.compare_fixed_split`, Dietterich 1998).
"""

from __future__ import annotations

from collections.abc import Callable

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.evaluation.comparison import Comparison, compare_fixed_split, compare_paired
from signal_diagnostics.evaluation.splits import Splits


def pairs(labels: list[str], references: dict[str, str | None], baseline: str | None) -> list[tuple[str, str]]:
    """Every model against its reference (where it has one), then every model against the baseline."""
    pairs = [(m, references[m]) for m in labels if references.get(m) is not None]
    if baseline is not None:
        pairs += [(m, baseline) for m in labels]
    return pairs


def _control(a: str, b: str, references: dict, structures: dict) -> str:
    """``"plain"`` for an attention model against its reference (the same stack without attention), else ``""``."""
    return "plain" if references.get(a) == b and (structures.get(a) or {}).get("has_attention") else ""


def comparer(
    ds: Dataset, splits: Splits, runs: dict, scores: dict, base_name, references: dict, structures: dict, record, metric
) -> Callable[[str, str], Comparison]:
    """The comparison protocol: McNemar on one fixed split (first seed), else the corrected paired tests on CV."""
    y, rope = ds.y_codes, record["rope"]
    if record["split"] == "original":  # one split: McNemar on the first seed's test predictions
        test = splits.pairs[0][1]
        preds = {name: r[0][0]["pred"] for name, r in runs.items()}
        if base_name is not None:
            preds[base_name] = scores[base_name]["extra"]["predictions"]

        def compare(a: str, b: str) -> Comparison:
            return compare_fixed_split(
                a,
                b,
                y[test],
                preds[a],
                preds[b],
                metric=metric,
                seed=record["random_state"],
                rope=rope,
                control=_control(a, b, references, structures),
            )

        return compare

    def compare(a: str, b: str) -> Comparison:
        return compare_paired(
            a,
            b,
            scores[a]["fold_scores"][metric],
            scores[b]["fold_scores"][metric],
            n_train=splits.n_train,
            n_test=splits.n_test,
            folds=splits.folds,
            repeats=splits.repeats,
            rope=rope,
            metric=metric,
            control=_control(a, b, references, structures),
        )

    return compare


__all__ = ["comparer", "pairs"]
