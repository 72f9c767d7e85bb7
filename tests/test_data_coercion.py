"""Data that cannot mislead: gaps stay in place, a transposed X and one-hot y are spotted, any form of data is accepted."""

import warnings

import numpy as np
import pandas as pd
import pytest

import signal_diagnostics
from signal_diagnostics import DataError, load
from signal_diagnostics.data.loaders import as_check_input
from signal_diagnostics.errors import DataWarning


def _long(n=6, T=5, drop=(), time_scale=1):
    """Long-format rows; channel v holds the step index + 1, so a shifted step shows."""
    rows = [
        {"series_id": f"s{i}", "time": t * time_scale, "label": "ab"[i % 2], "v": float(t + 1)}
        for i in range(n)
        for t in range(T)
        if (i, t) not in drop
    ]
    return pd.DataFrame(rows)


def test_a_missing_timestep_in_a_csv_stays_a_gap_with_a_warning(tmp_path):
    path = tmp_path / "gap.csv"
    _long(drop={(2, 2)}).to_csv(path, index=False)
    with pytest.warns(DataWarning, match=r"1 series in gap.csv miss 1 timestep\(s\).*ids s2"):
        ds = load(path)
    i = ds.meta["series_ids"].index("s2")
    assert ds.X[i, :, 0].tolist() == [1.0, 2.0, 0.0, 4.0, 5.0]  # later steps not shifted earlier
    assert ds.lengths[i] == 5
    assert any("s2" in n for n in ds.summary()["notes"])


def test_times_with_a_spacing_are_mapped_to_steps():
    with pytest.warns(DataWarning, match="ids s1"):
        ds = load(_long(drop={(1, 3)}, time_scale=10))
    assert ds.X[1, :, 0].tolist() == [1.0, 2.0, 3.0, 0.0, 5.0]
    assert ds.n_timesteps == 5


def test_two_rows_at_one_time_are_refused_with_the_series_id():
    df = _long()
    df.loc[3, "time"] = 2  # s0 now has two rows at time 2
    with pytest.raises(DataError, match=r"two rows at the same time in 1 series \(ids s0\)"):
        load(df)


def test_a_dataframe_loads_like_its_csv(tmp_path):
    df = _long().sample(frac=1.0, random_state=0)
    path = tmp_path / "same.csv"
    df.to_csv(path, index=False)
    from_df, from_csv = load(df), load(path)
    np.testing.assert_array_equal(from_df.X, from_csv.X)
    assert from_df.y.tolist() == from_csv.y.tolist()
    assert from_df.source == "DataFrame"


def test_load_takes_the_tuple_every_check_takes():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((12, 8, 2)).astype(np.float32), np.repeat(["a", "b"], 6)
    lengths = np.full(12, 8)
    ds, same = load((X, y, lengths)), signal_diagnostics.as_dataset((X, y, lengths))
    np.testing.assert_array_equal(ds.X, same.X)
    assert ds.y.tolist() == same.y.tolist() and ds.lengths.tolist() == lengths.tolist()
    assert load(ds) is ds


def test_something_that_is_not_data_is_refused_in_one_line():
    with pytest.raises(DataError, match="cannot load a dict"):
        load({"X": 1})


def test_a_likely_transposed_X_gets_a_hint_not_a_refusal():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 4, 50))  # (n, C=4, T=50) saved by mistake
    with pytest.warns(DataWarning, match=r"more channels \(50\) than timesteps \(4\).*transpose\(0, 2, 1\)"):
        ds = signal_diagnostics.Dataset(X, np.arange(20) % 2)
    assert ds.X.shape == (20, 4, 50)
    assert "transpose" in ds.summary()["notes"][0]


def test_keras_order_gets_no_hint():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        signal_diagnostics.Dataset(np.ones((6, 30, 3)), [0, 1] * 3)


def test_lengths_that_fit_the_channel_axis_say_so():
    with pytest.raises(DataError, match=r"fit the last axis \(40\).*transpose"), pytest.warns(DataWarning):
        signal_diagnostics.Dataset(np.ones((4, 3, 40)), [0, 1, 0, 1], lengths=np.array([40, 30, 40, 35]))


def test_one_hot_y_becomes_class_codes_with_a_note():
    codes = np.array([0, 2, 1, 2, 0, 1])
    with pytest.warns(DataWarning, match=r"y is \(n, 3\) one-hot: converted to class codes 0..2"):
        ds = signal_diagnostics.Dataset(np.ones((6, 5, 1)), np.eye(3)[codes])
    assert ds.y.tolist() == codes.tolist()
    assert ds.n_classes == 3


def test_probability_y_becomes_the_most_probable_class():
    proba = np.array([[0.7, 0.3], [0.2, 0.8], [0.4, 0.6], [0.9, 0.1]])
    with pytest.warns(DataWarning, match="class probabilities"):
        ds = signal_diagnostics.Dataset(np.ones((4, 5, 1)), proba)
    assert ds.y.tolist() == [0, 1, 1, 0]


def test_a_label_matrix_that_is_neither_is_refused():
    with pytest.raises(DataError, match=r"y has shape \(4, 2\)"):
        signal_diagnostics.Dataset(np.ones((4, 5, 1)), np.array([[1, 2], [3, 4], [5, 6], [7, 8]]))


@pytest.mark.parametrize(
    "build",
    [
        lambda: signal_diagnostics.Dataset(np.ones((0, 5, 1)), np.array([])),
        lambda: as_check_input(np.ones((0, 4)), np.array([]), shaped=False),
    ],
    ids=["dataset", "features"],
)
def test_no_series_at_all_is_one_data_error_not_an_index_error(build):
    with pytest.raises(DataError, match="X is empty"):
        build()


def test_one_class_is_refused_naming_it():
    with pytest.raises(DataError, match=r"only one class \('a'\)"):
        signal_diagnostics.Dataset(np.ones((3, 5, 1)), np.array(["a", "a", "a"]))


def test_nan_in_shuffle_test_gives_the_one_line_data_error():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 10, 2))
    X[7, 3, 1] = np.nan
    with pytest.raises(DataError, match=r"X has 1 NaN or infinite values in 1 series \(first: 7\)"):
        signal_diagnostics.shuffle_test(X, np.arange(40) % 2, n_permutations=9)


def test_every_public_check_takes_arrays_or_a_dataset():
    from signal_diagnostics.data import synthetic

    ds = synthetic.bump(n=60, T=20, start=5, stop=10, channel=0, amplitude=2.0)
    by_dataset = signal_diagnostics.timestep_signal(ds)
    by_arrays = signal_diagnostics.timestep_signal(ds.X, ds.y, ds.lengths)
    np.testing.assert_array_equal(by_dataset.q_value, by_arrays.q_value)
    assert [r.status for r in signal_diagnostics.health_checks(ds.X, ds.y, n_permutations=9)] == [
        r.status for r in signal_diagnostics.health_checks(ds, n_permutations=9)
    ]
    assert [r.status for r in signal_diagnostics.health_checks((ds.X, ds.y), n_permutations=9)][0] == "pass"


@pytest.mark.parametrize(
    "call",
    [
        lambda X: signal_diagnostics.health_checks(X),
        lambda X: signal_diagnostics.compare_models(X, ["bilstm"]),
        lambda X: signal_diagnostics.timestep_signal(X),
    ],
)
def test_X_without_labels_is_a_data_error_not_an_attribute_error(call):
    with pytest.raises(DataError, match="has no labels"):
        call(np.ones((6, 5, 2)))


def test_dataset_and_timestep_map_reprs_are_short():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 100, 3)).astype(np.float32)
    y = np.arange(500) % 2
    ds = signal_diagnostics.Dataset(X, y)
    assert len(repr(ds)) < 300 and "n_series=500" in repr(ds)
    tm = signal_diagnostics.timestep_signal(ds)
    assert len(repr(tm)) < 600 and "q_value=array(100, 3)" in repr(tm)  # the grid's size, not its values
    assert "<table>" in tm._repr_html_() and "<table>" in ds._repr_html_()


def test_result_reprs_show_sizes_not_values():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    X = rng.standard_normal((60, 5)) + y[:, None]
    from sklearn.linear_model import RidgeClassifierCV

    r = signal_diagnostics.shuffle_test(X, y, model=RidgeClassifierCV(), n_permutations=999)
    assert len(repr(r)) < 400 and "p_value=0.001" in repr(r)
    assert "p-value" in r._repr_html_()


def test_splits_repr_counts_its_folds_instead_of_printing_indices():
    from signal_diagnostics.evaluation.splits import make_splits

    text = repr(make_splits(np.arange(1000) % 2, folds=5, repeats=2))
    assert text == "Splits(folds=5, repeats=2, random_state=0, grouped=False, pairs=[10 items])"
