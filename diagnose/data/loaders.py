"""``diagnose.load``: every supported source to a validated :class:`Dataset`.

Sources: ``.npz`` files, long-format ``.csv`` / ``.parquet``, UCR/UEA ``.ts`` / ``.arff`` / ``.tsv``
files (through aeon), ``aeon:NAME`` for the datasets aeon ships, and ``synthetic:NAME?key=value``.

The series of an uncompressed ``.npz`` (``numpy.savez``) are memory-mapped, not read: a float32 ``X``
stays on disk and its pages are read when used (and shared by local worker processes); any other dtype
is converted to float32 straight from the map, without a full copy in the stored dtype first.
"""
from __future__ import annotations

import inspect
import os
import struct
import zipfile
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np

from diagnose.data.dataset import Dataset
from diagnose.errors import DataError

# The classification datasets shipped inside aeon 1.6 (aeon/datasets/data): no download needed.
AEON_DATASETS = {
    "JapaneseVowels": "9 speakers' vowels, 12 channels, length 7-29 (the default dataset)",
    "BasicMotions": "4 activities, 6 accelerometer/gyroscope channels, length 100",
    "ACSF1": "10 appliance types, power consumption, length 1460",
    "PickupGestureWiimoteZ": "10 gestures, 1 channel, variable length 29-361",
    "OSULeaf": "6 leaf species, outline series, length 427",
    "ArrowHead": "3 arrowhead shapes, outline series, length 251",
    "GunPoint": "2 classes (gun drawn or pointed), length 150",
    "ItalyPowerDemand": "2 seasons of daily power demand, length 24",
}
DEFAULT_SOURCE = "aeon:JapaneseVowels"
UCR_SUFFIXES = (".ts", ".arff", ".tsv")


def describe_sources() -> dict[str, str]:
    """Every built-in source name with a one-line description (``diagnose datasets``)."""
    from diagnose.data.synthetic import GENERATORS

    out = {f"aeon:{k}": v for k, v in AEON_DATASETS.items()}
    for name, fn in GENERATORS.items():
        out[f"synthetic:{name}"] = (fn.__doc__ or "").strip().splitlines()[0]
    return out


def load(source, *, id_column: str = "series_id", time_column: str | None = "time",
         label_column: str = "label", group_column: str | None = "group",
         channels: list[str] | None = None, name: str | None = None) -> Dataset:
    """Load a dataset from a file or a built-in source.

    Parameters
    ----------
    source : a path (``.npz``, ``.csv``, ``.parquet``, ``.ts``, ``.arff``, ``.tsv``), ``aeon:NAME``,
        ``synthetic:NAME?key=value&...``, or a long-format pandas DataFrame (the columns of a ``.csv``).
    id_column, time_column, label_column, group_column, channels : column names for long-format
        tables (one row per series and timestep). ``time_column`` orders the rows of a series when
        present; ``group_column`` gives group ids when present; ``channels`` defaults to every other
        numeric column.
    name : the name reports use; defaults to the source's.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> ds = load("synthetic:bump?n=60&T=20&start=5&stop=10")
    >>> ds.X.shape, ds.n_classes
    ((60, 20, 3), 2)
    """
    if _is_frame(source):
        ds = from_frame(source, id_column=id_column, time_column=time_column, label_column=label_column,
                        group_column=group_column, channels=channels, where="the DataFrame")
        ds.source = "DataFrame"
        ds.name = name or "data"
        return ds
    if not isinstance(source, (str, Path)):
        raise DataError(f"cannot load a {type(source).__name__}: give a path, aeon:NAME, synthetic:NAME or a "
                        "long-format DataFrame (for arrays use diagnose.Dataset(X, y) or diagnose.as_dataset((X, y)))")
    text = str(source)
    scheme, sep, rest = text.partition(":")
    if sep and not Path(text).exists() and len(scheme) > 1:
        if scheme == "aeon":
            ds = _load_aeon(rest)
        elif scheme == "synthetic":
            ds = _load_synthetic(rest)
        else:
            raise DataError(f"unknown source scheme '{scheme}:' in {text!r}: use a file path, aeon:NAME or synthetic:NAME")
    else:
        ds = _load_file(Path(text), id_column=id_column, time_column=time_column,
                        label_column=label_column, group_column=group_column, channels=channels)
    ds.source = text
    if name:
        ds.name = name
    return ds


def _is_frame(obj) -> bool:
    """True for a pandas DataFrame (checked without importing pandas)."""
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pandas")


def as_dataset(data, y=None, *, lengths=None, groups=None) -> Dataset:
    """The one coercion every public check starts with: anything a user holds to a :class:`Dataset`.

    Parameters
    ----------
    data : a :class:`Dataset`; an array ``X`` ``(n, T, C)`` (2-D: univariate) with ``y``; a tuple
        ``(X, y)``, ``(X, y, lengths)`` or ``(X, y, lengths, groups)``; a source for :func:`load`
        (path, ``aeon:NAME``, ``synthetic:...``); or a long-format pandas DataFrame.
    y : labels when ``data`` is an array (1-D, or ``(n, K)`` one-hot / probabilities).
    lengths, groups : optional true lengths and group ids, with arrays.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        For an array without labels, labels given twice, or anything else that is not data.

    Examples
    --------
    >>> import numpy as np
    >>> ds = as_dataset((np.ones((4, 6, 2)), ["a", "b", "a", "b"]))
    >>> ds.n_series, ds.n_classes
    (4, 2)
    """
    if isinstance(data, Dataset):
        if y is not None:
            raise DataError("y was given with a Dataset, which holds its labels: pass the Dataset alone")
        return data
    if isinstance(data, (str, Path)) or _is_frame(data):
        if y is not None:
            raise DataError("y was given with a data source, which holds its labels: pass the source alone")
        return load(data)
    if isinstance(data, tuple):
        if y is not None:
            raise DataError("y was given twice (in the tuple and as y): pass (X, y) or X with y=")
        if not 2 <= len(data) <= 4:
            raise DataError(f"a data tuple holds (X, y), (X, y, lengths) or (X, y, lengths, groups); got {len(data)} items")
        data, y, *rest = data
        lengths = rest[0] if len(rest) > 0 else lengths
        groups = rest[1] if len(rest) > 1 else groups
    if y is None:
        raise DataError(f"X alone ({type(data).__name__}) has no labels: pass (X, y), X with y=..., or a Dataset")
    return Dataset(data, y, lengths=lengths, groups=groups)


def as_arrays(data, y=None) -> tuple:
    """``(X, y, lengths, groups)`` for checks that work on arrays: arrays with ``y`` pass unchanged
    (``lengths`` and ``groups`` None); anything else goes through :func:`as_dataset` (label codes as y)."""
    if y is not None and not isinstance(data, (Dataset, str, Path, tuple)) and not _is_frame(data):
        return data, y, None, None
    ds = as_dataset(data, y)
    return ds.X, ds.y_codes, ds.lengths, ds.groups


def _load_file(path: Path, **columns) -> Dataset:
    if not path.exists():
        raise DataError(f"no such file: {path}")
    if path.is_dir():
        raise DataError(f"{path} is a directory: give a data file (.npz, .csv, .parquet, .ts, .arff, .tsv)")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        ds = _load_npz(path)
    elif suffix in (".csv", ".parquet"):
        ds = _load_table(path, **columns)
    elif suffix in UCR_SUFFIXES:
        ds = _load_ucr(path)
    else:
        raise DataError(f"cannot read {path.name}: unknown file type '{suffix}' (use .npz, .csv, .parquet, .ts, .arff or .tsv)")
    ds.name = path.stem
    return ds


def _load_npz(path: Path) -> Dataset:
    if not zipfile.is_zipfile(path):
        raise DataError(f"cannot read {path.name}: not a valid .npz file (save it with numpy.savez)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            missing = [k for k in ("X", "y") if k not in names]
            if missing:
                raise DataError(f"{path.name} lacks array(s) {', '.join(missing)}; found: {', '.join(names) or 'none'}")
            X = map_npz_member(path, "X")
            arrays = {k: archive[k] for k in ("y", "lengths", "groups") + (() if X is not None else ("X",)) if k in names}
            if X is not None:
                arrays["X"] = X
    except DataError:
        raise
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise DataError(f"{path.name} holds object (pickled) arrays, which are never loaded: save numeric X and string or numeric y") from None
        raise DataError(f"cannot read {path.name}: {err}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"cannot read {path.name}: not a valid .npz file ({err})") from None
    ignored = [k for k in names if k not in ("X", "y", "lengths", "groups")]
    meta = {"notes": [f"ignored arrays: {', '.join(ignored)}"]} if ignored else {}
    return Dataset(arrays["X"], arrays["y"], lengths=arrays.get("lengths"), groups=arrays.get("groups"), meta=meta)


class MappedArray(np.memmap):
    """A copy-on-write memory map of an array in a file, which local worker processes map again.

    Sent to a local process pool (``multiprocessing``'s pickler) the whole array travels as its file
    name, offset and shape, and the worker maps the same file: no copy per worker. Any other pickling
    (Dask, caches) and any view or slice of it pickles as an ordinary array, data included.
    """

    _origin: tuple | None = None

    @classmethod
    def open(cls, filename: str | Path, dtype, shape: tuple, offset: int, order: str) -> "MappedArray":
        filename = os.fspath(filename)
        arr = cls(filename, dtype=dtype, mode="c", offset=offset, shape=shape, order=order)
        st = os.stat(filename)
        arr._origin = (filename, np.dtype(dtype).str, tuple(shape), int(offset), order,
                       (st.st_size, st.st_mtime_ns), arr.__array_interface__["data"][0], arr.strides)
        return arr

    def __array_finalize__(self, obj) -> None:
        super().__array_finalize__(obj)
        self._origin = None  # views and results are not the mapped array itself

    def __reduce__(self):
        return np.asarray(self).__reduce__()

    def _whole(self) -> bool:
        o = self._origin
        return o is not None and self.__array_interface__["data"][0] == o[6] and self.strides == o[7]


def _remap(filename: str, dtype: str, shape: tuple, offset: int, order: str, stamp: tuple) -> np.ndarray:
    st = os.stat(filename)
    if (st.st_size, st.st_mtime_ns) != tuple(stamp):
        raise DataError(f"{filename} changed after it was loaded: load it again")
    return MappedArray.open(filename, dtype, shape, offset, order)


def _reduce_mapped(arr: MappedArray):
    if arr._whole():
        return _remap, arr._origin[:6]
    return np.asarray(arr).__reduce__()


def _register_mapped_pickling() -> None:
    from multiprocessing.reduction import ForkingPickler

    ForkingPickler.register(MappedArray, _reduce_mapped)


_register_mapped_pickling()


def map_npz_member(path: str | Path, name: str) -> np.ndarray | None:
    """Memory-map array ``name`` of an ``.npz`` file when it is stored uncompressed; else ``None``.

    Read only from the file (copy-on-write: writing to the array never changes the file). Object
    arrays, compressed members (``numpy.savez_compressed``), empty arrays and ``.npy`` format versions
    other than 1.0 and 2.0 give ``None``: the caller then reads the array normally.
    """
    from numpy.lib import format as npy

    with zipfile.ZipFile(path) as zf:
        try:
            info = zf.getinfo(f"{name}.npy")
        except KeyError:
            return None
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:  # compressed or encrypted
            return None
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        fh.seek(start)
        try:
            version = npy.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = npy.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = npy.read_array_header_2_0(fh)
            else:
                return None
        except ValueError:
            return None
        offset = fh.tell()
    count = int(np.prod(shape, dtype=np.int64))
    if dtype.hasobject or count == 0 or offset + count * dtype.itemsize > start + info.file_size:
        return None
    return MappedArray.open(path, dtype, tuple(shape), offset, "F" if fortran else "C")


def _load_table(path: Path, *, id_column: str, time_column: str | None, label_column: str,
                group_column: str | None, channels: list[str] | None) -> Dataset:
    import pandas as pd

    try:
        df = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except ImportError as err:
        raise DataError(f"reading {path.name} needs pyarrow: pip install 'signal-diagnostics[parquet]' ({err})") from None
    except Exception as err:  # pandas raises many types for unreadable files
        raise DataError(f"cannot read {path.name}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from None
    return from_frame(df, id_column=id_column, time_column=time_column, label_column=label_column,
                      group_column=group_column, channels=channels, where=path.name)


def from_frame(df, *, id_column: str = "series_id", time_column: str | None = "time", label_column: str = "label",
               group_column: str | None = "group", channels: list[str] | None = None, where: str = "the table") -> Dataset:
    """A long-format table (one row per series and timestep; a pandas DataFrame) as a :class:`Dataset`.

    The columns are those of a long-format ``.csv`` (see :func:`load`). With a numeric or datetime
    ``time_column``, each row goes to its own timestep: integer times count steps from the table's
    smallest time, other times from each series' first one, in units of the smallest spacing between
    consecutive rows. A step missing inside a series stays a zero-filled gap at its place (a
    :class:`~diagnose.errors.DataWarning` names the series), never closed up by shifting the later
    steps; two rows at one step are refused. Times off a regular grid (or not numeric) only order the
    rows. ``where`` names the table in messages.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"series_id": [0, 0, 1, 1], "time": [0, 1, 0, 1],
    ...                    "label": ["a", "a", "b", "b"], "v": [1.0, 2.0, 3.0, 4.0]})
    >>> from_frame(df).X[:, :, 0].tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    import pandas as pd

    found = ", ".join(map(str, df.columns)) or "none"
    for role, col in (("series id", id_column), ("label", label_column)):
        if col not in df.columns:
            raise DataError(f"{where} has no {role} column '{col}'; found columns: {found} (set it with --{role.replace(' ', '-')}-column)".replace("--series-id-column", "--id-column"))
    if df.empty:
        raise DataError(f"{where} has no rows")
    has_time = bool(time_column) and time_column in df.columns
    has_group = bool(group_column) and group_column in df.columns
    reserved = {id_column, label_column} | ({time_column} if has_time else set()) | ({group_column} if has_group else set())
    if channels:
        missing = [c for c in channels if c not in df.columns]
        if missing:
            raise DataError(f"{where} has no channel column(s) {', '.join(missing)}; found columns: {found}")
    else:
        channels = [c for c in df.columns if c not in reserved and pd.api.types.is_numeric_dtype(df[c])]
        if not channels:
            raise DataError(f"{where} has no numeric channel columns besides {', '.join(sorted(map(str, reserved)))}; found columns: {found}")
    non_numeric = [c for c in channels if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        raise DataError(f"channel column(s) {', '.join(non_numeric)} in {where} are not numeric")
    order = [id_column, time_column] if has_time else [id_column]
    df = df.sort_values(order, kind="stable")
    grouped = df.groupby(id_column, sort=False)
    labels = grouped[label_column].nunique(dropna=False)
    if (labels > 1).any():
        bad = ", ".join(map(str, labels.index[labels > 1][:5]))
        raise DataError(f"series with more than one label in column '{label_column}' (ids {bad}): each series needs one label")
    ids = list(grouped.groups)
    codes = grouped.ngroup().to_numpy()  # series index of each (sorted) row
    notes: list[str] = []
    steps = _time_steps(df[time_column], codes, ids, where, notes) if has_time else None
    if steps is None:  # rows in order, one step each
        steps = grouped.cumcount().to_numpy()
    lengths = np.zeros(len(ids), dtype=np.int64)
    np.maximum.at(lengths, codes, steps + 1)
    n, T, C = len(ids), int(lengths.max()), len(channels)
    X = np.zeros((n, T, C), dtype=np.float32)
    X[codes, steps] = df[channels].to_numpy(dtype=np.float64)
    first = grouped.head(1)
    y = first[label_column].to_numpy()
    groups = first[group_column].to_numpy() if has_group else None
    return Dataset(X, y, lengths=lengths, groups=groups, meta={"series_ids": [str(i) for i in ids], "notes": notes})


# Times are on a regular grid when every spacing is a whole multiple of the smallest one, within this
# relative tolerance (float seconds written to CSV with six decimals).
TIME_GRID_TOL = 1e-6


def _time_steps(time, codes: np.ndarray, ids: list, where: str, notes: list[str]) -> np.ndarray | None:
    """The timestep of each row (rows sorted by series, then time), or None when times only give an order.

    Refuses two rows of one series at one time; warns (and notes) the series with missing steps.
    """
    import pandas as pd

    from diagnose.data.dataset import note

    if pd.api.types.is_datetime64_any_dtype(time):
        t, integer = time.to_numpy().astype("datetime64[ns]").astype(np.int64).astype(np.float64), False
    elif pd.api.types.is_numeric_dtype(time) and not pd.api.types.is_bool_dtype(time):
        t = time.to_numpy(dtype=np.float64)
        integer = pd.api.types.is_integer_dtype(time)
    else:
        return None
    if not np.isfinite(t).all():
        raise DataError(f"the time column of {where} has missing values: give every row a time")
    same = codes[1:] == codes[:-1]
    diffs = np.diff(t)[same]
    if (diffs == 0).any():
        dup = sorted({str(ids[c]) for c in codes[1:][same][diffs == 0]})
        raise DataError(f"{where} has two rows at the same time in {len(dup)} series (ids {', '.join(dup[:5])}): "
                        "give each timestep of a series one row")
    if integer:
        spacing = float(np.gcd.reduce(diffs.astype(np.int64))) if len(diffs) else 1.0
        start = np.full(len(ids), t.min())
    else:
        spacing = float(diffs.min()) if len(diffs) else 1.0
        start = np.full(len(ids), np.inf)
        np.minimum.at(start, codes, t)
    rel = (t - start[codes]) / spacing
    steps = np.rint(rel)
    if not np.allclose(rel, steps, rtol=0, atol=TIME_GRID_TOL * max(1.0, float(np.abs(rel).max()))):
        note(notes, f"the times in {where} are not on a regular grid: rows are placed in time order, one step each")
        return None
    steps = steps.astype(np.int64)
    counts = np.bincount(codes, minlength=len(ids))
    last = np.zeros(len(ids), dtype=np.int64)
    np.maximum.at(last, codes, steps)
    gaps = np.flatnonzero(last + 1 > counts)
    if len(gaps):
        missing = int((last + 1 - counts)[gaps].sum())
        listed = ", ".join(str(ids[g]) for g in gaps[:5]) + (", ..." if len(gaps) > 5 else "")
        note(notes, f"{len(gaps)} series in {where} miss {missing} timestep(s) inside their span (ids {listed}): "
                    "the missing steps are filled with 0 at their place (later steps are not shifted); "
                    "a Masking(0.0) layer drops them")
    return steps


def from_aeon(X) -> tuple[np.ndarray, np.ndarray]:
    """aeon's ``(n, C, T)`` array or list of ``(C, T_i)`` arrays -> zero-padded ``(n, T, C)`` and lengths.

    The one place where aeon's layout becomes ours.
    """
    series = [np.asarray(x, dtype=np.float32) for x in X]
    lengths = np.array([s.shape[-1] for s in series], dtype=np.int64)
    out = np.zeros((len(series), int(lengths.max()), series[0].shape[0]), dtype=np.float32)
    for i, s in enumerate(series):
        out[i, : s.shape[-1]] = s.T
    return out, lengths


def _load_ucr(path: Path) -> Dataset:
    from aeon.datasets import load_from_arff_file, load_from_ts_file, load_from_tsv_file

    reader = {".ts": load_from_ts_file, ".arff": load_from_arff_file, ".tsv": load_from_tsv_file}[path.suffix.lower()]
    try:
        X, y = reader(str(path))
    except Exception as err:  # aeon's readers raise IOError, ValueError, IndexError... on bad files
        raise DataError(f"cannot read {path.name} as a UCR/UEA {path.suffix} file: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    if len(X) == 0:
        raise DataError(f"cannot read {path.name} as a UCR/UEA {path.suffix} file: no series found")
    X, lengths = from_aeon(X)
    return Dataset(X, np.asarray(y), lengths=lengths)


def _load_aeon(name: str) -> Dataset:
    if name not in AEON_DATASETS:
        raise DataError(f"unknown aeon dataset '{name}'; the shipped ones are: {', '.join(AEON_DATASETS)}")
    from aeon.datasets import load_classification

    parts = [load_classification(name, split=split) for split in ("train", "test")]
    X, lengths = from_aeon([x for X_part, _ in parts for x in X_part])
    y = np.concatenate([np.asarray(y_part) for _, y_part in parts])
    split = np.array(["train"] * len(parts[0][1]) + ["test"] * len(parts[1][1]))
    return Dataset(X, y, lengths=lengths, name=name, meta={"split": split})


def _load_synthetic(spec: str) -> Dataset:
    from diagnose.data.synthetic import GENERATORS

    gen_name, _, query = spec.partition("?")
    if gen_name not in GENERATORS:
        raise DataError(f"unknown synthetic dataset '{gen_name}'; known: {', '.join(GENERATORS)}")
    fn = GENERATORS[gen_name]
    params = inspect.signature(fn).parameters
    kwargs = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in params:
            raise DataError(f"synthetic:{gen_name} has no parameter '{key}'; parameters: {', '.join(params)}")
        kwargs[key] = _coerce(value, params[key].default, key)
    try:
        ds = fn(**kwargs)
    except ValueError as err:
        raise DataError(f"synthetic:{gen_name}: {err}") from None
    ds.name = f"synthetic:{gen_name}"
    return ds


def _coerce(value: str, default, key: str):
    try:
        if isinstance(default, bool):
            if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError
            return value.lower() in ("1", "true", "yes")
        return type(default)(value)
    except ValueError:
        raise DataError(f"parameter '{key}' needs a {type(default).__name__}; got {value!r}") from None
