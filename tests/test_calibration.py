"""End-to-end calibration of the signal verdict: pure noise gives p-values uniform on (0, 1) (a
Kolmogorov-Smirnov test, not only the rejection rate), p <= 0.05 about 5% of the time and the verdict
``none`` (or ``inconclusive``) otherwise; planted signal is found, and found where it was planted.

The test statistic is the best of the default heads (max-T), so this checks the calibration of the
maximum, not of one model.

These run the same path as ``diagnose signal`` (``run_signal_document``) with the heavy baselines and
the learning curve switched off; run them with ``make test-slow``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, kstest

from signal_diagnostics.data import synthetic
from signal_diagnostics.evaluation.exchange import SEQUENTIAL_H, sequential_support, uniform_jitter
from signal_diagnostics.pipeline.assemble import run_signal_document
from signal_diagnostics.pipeline.config import Config

N_NOISE_SETS = 50
ALPHA = 0.05
KS_LEVEL = 0.01  # the Kolmogorov-Smirnov test of uniformity fails below this


def _ks_uniform(p_values, permutations: int, seed: int = 0, h: int | None = SEQUENTIAL_H) -> float:
    """KS p-value of permutation p-values against Uniform(0, 1).

    A permutation p takes a few values ``s_k`` with ``P(p <= s_k) = s_k`` under the null (the grid
    ``1/(N+1), ..., 1`` of the fixed design, with ``h / l`` added by the sequential stop); spreading
    each p uniformly over the gap below its value (``s_(k-1) + V (s_k - s_(k-1))``, ``V ~ U(0, 1)``) makes
    it exactly uniform on (0, 1), so the discreteness itself does not fail the test.
    """
    support = sequential_support(permutations, h)
    return float(kstest(uniform_jitter(p_values, support, np.random.default_rng(seed)), "uniform").pvalue)


def _signal(ds, seed: int, permutations: int = 199) -> dict:
    cfg = Config(
        random_state=seed,
        n_permutations=permutations,
        baselines=["chance_prior", "minirocket"],
        learning_curve=False,
        label_checks=False,
    )  # the verdict alone; label issues and pairs have their own tests
    doc = run_signal_document(ds, cfg)
    assert not doc["errors"], doc["errors"]
    return {**doc["signal"], "verdict": doc["verdicts"]["signal"]}


@pytest.mark.slow
def test_pure_noise_rejects_at_five_percent_and_the_verdict_is_none_otherwise():
    p_values, levels = [], []
    for seed in range(N_NOISE_SETS):
        # imbalanced, zero-padded, 3 or 8 classes: the motivating shape, with no signal at all
        ds = synthetic.noise(
            n=160, T=24, C=3, classes=8 if seed % 2 else 3, imbalance=4.0, variable_length=True, seed=1000 + seed
        )
        sig = _signal(ds, seed)
        p_values.append(sig["shuffle_test"]["p_value"])
        levels.append(sig["verdict"]["level"])
    rejections = int(np.sum(np.asarray(p_values) <= ALPHA))
    lo, hi = binom.interval(0.99, N_NOISE_SETS, ALPHA)
    assert lo <= rejections <= hi, f"{rejections}/{N_NOISE_SETS} noise sets had p <= {ALPHA}"
    assert _ks_uniform(p_values, 199) > KS_LEVEL, f"noise p-values are not uniform: {sorted(p_values)}"
    assert len(sig["shuffle_test"]["heads"]) == 3  # the max over the default heads
    assert levels.count("none") + levels.count("inconclusive") == N_NOISE_SETS - rejections
    assert "strong" not in levels


@pytest.mark.slow
def test_planted_signal_in_the_motivating_case_is_found_where_it_was_planted():
    ds = synthetic.imbalanced(seed=3)  # 8 classes, class 0 holds 60%, bump in steps 10-17, zero padding
    planted = ds.meta["planted"]
    sig = _signal(ds, seed=0, permutations=99)
    assert sig["verdict"]["level"] in ("weak", "strong")
    assert sig["shuffle_test"]["p_value"] == pytest.approx(1 / 100)
    q = np.asarray(sig["timestep_map"]["q_value"])  # [timestep][channel]
    found = q < ALPHA
    inside = np.zeros_like(found)
    inside[planted["start"] : planted["stop"], planted["channels"]] = True
    # Benjamini-Hochberg bounds the expected share of false discoveries at 5%, so allow a few outside
    assert found[inside].mean() >= 0.8, "the planted window was mostly missed"
    assert found[inside].sum() / found.sum() >= 0.9, "too many significant cells outside the planted window"


@pytest.mark.slow
def test_shuffle_p_values_on_noise_with_a_dominant_class_are_uniform():
    """40 pure-noise sets, 4 classes, the first holding 40 %: the balanced heads score near chance on true
    and shuffled labels alike, and tied scores are ranked at random, so p is uniform, not piled up at 1."""
    from signal_diagnostics.checks.shuffle import shuffle_test

    permutations, p_values = 49, []
    for seed in range(40):
        rng = np.random.default_rng(2000 + seed)
        y = rng.permutation(np.repeat(np.arange(4), [32, 16, 16, 16]))
        X = rng.standard_normal((len(y), 24, 2)).astype(np.float32)
        p_values.append(shuffle_test(X, y, n_permutations=permutations, folds=5, random_state=seed).p_value)
    assert _ks_uniform(p_values, permutations) > KS_LEVEL, f"noise p-values are not uniform: {sorted(p_values)}"
    assert np.mean(np.asarray(p_values) > 0.9) < 0.3  # no pile-up near 1
