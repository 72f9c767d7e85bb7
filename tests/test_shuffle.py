"""The label-shuffle test: the fast ridge path equals refitting, p-values, groups, calibration."""

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifierCV
from sklearn.model_selection import StratifiedKFold, permutation_test_score

from signal_diagnostics.checks.shuffle import p_value, shuffle_test
from signal_diagnostics.checks.shuffle_draws import permutations
from signal_diagnostics.data import synthetic
from signal_diagnostics.errors import DataError

ALPHAS = np.logspace(-3, 3, 10)


def _features(n, p, K, signal=0.3, seed=0):
    """Random features where the first 3 carry a weak class shift (so the penalty choice matters)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    X = rng.standard_normal((n, p)) + signal * y[:, None] * (np.arange(p) < 3)
    return X, y


def _pairs(y, folds=5, seed=0):
    return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


@pytest.mark.parametrize("n,p,K", [(60, 150, 2), (90, 200, 3), (120, 20, 3)])
def test_fast_path_equals_refit_path_score_for_score(n, p, K):
    X, y = _features(n, p, K)
    args = dict(model=RidgeClassifierCV(alphas=ALPHAS), n_permutations=25, folds=_pairs(y), random_state=4)
    fast = shuffle_test(X, y, method="ridge-fast", **args)
    refit = shuffle_test(X, y, method="refit", **args)
    assert (fast.method, refit.method) == ("ridge-fast", "refit")
    assert fast.observed == pytest.approx(refit.observed, abs=1e-10)
    np.testing.assert_allclose(fast.null_scores, refit.null_scores, atol=1e-10)


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
@pytest.mark.parametrize(
    "metric,scoring", [("balanced_accuracy", "balanced_accuracy"), ("accuracy", "accuracy"), ("macro_f1", "f1_macro")]
)
def test_fast_path_equals_sklearn_permutation_test_score(metric, scoring):
    X, y = _features(90, 200, 3, seed=1)
    pairs = _pairs(y)
    fast = shuffle_test(
        X, y, model=RidgeClassifierCV(alphas=ALPHAS), n_permutations=30, folds=pairs, metric=metric, random_state=7
    )
    score, null, p = permutation_test_score(
        RidgeClassifierCV(alphas=ALPHAS), X, y, cv=pairs, n_permutations=30, random_state=7, scoring=scoring
    )
    assert fast.observed == pytest.approx(score, abs=1e-10)
    np.testing.assert_allclose(fast.null_scores, null, atol=1e-10)
    assert fast.p_value == pytest.approx(p)


def test_minirocket_fast_path_equals_refit_path():
    from signal_diagnostics.baselines.minirocket import MiniRocketRidge

    d = synthetic.bump(n=45, T=30, C=2, classes=3, amplitude=0.5, seed=0)
    args = dict(model=MiniRocketRidge(n_kernels=840), n_permutations=6, folds=3, random_state=1)
    fast = shuffle_test(d.X, d.y_codes, **args)
    refit = shuffle_test(d.X, d.y_codes, method="refit", **args)
    assert fast.method == "ridge-fast"
    assert fast.observed == pytest.approx(refit.observed, abs=1e-10)
    np.testing.assert_allclose(fast.null_scores, refit.null_scores, atol=1e-10)


def test_p_value_counts_ties_and_adds_one():
    assert p_value(0.5, [0.4, 0.5, 0.6, 0.3]) == pytest.approx(3 / 5)
    assert p_value(0.9, [0.1] * 9) == pytest.approx(1 / 10)


def test_result_p_value_follows_the_formula():
    X, y = _features(60, 30, 2, signal=0.2, seed=3)
    r = shuffle_test(X, y, model=RidgeClassifierCV(alphas=ALPHAS), n_permutations=49, sequential_h=0)
    null = np.asarray(r.null_scores)
    assert r.p_value == pytest.approx((np.sum(null >= r.observed) + 1) / 50)
    assert r.permutations_drawn == r.permutations_max == 49 and r.sequential_h == 0
    assert r.effect_size == pytest.approx((r.observed - null.mean()) / null.std(ddof=1))


def test_strong_planted_signal_gets_the_smallest_p_value():
    X, y = _features(80, 40, 2, signal=3.0, seed=2)
    r = shuffle_test(X, y, model=RidgeClassifierCV(alphas=ALPHAS), n_permutations=99)
    assert r.observed > 0.95
    assert r.p_value == pytest.approx(1 / 100)


def test_same_seed_gives_same_null_and_other_seed_differs():
    X, y = _features(60, 30, 2, seed=5)
    run = lambda seed: shuffle_test(X, y, model=RidgeClassifierCV(), n_permutations=20, random_state=seed)  # noqa: E731
    assert run(0).null_scores == run(0).null_scores
    assert run(0).null_scores != run(1).null_scores


def test_group_level_permutation_moves_each_groups_label_as_a_block():
    groups = np.repeat(np.arange(12), 5)
    group_label = np.arange(12) % 3
    y = group_label[groups]
    info = (groups, group_label)
    block = next(permutations(y, info, 40, 0, batch=40))
    for col in block.T:
        per_group = col.reshape(12, 5)
        assert (per_group == per_group[:, :1]).all()  # one label per group
        assert sorted(per_group[:, 0]) == sorted(group_label)  # group labels only rearranged
    assert (block != y[:, None]).any()


def test_grouped_fast_path_equals_refit_even_when_a_train_fold_misses_a_class():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(6), 8)
    y = (np.arange(6) % 3)[groups]
    X = rng.standard_normal((48, 60))
    args = dict(model=RidgeClassifierCV(alphas=ALPHAS), n_permutations=30, folds=2, groups=groups, random_state=0)
    fast = shuffle_test(X, y, **args)
    refit = shuffle_test(X, y, method="refit", **args)
    np.testing.assert_allclose(fast.null_scores, refit.null_scores, atol=1e-10)


def test_group_holding_two_labels_is_refused():
    X, y = _features(40, 10, 2)
    groups = np.arange(40) // 4  # groups of 4 consecutive series; labels alternate, so every group mixes
    with pytest.raises(DataError, match="more than one label"):
        shuffle_test(X, y, model=RidgeClassifierCV(), groups=groups, n_permutations=5)


def test_unknown_metric_is_refused():
    X, y = _features(40, 10, 2)
    with pytest.raises(DataError, match="unknown metric"):
        shuffle_test(X, y, model=RidgeClassifierCV(), metric="auc", n_permutations=5)


def test_fast_method_refused_for_a_model_it_cannot_solve():
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _features(40, 10, 2)
    with pytest.raises(DataError, match="refit"):
        shuffle_test(X, y, model=KNeighborsClassifier(), method="ridge-fast", n_permutations=5)


def test_generic_estimator_takes_the_refit_path_and_reports_progress():
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _features(40, 10, 2, signal=2.0)
    seen = []
    r = shuffle_test(X, y, model=KNeighborsClassifier(3), n_permutations=8, progress=lambda d, t: seen.append((d, t)))
    assert r.method == "refit"
    assert seen[-1] == (8, 8)
    assert len(r.null_scores) == 8


def test_result_to_dict_is_plain_json():
    import json

    X, y = _features(40, 10, 2)
    d = shuffle_test(X, y, model=RidgeClassifierCV(), n_permutations=5).to_dict()
    assert json.loads(json.dumps(d))["n_permutations"] == 5


@pytest.mark.slow
def test_pure_noise_rejects_at_the_nominal_five_percent_rate():
    from scipy.stats import binom

    n_sets = 60
    p_values = []
    for seed in range(n_sets):
        if seed % 2:
            d = synthetic.noise(n=90, T=24, C=2, classes=3, imbalance=3.0, variable_length=True, seed=seed)
        else:
            d = synthetic.noise(n=80, T=24, C=2, classes=2, seed=seed)
        r = shuffle_test(d.X, d.y_codes, model="minirocket", n_permutations=199, random_state=seed)
        assert r.method == "ridge-fast"
        p_values.append(r.p_value)
    rejections = int(np.sum(np.asarray(p_values) <= 0.05))
    lo, hi = binom.interval(0.99, n_sets, 0.05)
    assert lo <= rejections <= hi, f"{rejections}/{n_sets} noise sets had p <= 0.05"


def test_ties_are_ranked_at_random_so_p_stays_on_the_grid():
    from signal_diagnostics.evaluation.exchange import permutation_p

    null = [0.5] * 9  # every null score ties with the observed one
    assert permutation_p(0.5, null) == pytest.approx(1.0)  # u=None: every tie counted against it
    assert permutation_p(0.5, null, u=0.0) == pytest.approx(1 / 10)
    assert permutation_p(0.5, null, u=0.999) == pytest.approx(1.0)
    assert permutation_p(0.5, [0.6, 0.5, 0.4, 0.3], u=0.4) == pytest.approx(1 / 5 + 1 / 5)  # B=1, J=1
    assert permutation_p(0.9, [0.1] * 9, u=0.0) == pytest.approx(1 / 10)  # without ties: (B + 1) / (N + 1)
    assert permutation_p(0.9, [0.1] * 9, u=0.99) == pytest.approx(1 / 10)


def test_a_statistic_tied_with_its_whole_null_gives_a_uniform_p_over_seeds():
    """A model that always predicts the majority scores exactly chance on true and shuffled labels alike:
    every null score ties with the observed one. p must not be pinned at 1 but spread uniformly."""
    from scipy.stats import kstest
    from sklearn.dummy import DummyClassifier

    rng = np.random.default_rng(0)
    y = np.repeat([0, 0, 1], 20)  # class 0 holds two thirds; every test half holds both classes
    X = rng.standard_normal((len(y), 3))
    ps = []
    for seed in range(120):
        r = shuffle_test(X, y, model=DummyClassifier(), n_permutations=19, folds=2, random_state=seed)
        assert set(r.null_scores) == {r.observed}  # the statistic ties with every null value
        ps.append(r.p_value)
    ps = np.asarray(ps)
    assert len(set(ps.tolist())) > 10 and ps.min() < 0.15  # varies with the seed, not pinned at 1
    np.testing.assert_allclose(ps * 20, np.round(ps * 20))  # on the grid 1/20, ..., 1
    # uniform on the grid k/20 exactly when p - V/20 (V ~ U(0, 1)) is uniform on (0, 1): KS on that
    assert kstest(ps - rng.random(len(ps)) / 20, "uniform").pvalue > 0.01


def test_result_records_are_short_json_ready_and_escape_names_in_html():
    import dataclasses
    import json

    from signal_diagnostics.checks.shuffle import HeadScore, ShuffleResult
    from signal_diagnostics.results import Result

    X, y = _features(40, 10, 2)
    r = shuffle_test(X, y, model=RidgeClassifierCV(), n_permutations=300, sequential_h=0)
    assert isinstance(r, ShuffleResult) and isinstance(r, Result)
    assert len(repr(r)) < 400 and "null_scores" not in repr(r)  # 300 null scores stay out of the glance
    assert json.loads(json.dumps(r.to_dict())) == r.to_dict()
    head = HeadScore(**r.heads[0])
    assert head.to_dict() == r.heads[0] and "p_adjusted" in repr(head)
    bad = dataclasses.replace(r, model="<script>alert(1)</script>")
    assert "<script>" not in bad._repr_html_() and "&lt;script&gt;" in bad._repr_html_()
    assert "<script>" not in dataclasses.replace(head, name="<script>")._repr_html_()


def test_named_labels_give_the_test_on_their_codes():
    X, y = _features(40, 10, 2, signal=1.0)
    args = dict(model=RidgeClassifierCV(), n_permutations=30, random_state=3)
    coded = shuffle_test(X, y, **args)
    named = shuffle_test(X, np.array(["no", "yes"])[y], **args)
    assert coded.null_scores == named.null_scores
    assert coded.p_value == named.p_value and coded.observed == named.observed
