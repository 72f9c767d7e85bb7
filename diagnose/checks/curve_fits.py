"""The learning curve's fitted families, the choice between them and the extrapolation with its band.

The saturating 4-parameter families that the Learning Curve Database found to fit and extrapolate best
(Mohr et al. 2022, "LCDB 1.0"), written for a score that rises with the training size ``x`` towards an
asymptote (LCDB writes them for error rates):

* ``pow4``: ``a - b * (d + x) ** (-c)``          (asymptote ``a``)
* ``mmf4``: ``(a * b + c * x ** d) / (b + x ** d)`` (Morgan-Mercer-Flodin; ``a`` at ``x = 0``, asymptote ``c``)
* ``wbl4``: ``c - b * exp(-a * x ** d)``          (Weibull; asymptote ``c``)

``x`` is the training size divided by the largest observed training size, so ``x = 2`` and ``x = 10``
are "twice" and "ten times" the data. Used by :func:`signal_diagnostics.checks.curves.learning_curve`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy.optimize import curve_fit

from signal_diagnostics.pipeline.verdicts.thresholds import CURVE_MARGIN

HOLDOUT_SIZES = 2  # the largest sizes held back to choose the family
N_BOOTSTRAP = 200
BAND = (2.5, 97.5)  # percentiles of the bootstrap band
EXTRAPOLATE = {"2x": 2.0, "10x": 10.0}


def pow4(x, a, b, c, d):
    """``a - b (d + x)^-c``: rises to the asymptote ``a``."""
    return a - b * np.power(d + x, -c)


def mmf4(x, a, b, c, d):
    """``(a b + c x^d) / (b + x^d)``: ``a`` at ``x = 0``, rises to ``c``."""
    xd = np.power(x, d)
    return (a * b + c * xd) / (b + xd)


def wbl4(x, a, b, c, d):
    """``c - b exp(-a x^d)``: rises to the asymptote ``c``."""
    return c - b * np.exp(-a * np.power(x, d))


# family -> (function, lower bounds, upper bounds, starting points); scores live in [0, 1] and x in (0, 1]
FAMILIES: dict[str, tuple[Callable, list, list, list[list]]] = {
    "pow4": (
        pow4,
        [0.0, 0.0, 0.01, 0.0],
        [1.0, 10.0, 5.0, 10.0],
        [[0.9, 0.2, 0.5, 0.0], [1.0, 0.5, 1.0, 0.1], [0.8, 0.05, 2.0, 0.5]],  # not a level
    ),
    "mmf4": (
        mmf4,
        [-1.0, 1e-6, 0.0, 0.01],
        [1.0, 100.0, 1.0, 5.0],
        [[0.3, 0.5, 0.9, 1.0], [0.5, 0.1, 1.0, 2.0], [0.0, 1.0, 0.8, 0.5]],
    ),
    "wbl4": (
        wbl4,
        [0.01, 0.0, 0.0, 0.01],
        [50.0, 2.0, 1.0, 5.0],
        [[1.0, 0.5, 0.9, 1.0], [3.0, 0.3, 1.0, 0.5], [0.5, 1.0, 0.8, 2.0]],
    ),
}


def fit_family(name: str, x, y, p0: list | None = None) -> tuple[np.ndarray, float] | None:
    """Least-squares fit of one family; returns ``(params, rmse)`` or ``None`` when no start converges.

    Tries ``p0`` alone when given, else the family's starting points, and keeps the best fit.
    """
    f, lo, hi, starts = FAMILIES[name]
    x, y = np.asarray(x, float), np.asarray(y, float)
    best = None
    for s in [p0] if p0 is not None else starts:
        s = np.clip(s, np.add(lo, 1e-9), np.subtract(hi, 1e-9))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p, _ = curve_fit(f, x, y, p0=s, bounds=(lo, hi), maxfev=5000)
        except (RuntimeError, ValueError):
            continue
        rmse = float(np.sqrt(np.mean((f(x, *p) - y) ** 2)))
        if np.isfinite(rmse) and (best is None or rmse < best[1]):
            best = (p, rmse)
    return best


def choose_family(x: np.ndarray, mean: np.ndarray) -> tuple[str | None, dict]:
    """Fit every family on all but the largest sizes; the one with the smallest held-back error wins."""
    fit_x, fit_y = x[:-HOLDOUT_SIZES], mean[:-HOLDOUT_SIZES]
    held_x, held_y = x[-HOLDOUT_SIZES:], mean[-HOLDOUT_SIZES:]
    errors = {}
    for name, (f, *_rest) in FAMILIES.items():
        got = fit_family(name, fit_x, fit_y)
        errors[name] = None if got is None else float(np.sqrt(np.mean((f(held_x, *got[0]) - held_y) ** 2)))
    last_point = float(np.sqrt(np.mean((fit_y[-1] - held_y) ** 2)))
    fitted = {k: v for k, v in errors.items() if v is not None}
    best = min(fitted, key=fitted.get) if fitted else None
    return best, {
        "holdout_sizes": HOLDOUT_SIZES,
        "family_rmse": errors,
        "last_point_rmse": last_point,
        "beats_last_point": None if best is None else bool(fitted[best] < last_point),
    }


def _bootstrap(family: str, x: np.ndarray, scores: np.ndarray, params, points: np.ndarray, seed: int) -> np.ndarray:
    """The family refitted on :data:`N_BOOTSTRAP` resamples of the repeats (columns of ``scores``), at ``points``."""
    f = FAMILIES[family][0]
    repeats = scores.shape[1]
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(N_BOOTSTRAP):
        pick = rng.integers(0, repeats, size=repeats)
        resampled = scores[:, pick].mean(axis=1)
        b = fit_family(family, x, resampled, p0=list(params)) or fit_family(family, x, resampled)
        if b is not None:
            boot.append(f(points, *b[0]))
    return np.array(boot) if boot else np.full((1, len(points)), np.nan)


def extrapolate(x: np.ndarray, sizes: np.ndarray, scores: np.ndarray, family: str | None, seed: int) -> dict:
    """Refit ``family`` on every size, extrapolate to 2x and 10x with a bootstrap band, and decide the answer.

    ``scores`` is ``[size][repeat]``; the band resamples the repeats (:data:`N_BOOTSTRAP`, percentiles
    :data:`BAND`). Answer: ``"yes"`` when the lower band at 2x lies more than ``CURVE_MARGIN`` above the last
    observed mean, ``"no"`` when the upper band at 10x lies within ``CURVE_MARGIN`` of it, else
    ``"cannot tell"`` (also when no family fits: ``family`` and ``params`` are then ``None``).
    Returns ``{"family", "params", "extrapolation", "fit", "more_data_helps"}``.
    """
    mean = scores.mean(axis=1)
    ext: dict = {
        k: {"size": int(round(v * sizes[-1])), "mean": None, "low": None, "high": None} for k, v in EXTRAPOLATE.items()
    }
    grid = np.geomspace(x[0], max(EXTRAPOLATE.values()), 40)
    fit: dict = {"sizes": (grid * sizes[-1]).round(1).tolist(), "mean": None, "low": None, "high": None}
    out = {"family": None, "params": None, "extrapolation": ext, "fit": fit, "more_data_helps": "cannot tell"}
    got = None if family is None else fit_family(family, x, mean)
    if got is None:
        return out
    params = got[0]
    points = np.r_[[EXTRAPOLATE[k] for k in EXTRAPOLATE], grid]
    boot = _bootstrap(family, x, scores, params, points, seed)
    centre = FAMILIES[family][0](points, *params)
    low, high = np.nanpercentile(boot, BAND, axis=0)
    for j, k in enumerate(EXTRAPOLATE):
        ext[k].update(mean=float(centre[j]), low=float(low[j]), high=float(high[j]))
    m = len(EXTRAPOLATE)
    fit.update(mean=centre[m:].tolist(), low=low[m:].tolist(), high=high[m:].tolist())
    last = float(mean[-1])
    if ext["2x"]["low"] > last + CURVE_MARGIN:
        out["more_data_helps"] = "yes"
    elif ext["10x"]["high"] <= last + CURVE_MARGIN:
        out["more_data_helps"] = "no"
    out.update(family=family, params=[float(p) for p in params])
    return out


def method_text(repeats: int, test_share: float, subsample: dict | None = None) -> str:
    """How the curve, its band and its answer were made, in words (the result's ``method``)."""
    text = (
        f"{repeats} stratified {test_share:.0%} test splits; nested stratified training subsets; "
        f"families pow4/mmf4/wbl4 (LCDB, Mohr et al. 2022) chosen by RMSE on the largest "
        f"{HOLDOUT_SIZES} sizes, refitted on all; band: {N_BOOTSTRAP} bootstrap resamples of the repeats, "
        f"{BAND[0]}-{BAND[1]} percentiles; 'yes' if the 2x lower band exceeds the last mean by > {CURVE_MARGIN}, "
        f"'no' if the 10x upper band is within {CURVE_MARGIN} of it"
    )
    if subsample is not None:
        text += (
            f"; on a stratified random subsample of {subsample['n_used']} of {subsample['n_total']} series "
            f"(cap {subsample['cap']})"
        )
    return text
