"""compare_models end to end on tiny Keras models, and its pieces (seeds, seed averaging, pairs)."""

import json

import numpy as np
import pytest

from signal_diagnostics import baselines
from signal_diagnostics.data import synthetic
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.comparison import compare_paired
from signal_diagnostics.evaluation.scores import evaluate
from signal_diagnostics.evaluation.splits import make_splits

MODELS = ["bilstm", "bilstm_attention"]
CONTROL = "bilstm_attention (uniform attention)"  # the trained-uniform control of the attention model
FOLDS = 3
HYPER = {"units": 4, "depth": 1, "learning_rate": 0.05}
BATCH = 8  # small batches: enough gradient steps in 2 epochs for flat_dense to learn the bump


def flat_dense(input_shape, n_classes, **_):
    """A builder that learns a bump within two epochs: flatten and one softmax layer."""
    import keras

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))


@pytest.fixture(scope="module")
def data():
    return synthetic.bump(n=60, T=16, C=2, start=5, stop=10, amplitude=4.0, seed=1)


@pytest.fixture(scope="module")
def run(data, tmp_path_factory):
    """One cached compare run (3 models and 1 control x 3 folds x 1 seed, 2 epochs) and the progress calls it made."""
    from signal_diagnostics.pipeline.cache import Cache
    from signal_diagnostics.pipeline.deep import compare_models
    from signal_diagnostics.pipeline.executor import Executor

    calls = []
    cache = Cache(tmp_path_factory.mktemp("units"), namespace="test")
    result = compare_models(
        data,
        MODELS + [flat_dense],
        folds=FOLDS,
        seeds=1,
        epochs=2,
        baseline="chance_prior",
        min_updates=0,
        hyper=HYPER,
        batch_size=BATCH,
        random_state=3,
        progress=lambda *a: calls.append(a),
        executor=Executor("inprocess", cache=cache),
    )
    return result, calls, cache


def test_every_model_is_scored_on_every_split(run):
    result, _, _ = run
    names = [m["name"] for m in result.models]
    assert names == MODELS + ["flat_dense", CONTROL]
    assert [m.get("control_of") for m in result.models] == [None, None, None, "bilstm_attention"]
    for m in result.models + [result.baseline]:
        assert len(m["fold_scores"]["balanced_accuracy"]) == FOLDS
        assert m["balanced_accuracy"] == pytest.approx(np.mean(m["fold_scores"]["balanced_accuracy"]))
        assert m["n_test"] == result.baseline["n_test"]
    assert all(m["kind"] == "deep" and m["device"] and m["train_seconds"] > 0 for m in result.models)


def test_attention_models_meet_their_plain_counterpart_and_every_model_the_baseline(run):
    result, _, _ = run
    pairs = [(c.a, c.b) for c in result.comparisons]
    assert result.references == {"bilstm": None, "bilstm_attention": "bilstm", "flat_dense": None}
    assert pairs == [
        ("bilstm_attention", "bilstm"),
        ("bilstm", "chance_prior"),
        ("bilstm_attention", "chance_prior"),
        ("flat_dense", "chance_prior"),
        ("bilstm_attention", CONTROL),
    ]
    assert [c.control for c in result.comparisons] == ["plain", "", "", "", "uniform"]
    structure = {m["name"]: m["structure"] for m in result.models}
    assert structure["bilstm_attention"]["has_attention"] and not structure["bilstm"]["has_attention"]
    assert structure["bilstm_attention"]["signature"] == structure["bilstm"]["signature"]


def test_comparison_uses_the_paired_fold_scores(run):
    result, _, _ = run
    by_name = {m["name"]: m for m in result.models}
    c = next(c for c in result.comparisons if (c.a, c.b) == ("bilstm_attention", "bilstm"))
    diffs = np.subtract(
        by_name["bilstm_attention"]["fold_scores"]["balanced_accuracy"],
        by_name["bilstm"]["fold_scores"]["balanced_accuracy"],
    )
    assert c.mean_difference == pytest.approx(diffs.mean())
    assert c.p_a_better + c.p_equivalent + c.p_b_better == pytest.approx(1.0)


def test_comparisons_record_their_control_and_design_for_the_decision(run):
    result, _, _ = run
    controls = {(c.a, c.b): c.control for c in result.comparisons}
    assert controls[("bilstm_attention", "bilstm")] == "plain"
    assert {v for k, v in controls.items() if k[1] == "chance_prior"} == {""}
    for c in result.comparisons:
        assert c.n_splits == FOLDS and c.folds == FOLDS and c.n_train + c.n_test == pytest.approx(60)
        assert c.sd_difference >= 0 and -1 <= c.ci_low <= c.ci_high <= 1


def test_a_model_that_learns_the_bump_is_called_better_than_chance(run):
    result, _, _ = run
    c = next(c for c in result.comparisons if (c.a, c.b) == ("flat_dense", "chance_prior"))
    assert c.mean_difference > 0.3
    assert c.p_a_better > 0.95
    assert c.verdict.startswith("flat_dense vs chance_prior: +") and "flat_dense better" in c.verdict


def test_attention_is_diagnosed_only_for_models_with_attention_layers(run):
    result, _, _ = run
    assert {a["model"] for a in result.attention} == {"bilstm_attention"}
    assert all(0.0 <= a["normalized_entropy"] <= 1.0 + 1e-9 for a in result.attention)


def test_progress_counts_every_unit_once(run):
    _, calls, _ = run
    total = FOLDS + 3 + 4 * FOLDS  # baseline splits + a structure unit per model + (model or control, split, seed)
    assert calls[0][:2] == (0, total) and calls[-1][:2] == (total, total)
    done = [c[0] for c in calls]
    assert done == sorted(done) and all(c[1] == total for c in calls)


def test_deep_section_is_plain_json_matching_the_schema(run):
    import jsonschema

    from signal_diagnostics.pipeline.document import SCHEMA_PATH

    result, _, _ = run
    deep = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    schema = json.loads(SCHEMA_PATH.read_text())["properties"]["deep"]
    jsonschema.validate(deep, schema)


def test_resumed_run_reads_every_unit_from_the_cache_and_gives_the_same_numbers(run, data):
    from signal_diagnostics.pipeline.deep import compare_models
    from signal_diagnostics.pipeline.executor import Executor

    first, _, cache = run
    executor = Executor("inprocess", cache=cache)
    again = compare_models(
        data,
        MODELS + [flat_dense],
        folds=FOLDS,
        seeds=1,
        epochs=2,
        baseline="chance_prior",
        min_updates=0,
        hyper=HYPER,
        batch_size=BATCH,
        random_state=3,
        executor=executor,
    )
    assert executor.computed == 0
    strip = lambda d: [{k: v for k, v in m.items() if k not in ("fit_seconds", "train_seconds")} for m in d]  # noqa: E731
    assert strip(again.to_dict()["models"]) == strip(first.to_dict()["models"])
    assert [c.to_dict() for c in again.comparisons] == [c.to_dict() for c in first.comparisons]


def test_a_unit_trained_alone_reproduces_its_part_of_the_full_run(run, data):
    """Seeds come from (random_state, model, split, seed), not from the order units run in."""
    from signal_diagnostics.pipeline.deep_units import train_unit, unit_seed

    result, _, _ = run
    tr, te = make_splits(data.y_codes, folds=FOLDS, random_state=3).pairs[2]
    out = train_unit(
        flat_dense,
        data.X[tr],
        data.y_codes[tr],
        data.X[te],
        data.y_codes[te],
        data.lengths[te],
        data.n_classes,
        epochs=2,
        seed=unit_seed(3, "flat_dense", 2, 0),
        hyper=HYPER,
        batch_size=BATCH,
        inspect_attention=False,
        metric="balanced_accuracy",
    )
    from sklearn.metrics import balanced_accuracy_score

    flat = next(m for m in result.models if m["name"] == "flat_dense")
    score = balanced_accuracy_score(data.y_codes[te], out["pred"])
    assert score == pytest.approx(flat["fold_scores"]["balanced_accuracy"][2])


def test_unit_seed_depends_on_model_split_and_seed_only():
    from signal_diagnostics.pipeline.deep_units import unit_seed

    seeds = {unit_seed(0, m, i, s) for m in ("bilstm", "transformer") for i in range(5) for s in range(3)}
    assert len(seeds) == 30
    assert unit_seed(0, "bilstm", 1, 2) == unit_seed(0, "bilstm", 1, 2) != unit_seed(1, "bilstm", 1, 2)


def test_seeds_are_averaged_on_the_metric_within_each_split(data):
    from signal_diagnostics.pipeline.deep_records import seed_averaged

    splits = make_splits(data.y_codes, folds=FOLDS, random_state=0)
    truth = [data.y_codes[te] for _, te in splits]
    wrong = [(t + 1) % 2 for t in truth]
    record = {"train_seconds": 1.0, "epochs_run": 2, "device": "cpu", "backend": "test"}
    runs = [[{**record, "pred": t.tolist()}, {**record, "pred": w.tolist()}] for t, w in zip(truth, wrong)]
    scores = seed_averaged("m", "", data.y_codes, splits, runs, seeds=2)
    assert scores["fold_scores"]["accuracy"] == [0.5] * FOLDS  # mean of 1.0 and 0.0, not an ensemble vote
    assert scores["extra"]["seed_fold_scores"]["accuracy"] == [[1.0] * FOLDS, [0.0] * FOLDS]
    assert np.sum(scores["confusion"]) == 2 * len(data.y_codes)
    assert scores["train_seconds"] == 2.0 * FOLDS


def test_identical_predictions_are_practically_equivalent(data):
    splits = make_splits(data.y_codes, folds=FOLDS, random_state=0)
    a = evaluate(baselines.make("logistic"), data.X, data.y_codes, splits, name="a")
    b = evaluate(baselines.make("logistic"), data.X, data.y_codes, splits, name="b")
    c = compare_paired(
        "a",
        "b",
        a.fold_scores["balanced_accuracy"],
        b.fold_scores["balanced_accuracy"],
        n_train=splits.n_train,
        n_test=splits.n_test,
        folds=FOLDS,
    )
    assert c.p_equivalent == 1.0
    assert "practically equivalent" in c.verdict


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"models": []}, "no deep models"),
        ({"metric": "auc"}, "unknown metric"),
        ({"seeds": 0}, "seeds and epochs"),
        ({"folds": 40}, "fewer than 40"),
        ({"baseline": "nope"}, "unknown baseline"),
        ({"models": ["bilstm", "bilstm"]}, "repeat"),
    ],
)
def test_bad_arguments_raise_data_error_before_training(data, kwargs, match):
    from signal_diagnostics.pipeline.deep import compare_models

    args = {"models": ["bilstm"], **kwargs}
    with pytest.raises(DataError, match=match):
        compare_models(data, args.pop("models"), epochs=1, **args)


def test_original_split_trains_once_and_compares_with_mcnemar(data):
    from signal_diagnostics.pipeline.deep import compare_models

    split = np.where(np.arange(data.n_series) % 3 == 0, "test", "train")
    ds = type(data)(data.X, data.y, lengths=data.lengths, name="split", meta={"split": split})
    result = compare_models(
        ds,
        ["bilstm", flat_dense],
        split="original",
        seeds=1,
        epochs=2,
        baseline="logistic",
        min_updates=0,
        hyper=HYPER,
        batch_size=BATCH,
        random_state=0,
    )
    assert all(len(m["fold_scores"]["accuracy"]) == 1 and m["n_test"] == 20 for m in result.models)
    assert result.config["split"] == "original"
    assert {(c.a, c.b) for c in result.comparisons} == {("bilstm", "logistic"), ("flat_dense", "logistic")}
    assert all("McNemar" in c.method and c.p_equivalent is None for c in result.comparisons)


def test_original_split_is_refused_for_data_without_one(data):
    from signal_diagnostics.pipeline.deep import compare_models

    with pytest.raises(DataError, match="no original train/test split"):
        compare_models(data, ["bilstm"], split="original", epochs=1)
