"""Splits, metrics, corrected intervals and the evaluate loop."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, f1_score, precision_score
from sklearn.model_selection import StratifiedKFold

from signal_diagnostics import baselines
from signal_diagnostics.data import synthetic
from signal_diagnostics.errors import DataError
from signal_diagnostics.evaluation.metrics import METRICS, classification_metrics
from signal_diagnostics.evaluation.scores import ModelScores, evaluate, scores_from_predictions
from signal_diagnostics.evaluation.splits import make_splits

Y = np.repeat([0, 1, 2], 20)


def _same(a, b):
    return all(np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) for x, y in zip(a, b))


def test_same_seed_gives_identical_splits():
    assert _same(make_splits(Y, folds=5, repeats=2, random_state=3), make_splits(Y, folds=5, repeats=2, random_state=3))


def test_another_seed_gives_different_splits():
    assert not _same(make_splits(Y, folds=5, random_state=3), make_splits(Y, folds=5, random_state=4))


def test_splits_are_repeat_major_with_seed_plus_repeat():
    s = make_splits(Y, folds=4, repeats=3, random_state=10)
    assert len(s) == 12 and (s.folds, s.repeats, s.grouped) == (4, 3, False)
    for r in range(3):
        expected = list(StratifiedKFold(4, shuffle=True, random_state=10 + r).split(np.zeros(len(Y)), Y))
        assert _same(s.pairs[r * 4 : (r + 1) * 4], expected)


def test_each_repeat_tests_every_series_exactly_once():
    s = make_splits(Y, folds=5, repeats=2, random_state=0)
    for r in range(2):
        tested = np.concatenate([te for _, te in s.pairs[r * 5 : (r + 1) * 5]])
        assert np.array_equal(np.sort(tested), np.arange(len(Y)))


def test_grouped_splits_keep_every_group_on_one_side():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(30), 4)
    y = np.repeat(rng.integers(0, 2, 30), 4)  # one label per group, like one subject per recording
    s = make_splits(y, folds=5, repeats=2, groups=groups, random_state=1)
    assert s.grouped and len(s) == 10
    for tr, te in s:
        assert not set(groups[tr]) & set(groups[te])


def test_class_smaller_than_folds_raises_data_error_naming_it():
    y = np.array([0] * 10 + [1] * 10 + [2] * 3)
    with pytest.raises(DataError, match=r"'2'.*--folds 3"):
        make_splits(y, folds=5)


def test_one_fold_is_refused():
    with pytest.raises(DataError, match="folds"):
        make_splits(Y, folds=1)


def test_metrics_match_sklearn_and_hand_values_on_a_small_case():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0])
    m = classification_metrics(y_true, y_pred, 3)
    assert m["balanced_accuracy"] == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y_true, y_pred))
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["macro_precision"] == pytest.approx(precision_score(y_true, y_pred, average="macro"))
    assert m["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert m["per_class_recall"] == pytest.approx([0.5, 1.0, 0.5])
    assert m["per_class_precision"] == pytest.approx([0.5, 2 / 3, 1.0])
    assert m["confusion"] == confusion_matrix(y_true, y_pred).tolist()


def test_class_never_predicted_gets_zero_precision_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = classification_metrics(np.array([0, 1, 2]), np.array([0, 0, 0]), 3)
    assert m["per_class_precision"] == [pytest.approx(1 / 3), 0.0, 0.0]


def _fake_predictions(y, splits, seed=0, flip=0.3):
    rng = np.random.default_rng(seed)
    preds = []
    for _, te in splits:
        p = y[te].copy()
        wrong = rng.random(len(te)) < flip
        p[wrong] = (p[wrong] + 1) % 3
        preds.append(p)
    return preds


def test_scores_from_predictions_aggregates_over_splits():
    s = make_splits(Y, folds=5, repeats=2, random_state=0)
    preds = _fake_predictions(Y, s)
    scores = scores_from_predictions("fake", Y, s, preds, kind="deep", fit_seconds=1.5)
    assert isinstance(scores, ModelScores) and scores.kind == "deep"
    assert all(len(scores.fold_scores[m]) == 10 for m in METRICS)
    assert scores.balanced_accuracy == pytest.approx(np.mean(scores.fold_scores["balanced_accuracy"]))
    assert np.sum(scores.confusion) == 2 * len(Y)
    assert np.trace(scores.confusion) == sum((p == Y[te]).sum() for (_, te), p in zip(s, preds))
    assert (scores.n_train, scores.n_test) == (48.0, 12.0)


def test_corrected_interval_contains_the_mean_and_is_wider_than_the_naive_one():
    s = make_splits(Y, folds=5, repeats=2, random_state=0)
    scores = scores_from_predictions("fake", Y, s, _fake_predictions(Y, s))
    iv = scores.intervals["balanced_accuracy"]
    x = np.array(scores.fold_scores["balanced_accuracy"])
    naive = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=x.std(ddof=1) / np.sqrt(len(x)))
    assert iv["low"] < scores.balanced_accuracy < iv["high"]
    assert iv["high"] - iv["low"] > naive[1] - naive[0]
    assert "Nadeau-Bengio" in iv["method"]


def test_scores_to_dict_is_plain_json():
    s = make_splits(Y, folds=3, random_state=0)
    d = scores_from_predictions("fake", Y, s, _fake_predictions(Y, s), extra={"note": np.float32(1)}).to_dict()
    assert json.loads(json.dumps(d))["intervals"]["macro_f1"]["method"]


def test_evaluate_chance_prior_scores_one_half_on_balanced_binary_data():
    ds = synthetic.noise(n=100, T=10, C=1, seed=0)
    s = evaluate(
        baselines.make("chance_prior"), ds.X, ds.y_codes, make_splits(ds.y_codes, folds=5), name="chance_prior"
    )
    assert s.balanced_accuracy == pytest.approx(0.5)
    assert s.description  # taken from the estimator's class attribute


def test_evaluate_reports_progress_for_every_split():
    ds = synthetic.noise(n=40, T=8, C=1, seed=0)
    calls = []
    evaluate(
        baselines.make("chance_prior"),
        ds.X,
        ds.y_codes,
        make_splits(ds.y_codes, folds=4, repeats=2),
        name="c",
        progress=lambda i, n: calls.append((i, n)),
    )
    assert calls == [(i, 8) for i in range(9)]


def test_evaluate_is_reproducible_for_the_same_seed():
    ds = synthetic.bump(n=60, T=12, C=1, start=3, stop=8, seed=2)
    s = make_splits(ds.y_codes, folds=3, random_state=5)
    a = evaluate(baselines.make("chance_stratified", random_state=1), ds.X, ds.y_codes, s, name="a")
    b = evaluate(baselines.make("chance_stratified", random_state=1), ds.X, ds.y_codes, s, name="a")
    assert a.fold_scores == b.fold_scores


def test_evaluate_accepts_a_list_of_pairs():
    ds = synthetic.bump(n=60, T=12, C=1, start=3, stop=8, amplitude=2.0, seed=2)
    pairs = list(make_splits(ds.y_codes, folds=3, random_state=0))
    s = evaluate(baselines.make("logistic"), ds.X, ds.y_codes, pairs, name="logistic")
    assert s.folds == 3 and s.balanced_accuracy > 0.7
