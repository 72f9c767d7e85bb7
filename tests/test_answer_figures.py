"""One figure per answer, and what the permutation count allows (issue 20, items 4 and 5).

"Is there signal?" rests on the label-shuffle test's heads; "How much?" quotes one named model: the
test's best head, or the best classical baseline when it is not a head and scores higher. With N
shuffles the smallest p is 1 / (N + 1): the levels out of reach are warned about before the run and
recorded in the answers. The README's table of level rules is the one the code renders.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from signal_diagnostics.errors import OptionWarning
from signal_diagnostics.pipeline.verdicts.base import min_permutations, unreachable_levels, warn_permutations
from signal_diagnostics.pipeline.verdicts.decide import decide, recommendations
from signal_diagnostics.pipeline.verdicts.thresholds import ALPHA, STRONG_ALPHA

ROOT = Path(__file__).resolve().parents[1]


def _doc(*, p=0.001, observed=0.6, null_mean=0.3, n=999, heads=None, baselines=None, k=4) -> dict:
    """A Diagnosis document with a shuffle test over ``heads`` and the classical ``baselines``."""
    heads = heads or {"minirocket": observed, "summary_ridge": observed - 0.05}
    baselines = baselines or {"minirocket": observed}
    best = max(baselines, key=baselines.get)
    return {
        "dataset": {"n_classes": k},
        "config": {"n_permutations": n},
        "signal": {
            "baselines": [
                {
                    "name": name,
                    "balanced_accuracy": score,
                    "accuracy": score,
                    "intervals": {"balanced_accuracy": {"low": score - 0.05, "high": score + 0.05}},
                }
                for name, score in baselines.items()
            ],
            "best_baseline": best,
            "shuffle_test": {
                "p_value": p,
                "observed": observed,
                "null_mean": null_mean,
                "null_std": 0.03,
                "n_permutations": n,
                "metric": "balanced_accuracy",
                "best_head": max(heads, key=heads.get),
                "heads": [{"name": h, "observed": s} for h, s in heads.items()],
            },
        },
    }


# ------------------------------------------------------------------------------------------ item 4
def test_how_much_quotes_the_best_baseline_named_when_it_is_outside_the_test_and_higher():
    doc = _doc(observed=0.30, null_mean=0.28, p=0.01, baselines={"minirocket": 0.29, "features_gb": 0.55})
    v = decide(doc)
    how, sig = v["how_much"], v["signal"]
    assert how["evidence"]["source"] == "baseline" and how["evidence"]["model"] == "features_gb"
    gain = (0.55 - 0.28) / (1 - 0.28)
    assert how["evidence"]["gain_over_chance"] == pytest.approx(gain)
    assert how["level"] == "moderate"  # 0.375 from the baseline, where the heads reach 0.03
    assert f"{gain:.0%} of the way" in how["sentence"] and "features_gb" in how["headline"]
    assert "0.550" in how["sentence"] and 'minirocket at 0.300, is what "Is there signal?" rests on' in how["sentence"]
    # the signal answer quotes its heads only, and names the stronger baseline in its details
    assert "features_gb" not in sig["sentence"]
    assert sig["evidence"]["best_baseline_outside_test"]["name"] == "features_gb"
    assert any("--heads minirocket,summary_ridge,features_gb" in d for d in sig["details"])


def test_how_much_quotes_the_shuffle_test_when_the_best_baseline_is_a_head():
    doc = _doc(observed=0.60, null_mean=0.30, baselines={"minirocket": 0.62, "logistic": 0.50})
    v = decide(doc)
    how = v["how_much"]
    assert how["evidence"]["source"] == "shuffle_test" and how["evidence"]["model"] == "minirocket"
    assert how["evidence"]["gain_over_chance"] == pytest.approx(v["signal"]["evidence"]["gain_over_chance"])
    assert "best_baseline_outside_test" not in v["signal"]["evidence"]
    # one "of the way" figure, from the test; the table's score is named as the table's
    assert how["sentence"].count("of the way") == 1 and "In the baselines table, minirocket" in how["sentence"]


def test_shuffle_heads_take_the_fast_baselines_of_the_run_whatever_their_score():
    from signal_diagnostics.pipeline.config import Config, shuffle_heads

    names = ["chance_prior", "logistic", "features_gb", "minirocket", "multirocket"]
    assert shuffle_heads(Config(), names) == ["minirocket", "summary_ridge", "raw_ridge", "multirocket"]
    assert shuffle_heads(Config(shuffle_heads=["raw_ridge"]), names) == ["raw_ridge", "minirocket", "multirocket"]


def _level_and_frequency(n=80, T=48, shift=0.35, seed=0):
    """Two classes that differ in a channel's level (raw values see it) and in a sine's frequency at a
    random phase (raw values do not; band power does)."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    t = np.arange(T)[None, :]
    X = rng.standard_normal((n, T, 2))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    X[:, :, 0] += np.sqrt(2) * np.sin(2 * np.pi * (4 + 4 * y[:, None]) * t / T + phase)
    X[:, :, 1] += shift * y[:, None]
    return X.astype(np.float32), y


def test_a_head_blind_to_part_of_the_signal_and_a_stronger_baseline_each_name_their_figure():
    """The test's head (raw values) finds the level, features_gb (a baseline that refits per shuffle)
    also the frequency: "Is there signal?" quotes the head, "How much?" features_gb, each named."""
    from signal_diagnostics.data.loaders import as_dataset
    from signal_diagnostics.pipeline.assemble import run_signal_document
    from signal_diagnostics.pipeline.config import Config

    cfg = Config(
        n_permutations=99,
        shuffle_heads=["raw_ridge"],
        baselines=["features_gb"],
        learning_curve=False,
        label_checks=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = run_signal_document(as_dataset(_level_and_frequency()), cfg)
    st = doc["signal"]["shuffle_test"]
    assert [h["name"] for h in st["heads"]] == ["raw_ridge"]  # features_gb does not join by itself
    gb = doc["signal"]["baselines"][0]["balanced_accuracy"]
    assert gb > st["observed"] + 0.1 and st["p_value"] <= 0.05
    how, sig = doc["verdicts"]["how_much"], doc["verdicts"]["signal"]
    assert sig["level"] in ("weak", "strong") and "features_gb" not in sig["sentence"]
    assert f"{st['observed']:.3f}" in sig["sentence"]
    assert how["evidence"]["source"] == "baseline" and how["evidence"]["model"] == "features_gb"
    assert f"{gb:.3f}" in how["sentence"] and f"raw_ridge at {st['observed']:.3f}" in how["sentence"]
    assert sig["evidence"]["best_baseline_outside_test"]["name"] == "features_gb"
    assert any("--heads raw_ridge,features_gb" in d for d in sig["details"])


# ------------------------------------------------------------------------------------------ item 5
def test_the_fewest_shuffles_each_level_needs():
    assert min_permutations(STRONG_ALPHA) == 99 and min_permutations(ALPHA) == 19
    assert unreachable_levels(99) == []
    assert [r["level"] for r in unreachable_levels(19)] == ["strong"]
    assert {(r["answer"], r["level"]) for r in unreachable_levels(18)} == {
        ("signal", "strong"),
        ("signal", "weak"),
        ("where", "windows"),
    }


def test_far_from_chance_with_19_shuffles_says_strong_was_out_of_reach_not_a_little_of_the_way():
    v = decide(_doc(p=1 / 20, observed=0.989, null_mean=0.2, n=19))["signal"]
    assert v["level"] == "weak"
    assert "only a little of the way" not in v["sentence"]
    assert "out of reach with 19 shuffles" in v["sentence"] and "99" in v["sentence"]
    assert [r["level"] for r in v["evidence"]["unreachable_levels"]] == ["strong"]
    assert any("out of reach" in d for d in v["details"])


def test_too_few_shuffles_for_any_level_is_unclear_and_asks_for_more():
    doc = _doc(p=1 / 10, observed=0.9, null_mean=0.3, n=9)
    verdicts = decide(doc)
    assert verdicts["signal"]["level"] == "inconclusive"
    assert verdicts["how_much"]["level"] == "unclear"
    recs = recommendations(doc, verdicts)
    assert recs[0]["id"] == "more_permutations" and "19" in recs[0]["text"]


def test_enough_shuffles_record_no_unreachable_level():
    v = decide(_doc(n=999))["signal"]
    assert v["evidence"]["unreachable_levels"] == [] and v["details"] == []


def test_the_python_api_warns_about_levels_out_of_reach():
    with pytest.warns(OptionWarning, match=r"signal 'strong' \(p <= 0.01 needs 99\)"):
        warn_permutations(19)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_permutations(99) == []


def test_signal_with_19_permutations_warns_before_the_run_and_records_the_levels(tmp_path, capsys):
    import json

    from signal_diagnostics.cli import main

    out = tmp_path / "d.json"
    source = "synthetic:bump?n=40&T=12&start=3&stop=9"
    args = ["signal", source, "--n-permutations", "19", "--no-curve", "--baselines", "logistic", "--json", str(out)]
    assert main(args) == 0
    err = capsys.readouterr().err
    warning = next(i for i, line in enumerate(err.splitlines()) if "out of reach" in line)
    first_unit = next(i for i, line in enumerate(err.splitlines()) if "label-shuffle test" in line)
    assert warning < first_unit  # said before the run
    assert "signal 'strong' (p <= 0.01 needs 99)" in err.splitlines()[warning]
    doc = json.loads(out.read_text())
    assert [r["level"] for r in doc["verdicts"]["signal"]["evidence"]["unreachable_levels"]] == ["strong"]


# ------------------------------------------------------------------------------------------ the README
def test_the_readme_table_of_level_rules_is_the_one_the_code_renders():
    from signal_diagnostics.pipeline.verdicts.rules import LEVEL_RULES, rules_table

    readme = (ROOT / "README.md").read_text()
    assert rules_table() in readme
    answers = {answer for answer, _, _ in LEVEL_RULES}
    assert answers == {
        "signal",
        "how_much",
        "more_data",
        "comparison",
        "deep",
        "attention",
        "where",
        "labels",
        "classes",
    }
    # every threshold constant the verdicts use appears, with its value, in the table
    from signal_diagnostics.pipeline.verdicts import thresholds as t

    table = rules_table()
    for value in (t.ALPHA, t.STRONG_ALPHA, t.STRONG_GAIN, t.LARGE_GAIN, t.CURVE_MARGIN, t.EQUIVALENT_PROBABILITY):
        assert re.search(rf"(?<![\d.]){value:g}(?![\d])", table), value
    assert f"{t.CLEAN_SHARE:.0%}" in table and f"{t.MANY_SHARE:.0%}" in table
