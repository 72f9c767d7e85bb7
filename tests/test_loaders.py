"""signal_diagnostics.load: every source gives a validated Dataset; bad sources give one clear DataError."""

import numpy as np
import pandas as pd
import pytest

from signal_diagnostics import DataError, load


def _save(tmp_path, name="d.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_npz_round_trip_keeps_labels_lengths_and_groups(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 12, 2))
    X[:10, 8:] = 0.0
    y = np.array(["b", "a", "c"] * 10)
    path = _save(tmp_path, X=X, y=y, groups=np.arange(30) // 3)
    ds = load(path)
    assert ds.X.dtype == np.float32 and ds.X.shape == (30, 12, 2)
    assert list(ds.classes) == ["a", "b", "c"]
    assert ds.class_counts == {"a": 10, "b": 10, "c": 10}
    assert (ds.lengths[:10] == 8).all() and (ds.lengths[10:] == 12).all()
    assert ds.summary()["n_groups"] == 10
    assert ds.name == "d"


def test_npz_two_dimensional_X_is_univariate(tmp_path):
    ds = load(_save(tmp_path, X=np.ones((6, 5)), y=[0, 1] * 3))
    assert ds.X.shape == (6, 5, 1)


def test_npz_other_arrays_are_ignored_with_a_note(tmp_path):
    ds = load(_save(tmp_path, X=np.ones((6, 5)), y=[0, 1] * 3, extra=np.zeros(3)))
    assert "extra" in ds.meta["notes"][0]


def test_npz_object_arrays_are_refused_not_unpickled(tmp_path):
    path = _save(tmp_path, X=np.array([np.ones(3), np.ones(4)], dtype=object), y=np.array([0, 1]))
    with pytest.raises(DataError, match="pickled"):
        load(path)


def test_npz_missing_arrays_are_named_with_what_was_found(tmp_path):
    with pytest.raises(DataError, match=r"lacks array\(s\) y; found: X, labels"):
        load(_save(tmp_path, X=np.ones((4, 3)), labels=[0, 1, 0, 1]))


def test_corrupt_npz_is_refused(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(DataError, match="cannot read bad.npz"):
        load(path)


def _long_table(n=12, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        length = 5 + i % 4
        for t in range(length):
            rows.append(
                {
                    "series_id": f"s{i}",
                    "time": t,
                    "label": "up" if i % 2 else "down",
                    "group": i // 2,
                    "a": rng.normal() + 1,
                    "b": rng.normal() + 1,
                }
            )
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # rows out of order


def test_csv_long_format_orders_by_time_and_pads(tmp_path):
    df = _long_table()
    path = tmp_path / "long.csv"
    df.to_csv(path, index=False)
    ds = load(path)
    assert ds.X.shape == (12, 8, 2)
    assert sorted(ds.lengths.tolist()) == sorted([5 + i % 4 for i in range(12)])
    s0 = df[df.series_id == "s0"].sort_values("time")
    i0 = ds.meta["series_ids"].index("s0")
    np.testing.assert_allclose(ds.X[i0, :5, 0], s0["a"].to_numpy(), rtol=1e-6)
    assert (ds.X[i0, 5:] == 0).all()
    assert ds.groups is not None and len(set(ds.groups.tolist())) == 6


def test_parquet_reads_like_csv(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "long.parquet"
    _long_table().to_parquet(path)
    assert load(path).X.shape == (12, 8, 2)


def test_csv_missing_label_column_lists_the_columns(tmp_path):
    path = tmp_path / "long.csv"
    _long_table().rename(columns={"label": "target"}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"no label column 'label'; found columns: series_id, time, target"):
        load(path)


def test_csv_custom_column_names(tmp_path):
    path = tmp_path / "long.csv"
    _long_table().rename(columns={"label": "target", "series_id": "rec"}).to_csv(path, index=False)
    ds = load(path, label_column="target", id_column="rec")
    assert ds.n_series == 12


def test_csv_series_with_two_labels_is_refused(tmp_path):
    df = _long_table()
    df.loc[df.index[0], "label"] = "sideways"
    path = tmp_path / "long.csv"
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match="more than one label"):
        load(path)


def test_ucr_ts_file_through_aeon(tmp_path):
    from aeon.datasets import save_to_ts_file

    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 2, 10))  # aeon layout (n, C, T)
    y = np.array(["x", "y"] * 4)
    save_to_ts_file(X, y, label_type="classification", path=str(tmp_path), problem_name="toy")
    path = next(tmp_path.rglob("*.ts"))
    ds = load(path)
    assert ds.X.shape == (8, 10, 2)
    np.testing.assert_allclose(ds.X[3, :, 1], X[3, 1], rtol=1e-5)


def test_garbage_ts_file_is_refused(tmp_path):
    path = tmp_path / "junk.ts"
    path.write_text("this is not a ts file\n1,2,3\n")
    with pytest.raises(DataError, match="cannot read junk.ts"):
        load(path)


def test_aeon_japanese_vowels_joins_train_and_test():
    ds = load("aeon:JapaneseVowels")
    s = ds.summary()
    assert (s["n_series"], s["n_classes"], s["n_channels"]) == (640, 9, 12)
    assert (s["lengths"]["min"], s["lengths"]["max"]) == (7, 29)
    assert s["original_split"] == {"train": 270, "test": 370}


def test_unknown_aeon_dataset_lists_the_known_ones():
    with pytest.raises(DataError, match="unknown aeon dataset 'Nope'.*JapaneseVowels"):
        load("aeon:Nope")


def test_synthetic_parameters_are_parsed_and_typed():
    ds = load("synthetic:bump?n=50&T=20&start=3&stop=9&variable_length=true")
    assert ds.X.shape == (50, 20, 3)
    assert ds.meta["planted"]["start"] == 3
    assert ds.lengths.min() >= 9


@pytest.mark.parametrize(
    "source, pattern",
    [
        ("synthetic:nope", "unknown synthetic dataset 'nope'; known: noise"),
        ("synthetic:bump?colour=red", "no parameter 'colour'"),
        ("synthetic:bump?n=many", "'n' needs a int"),
        ("ftp:somewhere", "unknown source scheme 'ftp:'"),
        ("missing_file.npz", "no such file"),
        ("data.xlsx", "no such file"),
    ],
)
def test_bad_sources_say_what_is_wrong(source, pattern):
    with pytest.raises(DataError, match=pattern):
        load(source)


def test_unknown_suffix_is_refused(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match="unknown file type '.xlsx'"):
        load(path)


def test_uncompressed_npz_is_memory_mapped_and_equals_a_normal_load(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 15, 3)).astype(np.float32)
    X[:5, 10:] = 0.0
    y = np.arange(40) % 3
    ds = load(_save(tmp_path, X=X, y=y))
    assert isinstance(ds.X, np.memmap)  # float32 X stays on disk
    np.testing.assert_array_equal(ds.X, X)
    assert (ds.lengths[:5] == 10).all() and (ds.lengths[5:] == 15).all()
    np.testing.assert_array_equal(ds.y_codes, y)


def test_compressed_and_float64_npz_load_as_before(tmp_path):
    X = np.random.default_rng(2).standard_normal((12, 6, 2))
    path = tmp_path / "c.npz"
    np.savez_compressed(path, X=X, y=np.arange(12) % 2)
    compressed = load(path)
    mapped64 = load(_save(tmp_path, X=X, y=np.arange(12) % 2))
    for ds in (compressed, mapped64):
        assert type(ds.X) is np.ndarray and ds.X.dtype == np.float32  # converted: an ordinary array
        np.testing.assert_array_equal(ds.X, X.astype(np.float32))


def test_memory_mapped_data_never_changes_the_file(tmp_path):
    X = np.ones((6, 5, 1), dtype=np.float32)
    path = _save(tmp_path, X=X, y=[0, 1] * 3)
    ds = load(path)
    ds.X[0, 0, 0] = 7.0  # copy-on-write
    assert load(path).X[0, 0, 0] == 1.0


def test_memory_mapped_nan_is_refused_with_the_usual_message(tmp_path):
    X = np.zeros((6, 5, 2), dtype=np.float32) + 1
    X[4, 2, 1] = np.nan
    with pytest.raises(DataError, match=r"X has 1 NaN or infinite values in 1 series \(first: 4\)"):
        load(_save(tmp_path, X=X, y=[0, 1] * 3))


def test_mapped_array_goes_to_local_workers_by_reference_and_elsewhere_by_value(tmp_path):
    import pickle
    from multiprocessing.reduction import ForkingPickler

    X = np.arange(60, dtype=np.float32).reshape(10, 3, 2) + 1
    ds = load(_save(tmp_path, X=X, y=[0, 1] * 5))
    by_reference = ForkingPickler.dumps(ds.X)
    assert len(by_reference) < X.nbytes  # a file name and a shape, not the values
    again = pickle.loads(by_reference)
    assert isinstance(again, np.memmap)
    np.testing.assert_array_equal(again, X)
    by_value = pickle.loads(pickle.dumps(ds.X))  # e.g. Dask or a cache: the data travel
    assert type(by_value) is np.ndarray
    np.testing.assert_array_equal(by_value, X)
    part = pickle.loads(ForkingPickler.dumps(ds.X[2:5]))  # a slice travels by value
    np.testing.assert_array_equal(part, X[2:5])
