"""False-positive rate of the paired model comparison when the two models are equally good.

Two null scenarios, each on many generated data sets (pure noise and weak bumps, 60-150 series,
2-3 classes) with repeated stratified CV (default 5 folds x 2 repeats), both models scored on the
identical splits:

- ``same_config``: one configuration twice, only ``random_state`` differs (RandomForest and
  SGDClassifier on flattened series). Equal by construction.
- ``different_models_on_noise``: RandomForest against logistic regression on pure noise, where both
  have expected balanced accuracy 0.5 but their fold differences share the data's ups and downs.

For each comparison: the Nadeau-Bengio corrected t (``p < alpha``), a naive paired t-test over the
same fold scores (what ``scipy.stats.ttest_rel`` on CV folds gives), the Bayesian correlated
t-test deciding "a better" or "b better" at P > 0.95, and the toolkit's decision
(:func:`signal_diagnostics.pipeline.verdicts.outcomes.outcome`, one comparison per family): how often
it says *better* (a better than b), *better or worse* (either direction) and *equivalent* on equal models.
One helps-case measures the power of *better*: logistic regression on bump data against the same model
blind to the bump's steps (``helps:logistic_vs_blind``). Rates come with exact (Clopper-Pearson) 95%
binomial intervals. Usage:

    python benchmarks/compare_fpr.py [--datasets 200] [--folds 5] [--repeats 2] [--out result.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

ALPHA = 0.05
DECISIVE = 0.95
TESTS = (
    "corrected",
    "naive",
    "bayes",
    "decided_better",
    "decided_better_or_worse",
    "decided_equivalent",
    "decided_cannot_tell",
)
SIZES = (60, 100, 150)
AMPLITUDES = (0.3, 0.6)


class Flat:
    """Wrap a scikit-learn classifier to take ``(n, T, C)`` series, flattened to ``(n, T * C)``."""

    def __init__(self, estimator):
        self.estimator = estimator

    def get_params(self, deep=True):
        return {"estimator": self.estimator}

    def set_params(self, **params):
        self.estimator = params.get("estimator", self.estimator)
        return self

    def fit(self, X, y):
        from sklearn.base import clone

        self.model_ = clone(self.estimator).fit(X.reshape(len(X), -1), y)
        return self

    def predict(self, X):
        return self.model_.predict(X.reshape(len(X), -1))


def forest(seed: int):
    from sklearn.ensemble import RandomForestClassifier

    return Flat(RandomForestClassifier(n_estimators=25, max_features="sqrt", random_state=seed, n_jobs=1))


def sgd(seed: int):
    from sklearn.linear_model import SGDClassifier

    return Flat(SGDClassifier(loss="log_loss", alpha=1e-2, max_iter=50, tol=None, random_state=seed))


def logistic(seed: int):
    from sklearn.linear_model import LogisticRegression

    return Flat(LogisticRegression(C=0.1, max_iter=500))


class Blind(Flat):
    """A classifier that never sees the steps where the bumps live (so it is worse on bump data)."""

    def fit(self, X, y):
        return super().fit(self._hide(X), y)

    def predict(self, X):
        return super().predict(self._hide(X))

    @staticmethod
    def _hide(X):
        X = np.array(X, copy=True)
        X[:, BUMP[0] : BUMP[1]] = 0.0
        return X


BUMP = (8, 14)  # the steps of the planted bumps


def blind_logistic(seed: int):
    from sklearn.linear_model import LogisticRegression

    return Blind(LogisticRegression(C=0.1, max_iter=500))


def datasets(n: int):
    """``n`` data sets cycling over noise / bump, sizes and class counts; seeded by their index."""
    from signal_diagnostics.data import synthetic

    for i in range(n):
        size = SIZES[i % len(SIZES)]
        classes = 2 + (i // len(SIZES)) % 2
        if i % 2 == 0:
            yield "noise", synthetic.noise(n=size, T=20, C=2, classes=classes, seed=1000 + i)
        else:
            amp = AMPLITUDES[(i // 2) % len(AMPLITUDES)]
            yield (
                f"bump{amp}",
                synthetic.bump(
                    n=size, T=20, C=2, classes=classes, start=BUMP[0], stop=BUMP[1], amplitude=amp, seed=1000 + i
                ),
            )


def one(a, b, ds, splits) -> dict:
    """Both models on the same splits; the three tests' decisions."""
    from scipy import stats as st

    from signal_diagnostics.evaluation.comparison import compare_paired
    from signal_diagnostics.evaluation.scores import evaluate

    sa = evaluate(a, ds.X, ds.y_codes, splits, name="a").fold_scores["balanced_accuracy"]
    sb = evaluate(b, ds.X, ds.y_codes, splits, name="b").fold_scores["balanced_accuracy"]
    c = compare_paired(
        "a", "b", sa, sb, n_train=splits.n_train, n_test=splits.n_test, folds=splits.folds, repeats=splits.repeats
    )
    from signal_diagnostics.pipeline.verdicts.outcomes import outcome

    decided = outcome(c.to_dict(), c.p_value, c.rope)  # one comparison: its family's Holm p is its own p
    d = np.subtract(sa, sb)
    naive_p = 1.0 if np.all(d == d[0]) and d[0] == 0 else float(st.ttest_rel(sa, sb).pvalue)
    if not np.isfinite(naive_p):  # constant non-zero difference: the naive test calls it certain
        naive_p = 0.0
    return {
        "corrected": c.p_value < ALPHA,
        "naive": naive_p < ALPHA,
        "bayes": max(c.p_a_better, c.p_b_better) > DECISIVE,
        "decided_better": decided == "better",
        "decided_better_or_worse": decided in ("better", "worse"),
        "decided_equivalent": decided == "equivalent",
        "decided_cannot_tell": decided == "cannot tell",
        "diff": c.mean_difference,
    }


def rate(hits: list[bool]) -> dict:
    from scipy.stats import binomtest

    k, n = int(np.sum(hits)), len(hits)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return {"rate": k / n, "low": float(ci.low), "high": float(ci.high), "k": k, "n": n}


def run(n_datasets: int = 200, folds: int = 5, repeats: int = 2, progress: bool = False) -> dict:
    """Compare equal models on ``n_datasets`` data sets; false-positive rates per scenario and test."""
    from signal_diagnostics.evaluation.splits import make_splits

    outcomes: dict[str, list[dict]] = {
        "same_config:forest": [],
        "same_config:sgd": [],
        "different_models_on_noise": [],
        "helps:logistic_vs_blind": [],
    }
    start = time.perf_counter()
    for i, (kind, ds) in enumerate(datasets(n_datasets)):
        splits = make_splits(ds.y_codes, folds=folds, repeats=repeats, random_state=i)
        outcomes["same_config:forest"].append(one(forest(2 * i), forest(2 * i + 1), ds, splits))
        outcomes["same_config:sgd"].append(one(sgd(2 * i), sgd(2 * i + 1), ds, splits))
        if kind == "noise":
            outcomes["different_models_on_noise"].append(one(forest(i), logistic(i), ds, splits))
        else:
            outcomes["helps:logistic_vs_blind"].append(one(logistic(i), blind_logistic(i), ds, splits))
        if progress and (i + 1) % 20 == 0:
            print(f"{i + 1}/{n_datasets} data sets, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    rows = []
    for scenario, res in outcomes.items():
        for test in TESTS:
            r = rate([o[test] for o in res])
            rows.append(
                {
                    "scenario": scenario,
                    "test": test,
                    "false_positive_rate": r["rate"],
                    "ci_low": r["low"],
                    "ci_high": r["high"],
                    "comparisons": r["n"],
                }
            )
    same = [o["corrected"] for k, res in outcomes.items() if k.startswith("same_config") for o in res]
    null = [o for k, res in outcomes.items() if not k.startswith("helps") for o in res]
    helps = outcomes["helps:logistic_vs_blind"]
    return {
        "datasets": n_datasets,
        "folds": folds,
        "repeats": repeats,
        "alpha": ALPHA,
        "corrected_fpr_same_config": rate(same)["rate"],
        "corrected_fpr_same_config_high": rate(same)["high"],
        "decision_fpr_better": rate([o["decided_better"] for o in null]),
        "decision_fpr_better_or_worse": rate([o["decided_better_or_worse"] for o in null]),
        "decision_equivalent_on_equal": rate([o["decided_equivalent"] for o in null]),
        "decision_power_better": rate([o["decided_better"] for o in helps]) if helps else None,
        "helps_mean_difference": float(np.mean([o["diff"] for o in helps])) if helps else None,
        "seconds": time.perf_counter() - start,
        "rates": rows,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=200)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    result = run(args.datasets, args.folds, args.repeats, progress=True)
    for r in result["rates"]:
        print(
            f"{r['scenario']:28s} {r['test']:24s} {r['false_positive_rate']:.3f} "
            f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}] of {r['comparisons']}"
        )
    for key in ("decision_fpr_better", "decision_fpr_better_or_worse", "decision_power_better"):
        r = result[key]
        if r:
            print(f"{key}: {r['rate']:.3f} [{r['low']:.3f}, {r['high']:.3f}] ({r['k']} of {r['n']})")
    print(f"{result['seconds']:.0f} s")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
