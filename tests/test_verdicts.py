"""Every answer decided once, in signal_diagnostics.pipeline.verdicts.signal, and never fooled by one model's blind spot (issue 11)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from signal_diagnostics.data import synthetic
from signal_diagnostics.pipeline.assemble import run_signal_document
from signal_diagnostics.pipeline.config import Config
from signal_diagnostics.pipeline.verdicts.decide import decide, recommendations

FIXTURE = Path(__file__).parent / "fixtures" / "diagnosis_example.json"


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(FIXTURE.read_text())


def _signal_doc(ds, seed=0, n_permutations=99, baselines=("chance_prior", "logistic")) -> dict:
    cfg = Config(random_state=seed, n_permutations=n_permutations, baselines=list(baselines), learning_curve=False)
    out = run_signal_document(ds, cfg)
    assert not out["errors"], out["errors"]
    return out


# --- is there signal: no single representation decides -------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: synthetic.frequency(n=120, amplitude=0.5, seed=0),  # only in frequency
        lambda: synthetic.bump(n=120, T=30, start=10, stop=20, amplitude=0.6, seed=0),  # a planted bump
        lambda: synthetic.shift(n=120, T=40, seed=0),  # only in timing
    ],
    ids=["frequency", "bump", "shift"],
)  # level-only: the next test
def test_signal_is_found_wherever_some_classifier_finds_it_on_its_own(make):
    out = _signal_doc(make())
    st = out["signal"]["shuffle_test"]
    assert min(h["p_value"] for h in st["heads"]) <= 0.05
    assert out["verdicts"]["signal"]["level"] in ("weak", "strong")
    assert out["verdicts"]["how_much"]["level"] in ("small", "moderate", "large")


def test_the_level_only_case_that_fooled_minirocket_is_now_found():
    out = _signal_doc(synthetic.level(amplitude=0.2, seed=1))
    heads = {h["name"]: h for h in out["signal"]["shuffle_test"]["heads"]}
    assert heads["minirocket"]["p_value"] > 0.05  # MiniRocket alone would say "no signal"
    assert min(h["p_value"] for h in heads.values()) <= 0.05
    assert out["verdicts"]["how_much"]["level"] in ("small", "moderate", "large")
    v = out["verdicts"]["signal"]
    assert v["level"] != "none" and "Deep learning cannot find signal" not in v["sentence"]
    assert v["evidence"]["best_head"] in ("summary_ridge", "raw_ridge")


def test_how_much_is_measured_against_the_chance_level_of_the_best_head():
    out = _signal_doc(synthetic.bump(n=120, T=30, start=10, stop=20, amplitude=0.6, seed=0))
    st = out["signal"]["shuffle_test"]
    v = out["verdicts"]["how_much"]
    assert v["evidence"]["chance_level"] == pytest.approx(st["null_mean"])
    assert st["null_mean"] > 0.5  # 2 classes: the best of three heads on shuffled labels beats 1/2
    expected = (st["observed"] - st["null_mean"]) / (1 - st["null_mean"])
    assert v["evidence"]["gain_over_chance"] == pytest.approx(expected)
    assert f"{max(expected, 0):.0%} of the way" in v["headline"]


def test_pure_noise_recommends_no_baseline_and_how_much_says_none():
    out = _signal_doc(
        synthetic.noise(n=120, T=20, C=2, classes=4, seed=11), baselines=("chance_prior", "logistic", "raw_ridge")
    )
    assert out["signal"]["shuffle_test"]["p_value"] > 0.05
    assert out["verdicts"]["signal"]["level"] in ("none", "inconclusive")
    assert out["verdicts"]["how_much"]["level"] == "none"
    assert out["verdicts"]["how_much"]["headline"] == "None detectable."
    ids = [r["id"] for r in out["recommendations"]]
    assert "use_baseline" not in ids and "more_data" not in ids and "inseparable_classes" not in ids
    assert not any("Prefer" in r["text"] for r in out["recommendations"])


def test_a_baseline_above_chance_turns_no_signal_into_inconclusive(doc):
    d = copy.deepcopy(doc)
    d["signal"]["shuffle_test"]["p_value"] = 0.3
    v = decide(d)["signal"]
    assert v["level"] == "inconclusive"  # minirocket's interval [0.486, 0.576] lies above 1/8
    assert "minirocket" in v["sentence"] and "--heads" in v["sentence"]
    assert [r["id"] for r in recommendations(d, decide(d))][0] == "inconclusive"


# --- do deep models beat the best classical baseline --------------------------------------------------
def test_deep_answer_compares_with_the_baseline_of_the_comparison(doc):
    v = decide(doc)["deep"]
    assert v["level"] == "cannot tell" and v["evidence"]["baseline"] == "minirocket"  # [-8.9, +0.7]: not "No"
    assert v["headline"] == "Not shown either way."
    assert v["sentence"].startswith("Whether a deep model beats minirocket (0.531 balanced accuracy")
    assert "bilstm 0.481 (-4.1 points [-8.9, +0.7]" in v["sentence"] and "Holm" in v["sentence"]
    assert "about 14 splits (--repeats 3 with 5 folds) would make the interval exclude 0" in v["sentence"]


def test_deep_answer_says_yes_only_when_the_corrected_difference_is_clear(doc):
    better = copy.deepcopy(doc)
    c = next(c for c in better["deep"]["comparisons"] if c["b"] == "minirocket")
    c.update(mean_difference=0.05, ci_low=0.02, ci_high=0.08, p_value=0.001)
    v = decide(better)["deep"]
    assert v["level"] == "better" and v["sentence"].startswith(f"{c['a']} beats minirocket")
    c["p_value"] = 0.03  # two comparisons: Holm doubles the smaller p, so 0.03 is no longer clear
    assert decide(better)["deep"]["level"] == "cannot tell"


def test_compare_only_run_says_no_classical_baseline_ran(doc):
    d = copy.deepcopy(doc)
    d["deep"]["baseline"] = None
    d.pop("signal")
    v = decide(d)["deep"]
    assert v["level"] == "untested" and v["sentence"].startswith("No classical baseline ran")
    assert "use_baseline" not in [r["id"] for r in recommendations(d, decide(d))]


def test_under_trained_models_are_said_to_be_possibly_under_trained(doc):
    d = copy.deepcopy(doc)
    for m in d["deep"]["models"]:
        m["training"] = {
            "runs": 5,
            "epochs_budget": 30,
            "mean_epochs_run": 30,
            "mean_restored_epoch": 29.4,
            "mean_updates": 90,
            "still_improving_share": 0.8,
            "possibly_undertrained": True,
        }
    verdicts = decide(d)
    assert verdicts["deep"]["headline"] == "Not shown either way; possibly under-trained."
    assert (
        "4 of 5 of bilstm's runs (best weights from epoch 29.4 of 30 on average, 90 updates)"
        in verdicts["deep"]["sentence"]
    )
    ids = [r["id"] for r in recommendations(d, verdicts)]
    assert "train_longer" in ids and "use_baseline" not in ids  # no "prefer the baseline" on under-trained models


# --- does attention add anything --------------------------------------------------------------------
def test_attention_is_compared_with_its_plain_counterpart_not_a_model_name(doc):
    d = copy.deepcopy(doc)
    for m in d["deep"]["models"]:
        if m["name"] == "bilstm":
            m["name"] = "my_plain_stack"
    for c in d["deep"]["comparisons"]:
        c["a"], c["b"] = [("my_plain_stack" if x == "bilstm" else x) for x in (c["a"], c["b"])]
    d["deep"]["references"] = {"bilstm_attention": "my_plain_stack", "my_plain_stack": None}
    v = decide(d)["attention"]
    assert v["level"] == "cannot tell"  # +0.3 [-1.2, +1.8] with P(equivalent) = 0.71: neither shown
    assert "against my_plain_stack, the same stack without attention" in v["sentence"]


def test_attention_without_a_counterpart_is_not_measured(doc):
    d = copy.deepcopy(doc)
    d["deep"]["references"] = {"bilstm_attention": None, "bilstm": None}
    d["deep"]["comparisons"] = [c for c in d["deep"]["comparisons"] if c.get("control") != "plain"]
    v = decide(d)["attention"]
    assert v["level"] == "untested" and "No plain counterpart of bilstm_attention ran" in v["sentence"]


@pytest.mark.parametrize(
    "activation, status, under, kind",
    [
        ("sigmoid", "warn", True, "near-uniform by construction"),  # bounded scores: whatever the training
        (None, "warn", True, "near-uniform, possibly under-trained"),
        (None, "warn", False, "near-uniform"),
        (None, "pass", True, "focused"),
    ],
)
def test_what_the_attention_weights_are_depends_on_activation_and_training(doc, activation, status, under, kind):
    d = copy.deepcopy(doc)
    for a in d["deep"]["attention"]:
        a.update(activation=activation, status=status)
    for m in d["deep"]["models"]:
        m["training"] = {"runs": 5, "still_improving_share": 0.8 if under else 0.0, "possibly_undertrained": under}
    v = decide(d)["attention"]
    assert [w["kind"] for w in v["evidence"]["weights"]] == [kind]
    assert kind in v["sentence"]


# --- one decision layer -----------------------------------------------------------------------------
def test_decide_writes_every_answer_with_level_headline_sentence_and_evidence(doc):
    verdicts = decide(doc)
    assert list(verdicts) == ["signal", "how_much", "more_data", "deep", "attention", "where"]
    for key, v in verdicts.items():
        assert v["id"] == key and v["sentence"] and v["headline"] and isinstance(v["evidence"], dict)
    assert verdicts == doc["verdicts"]  # the stored document holds exactly these answers


def test_recommendations_never_contradict_the_verdicts(doc):
    verdicts = decide(doc)
    recs = {r["id"]: r for r in recommendations(doc, verdicts)}
    assert verdicts["signal"]["level"] == "strong" and "no_signal" not in recs
    assert verdicts["more_data"]["level"] == "yes" and "no_more_data" not in recs
    assert verdicts["deep"]["level"] == "cannot tell" and "use_baseline" not in recs  # no "prefer" without evidence
    assert recs["class_weights"]["evidence"] == "class 'walk' has 24x the series of class 'climb'"


def test_no_model_name_is_hard_coded_in_decision_code():
    import inspect

    import signal_diagnostics.pipeline.verdicts.deep
    import signal_diagnostics.pipeline.verdicts.signal

    for module in (signal_diagnostics.pipeline.verdicts.signal, signal_diagnostics.pipeline.verdicts.deep):
        source = inspect.getsource(module)
        for name in ('"bilstm"', '"minirocket"', "'bilstm'", '"bilstm_attention"'):
            assert name not in source, f"{name} in {module.__name__}"


def flat_dense(input_shape, n_classes, **_):
    """A tiny builder: flatten and one softmax layer."""
    import keras

    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(keras.layers.Flatten()(inputs)))


@pytest.mark.parametrize(
    "make, best",
    [
        (lambda: synthetic.shift(n=90, T=30, seed=0), "logistic"),  # timing at fixed steps: raw values win
        (lambda: synthetic.frequency(n=90, T=48, amplitude=0.8, seed=0), "minirocket"),  # frequency: MiniRocket wins
    ],
    ids=["logistic-best", "minirocket-best"],
)
def test_the_deep_answer_compares_with_the_baseline_that_was_best_on_the_same_splits(make, best):
    from signal_diagnostics.pipeline.assemble import run_deep, run_signal

    ds = make()
    cfg = Config(
        folds=3,
        n_permutations=9,
        baselines=["logistic", "minirocket"],
        learning_curve=False,
        models=[flat_dense],
        epochs=1,
        min_updates=0,
    )
    out: dict = {"dataset": {"n_classes": ds.n_classes}}
    run_signal(ds, cfg, out)
    assert out["signal"]["best_baseline"] == best
    run_deep(ds, cfg, out)
    assert out["deep"]["baseline"]["name"] == best
    assert (
        out["deep"]["baseline"]["fold_scores"]
        == next(b for b in out["signal"]["baselines"] if b["name"] == best)["fold_scores"]
    )  # not re-run: the same splits
    v = decide(out)["deep"]
    assert v["evidence"]["baseline"] == best and f" {best} (" in v["sentence"]


# --- one registry of answers, one record per answer ------------------------------------------------------
def test_decide_runs_the_registry_in_order_and_each_answer_carries_its_rows_question_and_anchor(doc):
    from signal_diagnostics.pipeline.verdicts.base import get_path
    from signal_diagnostics.pipeline.verdicts.registry import ANSWERS

    verdicts = decide(doc)
    given = [k for k, a in ANSWERS.items() if get_path(doc, *a.needs)]
    assert list(verdicts) == given and {"signal", "how_much", "deep", "attention", "where"} <= set(given)
    for key, v in verdicts.items():
        assert (v["id"], v["question"], v["anchor"]) == (key, ANSWERS[key].question, ANSWERS[key].anchor)
    without_deep = decide({k: v for k, v in doc.items() if k != "deep"})
    assert list(without_deep) == [k for k in given if k not in ("deep", "attention")]


def test_a_new_answer_is_one_row_of_the_registry(doc, monkeypatch):
    from signal_diagnostics.pipeline.verdicts import registry
    from signal_diagnostics.pipeline.verdicts.base import Verdict
    from signal_diagnostics.reports.answers import answers

    def warnings_verdict(d, got):  # a toy answer: how many health checks warned, once there is signal
        n = sum(r["status"] in ("warn", "fail") for r in d["health"])
        return Verdict("warnings", got["signal"].level, f"{n} warnings.", f"Health warns {n} times.")

    before = decide(doc)
    row = registry.Answer("How many health warnings?", "health", ("health",), warnings_verdict)
    monkeypatch.setitem(registry.ANSWERS, "warnings", row)
    after = decide(doc)
    assert list(after) == list(before) + ["warnings"]
    assert {k: after[k] for k in before} == before
    assert after["warnings"]["question"] == "How many health warnings?" and after["warnings"]["anchor"] == "health"
    assert after["warnings"]["sentence"] == "Health warns 2 times." and after["warnings"]["level"] == "strong"
    shown = answers({**doc, "verdicts": after})  # and the report shows it, after the eight, with no edit of its own
    assert [a["id"] for a in shown][-2:] == ["classes", "warnings"]
    assert shown[-1]["question"] == "How many health warnings?" and shown[-1]["answer"] == "Health warns 2 times."
    monkeypatch.setitem(registry.ANSWERS, "warnings", registry.Answer("?", "x", ("no_such_part",), warnings_verdict))
    assert "warnings" not in decide(doc)  # its part of the document is missing: no answer


def test_a_verdict_is_a_result_short_json_ready_and_escaped_in_html():
    from signal_diagnostics.pipeline.verdicts.classes import classes_verdict
    from signal_diagnostics.results import Result

    pair = {"a": "<script>x</script>", "b": "b", "status": "indistinguishable", "balanced_accuracy": 0.51}
    sig = {
        "class_pairs": {
            "pairs": [{**pair, "q_value": 0.8, "n_series": 40}],
            "indistinguishable_groups": [["<script>x</script>", "b"]],
        }
    }
    v = classes_verdict(sig)
    assert isinstance(v, Result) and v.level == "some"
    assert repr(v) == f"Verdict(id='classes', level='some', headline={v.headline!r})"
    assert json.loads(json.dumps(v.to_dict(), allow_nan=False)) == v.to_dict()
    assert list(v.to_dict()) == ["id", "level", "headline", "sentence", "evidence", "details", "question", "anchor"]
    html = v._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    with pytest.raises(AttributeError):
        v.level = "all"  # frozen: an answer is decided once
