"""One decision rule for every paired comparison: better, worse, equivalent or cannot tell (issue 22).

Comparisons are built by hand or from simulated paired scores fed through the real statistics
(:func:`signal_diagnostics.evaluation.comparison.compare_paired`), never from a training run.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from signal_diagnostics.evaluation.comparison import compare_paired
from signal_diagnostics.pipeline.verdicts import outcomes
from signal_diagnostics.pipeline.verdicts.attention import attention_verdict
from signal_diagnostics.pipeline.verdicts.decide import decide
from signal_diagnostics.pipeline.verdicts.outcomes import decisions, settle, settle_sentence, with_decisions

FIXTURE = Path(__file__).parent / "fixtures" / "diagnosis_example.json"


@pytest.fixture()
def doc() -> dict:
    return json.loads(FIXTURE.read_text())


def _comparison(mean, low, high, p, p_eq=0.1, **extra) -> dict:
    return {
        "a": "x",
        "b": "y",
        "metric": "balanced_accuracy",
        "mean_difference": mean,
        "ci_low": low,
        "ci_high": high,
        "p_value": p,
        "p_equivalent": p_eq,
        "rope": 0.01,
        **extra,
    }


# --- the rule, one outcome at a time ------------------------------------------------------------------
@pytest.mark.parametrize(
    "comparison, expected",
    [
        (_comparison(0.05, 0.02, 0.08, 0.001), "better"),
        (_comparison(-0.05, -0.08, -0.02, 0.001), "worse"),
        (_comparison(0.002, -0.006, 0.009, 0.6, p_eq=0.9), "equivalent"),  # the interval inside +-1 point
        (_comparison(0.002, -0.012, 0.015, 0.7, p_eq=0.96), "equivalent"),  # P(equivalent) >= 0.95
        (_comparison(0.002, -0.034, 0.038, 0.9, p_eq=0.51), "cannot tell"),  # the example report's +0.2 [-3.4, +3.8]
        (_comparison(0.219, -0.637, 1.0, 0.4, p_eq=0.02), "cannot tell"),  # the 60-series case
        (_comparison(0.004, 0.001, 0.007, 0.01, p_eq=0.99), "equivalent"),  # shown non-zero, but too small to matter
    ],
)
def test_each_outcome_follows_from_the_interval_the_adjusted_p_and_p_equivalent(comparison, expected):
    assert outcomes.outcome(comparison, comparison["p_value"], rope=0.01) == expected


def test_holm_runs_within_each_question_and_the_decision_records_the_rules_inputs(doc):
    found = decisions(doc)
    assert [d["family"] for d in found] == ["baseline", "baseline", "plain"]
    assert [d["family_size"] for d in found] == [2, 2, 1]
    assert found[0]["p_adjusted"] == pytest.approx(2 * 0.078)  # Holm: the smaller of two p doubled
    assert found[2]["p_adjusted"] == pytest.approx(0.62)  # its own family of one
    assert all(d["alpha"] == 0.05 and d["rope"] == 0.01 and "Holm" in d["rule"] for d in found)


def test_a_larger_rope_turns_cannot_tell_into_equivalent(doc):
    c = doc["deep"]["comparisons"][2]  # +0.3 points [-1.2, +1.8]
    assert outcomes.outcome(c, 0.62, rope=0.01) == "cannot tell"
    assert outcomes.outcome(c, 0.62, rope=0.02) == "equivalent"


# --- what would settle it ------------------------------------------------------------------------------
def test_the_splits_that_would_exclude_zero_are_the_hand_computed_ones():
    # sd 0.02, n_test / n_train = 0.25, mean 0.03. Half-width t(m-1) x sqrt(0.0004 (1/m + 0.25)):
    # m = 7: 2.447 x 0.012536 = 0.0307 (not below 0.03); m = 8: 2.365 x 0.012247 = 0.0290 (below).
    c = _comparison(0.03, -0.007, 0.067, 0.08, sd_difference=0.02, n_splits=5, folds=5, n_train=80.0, n_test=20.0)
    s = settle(c, rope=0.01)
    target = next(t for t in s["targets"] if t["target"] == "exclude 0")
    assert target["splits"] == 8
    assert [t["target"] for t in s["targets"]] == ["exclude 0"]  # |mean| > rope: it cannot fit inside the ROPE
    assert "about 8 splits (--repeats 2 with 5 folds) would make the interval exclude 0" in settle_sentence(s)


def test_no_number_of_repeats_settles_it_when_the_n_test_over_n_train_term_alone_is_too_wide():
    # sd 0.05, ratio 0.25: with infinitely many splits the half-width is 1.96 x 0.025 = 0.049 > 0.005.
    c = _comparison(0.005, -0.09, 0.1, 0.9, sd_difference=0.05, n_splits=5, folds=5, n_train=80.0, n_test=20.0)
    s = settle(c, rope=0.01)
    assert all(t["splits"] is None for t in s["targets"])
    # more series: the half-width at 5 splits, 2.776 x sqrt(0.0025 x 0.45) = 0.0931, over the 0.005 target, squared
    assert min(t["series_factor"] for t in s["targets"]) == pytest.approx((0.09311 / 0.005) ** 2, rel=1e-3)
    text = settle_sentence(s)
    assert "no number of repeats would" in text and "the series" in text and "n_test/n_train" in text


def test_a_record_without_its_design_gives_no_settle_numbers():
    assert settle(_comparison(0.01, -0.05, 0.07, 0.7), rope=0.01) is None


# --- known answers from simulated paired scores through the real statistics ---------------------------
def _simulated(mean, sd, folds, repeats, n_series, seed):
    """Per-split scores of two models on the same splits: a shared split effect, independent noise."""
    rng = np.random.default_rng(seed)
    m = folds * repeats
    shared = rng.normal(0.6, 0.05, m)
    a = shared + mean + rng.normal(0, sd / np.sqrt(2), m)
    b = shared + rng.normal(0, sd / np.sqrt(2), m)
    n_test = n_series / folds
    return compare_paired(
        "attn", "plain", a, b, n_train=n_series - n_test, n_test=n_test, folds=folds, repeats=repeats, control="plain"
    )


def _attention_doc(*comparisons, activation=None) -> dict:
    return {
        "deep": {
            "models": [
                {"name": "attn", "balanced_accuracy": 0.6, "structure": {"has_attention": True}},
                {"name": "plain", "balanced_accuracy": 0.6, "structure": {"has_attention": False}},
            ],
            "references": {"attn": "plain", "plain": None},
            "comparisons": [c.to_dict() if hasattr(c, "to_dict") else c for c in comparisons],
            "attention": [{"model": "attn", "layer": "att", "activation": activation, "status": "warn"}],
        }
    }


def test_few_series_and_a_large_variance_cannot_tell_and_are_never_headed_no():
    c = _simulated(mean=0.0, sd=0.15, folds=5, repeats=1, n_series=60, seed=3)
    assert -1 <= c.ci_low and c.ci_high <= 1 and "clipped to [-1, 1]" in c.method
    v = attention_verdict(_attention_doc(c))
    assert v.evidence["comparisons"][0]["outcome"] == "cannot tell"
    assert v.level == "cannot tell" and v.headline == "Not shown either way."
    assert "not shown either way" in v.sentence and "To settle it" in v.sentence


def test_weights_that_cannot_focus_still_say_no_and_combine_it_with_the_undecided_score():
    c = _simulated(mean=0.0, sd=0.15, folds=5, repeats=1, n_series=60, seed=3)
    v = attention_verdict(_attention_doc(c, activation="sigmoid"))
    assert v.level == "adds nothing"
    assert v.headline == "No: the weights cannot focus, and the score difference is not shown either way."
    assert "near-uniform by construction" in v.sentence


def test_two_equal_models_are_equivalent_once_the_splits_suffice_as_settle_predicted():
    # equal models, per-split differences of sd 0.012, 1000 series in 10 folds (n_test / n_train = 1/9)
    few = _simulated(mean=0.0, sd=0.012, folds=10, repeats=1, n_series=1000, seed=1)
    d_few = decisions(_attention_doc(few))[0]
    assert d_few["outcome"] == "cannot tell"
    need = next(t["splits"] for t in d_few["settle"]["targets"] if t["target"] == "inside the ROPE")
    assert need is not None and 10 < need <= 100
    enough = _simulated(mean=0.0, sd=0.012, folds=10, repeats=int(np.ceil(need / 10)), n_series=1000, seed=1)
    assert decisions(_attention_doc(enough))[0]["outcome"] == "equivalent"
    assert attention_verdict(_attention_doc(enough)).headline == "No."


def test_better_stays_within_five_percent_on_equal_models():
    found = [
        outcomes.outcome(c.to_dict(), c.p_value, 0.01)
        for c in (_simulated(0.0, 0.03, 5, 2, 200, s) for s in range(300))
    ]
    assert found.count("better") / len(found) <= 0.05  # two-sided 5%: about 2.5% in the "better" direction
    assert found.count("cannot tell") > found.count("better")  # equal models, wide intervals: mostly undecided


# --- two controls: the plain stack and the uniform-weights model -------------------------------------
def _with_uniform(doc, plain, uniform):
    d = copy.deepcopy(doc)
    comps = d["deep"]["comparisons"]
    base = next(c for c in comps if c.get("control") == "plain")
    base.update(plain)
    comps.append({**base, "b": "bilstm_attention (uniform attention)", "control": "uniform", **uniform})
    return d


CLEAR_GAIN = {"mean_difference": 0.05, "ci_low": 0.02, "ci_high": 0.08, "p_value": 0.001, "p_equivalent": 0.0}
TIE = {"mean_difference": 0.001, "ci_low": -0.005, "ci_high": 0.007, "p_value": 0.7, "p_equivalent": 0.97}
WIDE = {"mean_difference": 0.02, "ci_low": -0.03, "ci_high": 0.07, "p_value": 0.4, "p_equivalent": 0.2}


@pytest.mark.parametrize(
    "plain, uniform, level, headline",
    [
        (CLEAR_GAIN, CLEAR_GAIN, "helps", "Yes."),
        (CLEAR_GAIN, WIDE, "cannot tell", "Not shown either way."),  # Yes only if better than both controls
        (CLEAR_GAIN, TIE, "adds nothing", "No."),  # the gain is from averaging: uniform weights do as well
        (TIE, TIE, "adds nothing", "No."),
        (WIDE, WIDE, "cannot tell", "Not shown either way."),
    ],
)
def test_both_controls_are_reported_and_the_headline_follows_the_stated_rule(doc, plain, uniform, level, headline):
    v = decide(_with_uniform(doc, plain, uniform))["attention"]
    assert (v["level"], v["headline"]) == (level, headline)
    assert [c["control"] for c in v["evidence"]["comparisons"]] == ["plain", "uniform"]
    assert "the same stack without attention" in v["sentence"]
    assert "the same model trained with uniform attention weights" in v["sentence"]


# --- one rule per page -----------------------------------------------------------------------------
def test_the_comparisons_table_and_the_answers_agree_for_every_pair(doc):
    from signal_diagnostics.reports.deep_sections import comparisons_section

    d = with_decisions(_with_uniform(doc, CLEAR_GAIN, WIDE))
    verdicts = decide(d)
    answered = {
        (c["model"], c["reference"]): c["outcome"] for c in verdicts["attention"]["evidence"]["comparisons"]
    } | {(c["model"], "minirocket"): c["outcome"] for c in verdicts["deep"]["evidence"]["comparisons"]}
    table = comparisons_section(d)["tables"][0]
    header = table["headers"]
    rows = {tuple(r[0].split(" vs ")): r[header.index("Decision")] for r in table["rows"]}
    assert set(rows) == set(answered) and len(rows) == 4
    for pair, outcome in answered.items():
        assert rows[pair].split(" (")[0] == outcome, pair
    assert "P(equivalent)" in header  # the Bayesian probabilities stay numbers


# --- the ROPE option: points on the command line and in Python, recorded, used -----------------------
@pytest.mark.parametrize("command", ["compare", "report"])
@pytest.mark.parametrize("value", ["0", "-1", "50", "nan"])
def test_a_bad_rope_exits_2_with_one_line_before_any_work(command, value, tmp_path, capsys, monkeypatch):
    import signal_diagnostics.pipeline.assemble
    from signal_diagnostics.cli import main

    for runner in ("run_compare_document", "run_report_document"):
        monkeypatch.setattr(signal_diagnostics.pipeline.assemble, runner, lambda *a, **k: pytest.fail("work started"))
    out = tmp_path / "out"
    args = [command, "synthetic:bump?n=40&T=30", "--rope", value]
    args += ["--out", str(out)] if command == "report" else ["--json", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--rope must lie between 0 and 50 percentage points" in err[0]
    assert not out.exists()


def test_rope_in_python_uses_the_same_points_and_is_refused_outside_its_range():
    from signal_diagnostics.errors import DataError
    from signal_diagnostics.pipeline.config import rope_points_to_fraction

    assert rope_points_to_fraction(1) == 0.01 and rope_points_to_fraction(2.5) == 0.025
    with pytest.raises(DataError, match="between 0 and 50"):
        signal_diagnostics_report = __import__("signal_diagnostics").report
        signal_diagnostics_report("synthetic:bump?n=40&T=30", deep=False, rope=0)


def test_rope_reaches_the_document_the_bayesian_posterior_and_the_decisions_end_to_end(tmp_path):
    pytest.importorskip("keras")
    from signal_diagnostics.cli import main

    builder = tmp_path / "flat.py"
    builder.write_text(
        "import keras\n\n\ndef flat(input_shape, n_classes):\n    inputs = keras.Input(shape=input_shape)\n"
        "    x = keras.layers.Flatten()(inputs)\n"
        "    return keras.Model(inputs, keras.layers.Dense(n_classes, activation='softmax')(x))\n"
    )
    out = tmp_path / "d.json"
    args = [
        "compare",
        "synthetic:bump?n=40&T=12&C=1&start=3&stop=8",
        "--models",
        f"{builder}:flat",
        "--baseline",
        "chance_prior",
    ]
    args += ["--folds", "2", "--epochs", "1", "--min-updates", "0", "--rope", "2.5", "--json", str(out)]
    assert main(args) == 0
    doc = json.loads(out.read_text())
    assert doc["config"]["rope"] == 2.5 and doc["deep"]["config"]["rope"] == 0.025
    (c,) = doc["deep"]["comparisons"]
    assert c["rope"] == 0.025 and "ROPE +-0.025" in c["method"] and c["decision"]["rope"] == 0.025
    assert c["decision"]["outcome"] in outcomes.OUTCOMES
    assert doc["verdicts"]["deep"]["evidence"]["comparisons"][0]["outcome"] == c["decision"]["outcome"]
