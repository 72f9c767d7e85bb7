"""MiniRocket features and the MiniRocket + ridge baseline."""

import numpy as np
import pytest
from sklearn.base import clone

from signal_diagnostics.baselines.minirocket import MIN_LENGTH, MiniRocketFeatures, MiniRocketRidge
from signal_diagnostics.baselines.series import to_aeon
from signal_diagnostics.data import synthetic


def test_to_aeon_moves_channels_before_time():
    X = np.arange(2 * 10 * 3, dtype=float).reshape(2, 10, 3)
    A = to_aeon(X)
    assert A.shape == (2, 3, 10)
    assert A[1, 2, 7] == X[1, 7, 2]


def test_series_shorter_than_nine_steps_are_zero_padded():
    X = np.ones((4, 5, 2))
    A = to_aeon(X, min_length=MIN_LENGTH)
    assert A.shape == (4, 2, 9)
    assert (A[:, :, 5:] == 0).all() and (A[:, :, :5] == 1).all()


def test_default_features_number_9996():
    X = np.random.default_rng(0).standard_normal((12, 20, 2))
    assert MiniRocketFeatures().fit_transform(X).shape == (12, 9996)


def test_batched_transform_equals_one_batch():
    X = np.random.default_rng(1).standard_normal((30, 25, 2))
    whole = MiniRocketFeatures(n_kernels=840, batch_size=1000).fit(X).transform(X)
    batched = MiniRocketFeatures(n_kernels=840, batch_size=7).fit(X).transform(X)
    np.testing.assert_array_equal(whole, batched)


def test_features_do_not_depend_on_labels_and_follow_the_seed():
    X = np.random.default_rng(2).standard_normal((20, 25, 1))
    a = MiniRocketFeatures(n_kernels=840, random_state=3).fit(X, np.zeros(20)).transform(X)
    b = MiniRocketFeatures(n_kernels=840, random_state=3).fit(X, np.arange(20) % 2).transform(X)
    c = MiniRocketFeatures(n_kernels=840, random_state=4).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_classifier_learns_a_planted_bump_on_held_out_series():
    d = synthetic.bump(n=120, T=30, C=2, classes=3, start=10, stop=18, amplitude=3.0, seed=0)
    model = MiniRocketRidge(n_kernels=840).fit(d.X[:80], d.y_codes[:80])
    assert (model.predict(d.X[80:]) == d.y_codes[80:]).mean() > 0.8
    assert model.decision_function(d.X[80:]).shape == (40, 3)


def test_classifier_accepts_univariate_short_series_and_clones():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 6)), np.repeat([0, 1], 15)
    model = clone(MiniRocketRidge(n_kernels=840, random_state=5))
    assert model.get_params()["random_state"] == 5
    assert model.fit(X, y).predict(X).shape == (30,)


def test_registry_builds_minirocket_ridge():
    from signal_diagnostics import baselines

    model = baselines.make("minirocket", random_state=2)
    assert isinstance(model, MiniRocketRidge) and model.random_state == 2
    assert MiniRocketRidge.description


def test_wrong_channel_count_at_transform_is_refused():
    X = np.random.default_rng(0).standard_normal((10, 20, 2))
    f = MiniRocketFeatures(n_kernels=840).fit(X)
    with pytest.raises(ValueError, match="channels"):
        f.transform(X[:, :, :1])


def test_selected_rows_give_the_features_of_the_selected_series():
    X = np.random.default_rng(3).standard_normal((40, 25, 2))
    rows = np.array([5, 1, 30, 7, 22, 9, 14, 3, 38, 11])
    np.testing.assert_array_equal(to_aeon(X, rows), to_aeon(X[rows]))
    a = MiniRocketFeatures(n_kernels=840, batch_size=3).fit(X, rows=rows)
    b = MiniRocketFeatures(n_kernels=840).fit(X[rows])
    np.testing.assert_array_equal(a.transform(X, rows[::-1]), b.transform(X[rows[::-1]]))
    assert np.concatenate(list(a.iter_transform(X))).shape == (40, 840)
