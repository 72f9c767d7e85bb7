"""Statistics over cross-validation scores that do not treat repeated folds as independent."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

NB_METHOD = "Nadeau-Bengio corrected resampled t ({k} folds x {r} repeats), {level:.0%}"


@dataclass(frozen=True)
class Interval:
    """A mean over CV folds with its interval and the method that made it."""

    mean: float
    low: float
    high: float
    method: str

    def to_dict(self) -> dict:
        return {"mean": self.mean, "low": self.low, "high": self.high, "method": self.method}


def corrected_t(scores, n_train: int, n_test: int, *, folds: int, repeats: int = 1,
                confidence: float = 0.95) -> tuple[Interval, float]:
    """Nadeau & Bengio (2003) corrected resampled t over ``folds * repeats`` CV scores (or differences).

    The variance is inflated by ``n_test / n_train`` because training sets overlap between folds:
    ``var * (1 / (k r) + n_test / n_train)``, with ``k r - 1`` degrees of freedom.

    Returns the interval and the two-sided p-value for a mean of zero.
    """
    x = np.asarray(scores, float).ravel()
    m = x.size
    mean = float(x.mean())
    method = NB_METHOD.format(k=folds, r=repeats, level=confidence)
    var = float(x.var(ddof=1)) if m > 1 else 0.0
    se = np.sqrt(var * (1.0 / m + n_test / n_train))
    if m < 2 or se == 0.0:
        return Interval(mean, mean, mean, method), (1.0 if mean == 0.0 else 0.0)
    tcrit = stats.t.ppf(0.5 + confidence / 2, df=m - 1)
    p = float(2 * stats.t.sf(abs(mean) / se, df=m - 1))
    return Interval(mean, float(mean - tcrit * se), float(mean + tcrit * se), method), p
