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

from diagnose.dataset import Dataset
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
    from diagnose.synthetic import GENERATORS

    out = {f"aeon:{k}": v for k, v in AEON_DATASETS.items()}
    for name, fn in GENERATORS.items():
        out[f"synthetic:{name}"] = (fn.__doc__ or "").strip().splitlines()[0]
    return out


def load(source: str | Path, *, id_column: str = "series_id", time_column: str | None = "time",
         label_column: str = "label", group_column: str | None = "group",
         channels: list[str] | None = None, name: str | None = None) -> Dataset:
    """Load a dataset from a file or a built-in source.

    Parameters
    ----------
    source : a path (``.npz``, ``.csv``, ``.parquet``, ``.ts``, ``.arff``, ``.tsv``), ``aeon:NAME``
        or ``synthetic:NAME?key=value&...``.
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
    found = ", ".join(map(str, df.columns)) or "none"
    for role, col in (("series id", id_column), ("label", label_column)):
        if col not in df.columns:
            raise DataError(f"{path.name} has no {role} column '{col}'; found columns: {found} (set it with --{role.replace(' ', '-')}-column)".replace("--series-id-column", "--id-column"))
    if df.empty:
        raise DataError(f"{path.name} has no rows")
    has_time = bool(time_column) and time_column in df.columns
    has_group = bool(group_column) and group_column in df.columns
    reserved = {id_column, label_column} | ({time_column} if has_time else set()) | ({group_column} if has_group else set())
    if channels:
        missing = [c for c in channels if c not in df.columns]
        if missing:
            raise DataError(f"{path.name} has no channel column(s) {', '.join(missing)}; found columns: {found}")
    else:
        channels = [c for c in df.columns if c not in reserved and pd.api.types.is_numeric_dtype(df[c])]
        if not channels:
            raise DataError(f"{path.name} has no numeric channel columns besides {', '.join(sorted(map(str, reserved)))}; found columns: {found}")
    non_numeric = [c for c in channels if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        raise DataError(f"channel column(s) {', '.join(non_numeric)} in {path.name} are not numeric")
    order = [id_column, time_column] if has_time else [id_column]
    df = df.sort_values(order, kind="stable")
    grouped = df.groupby(id_column, sort=False)
    labels = grouped[label_column].nunique(dropna=False)
    if (labels > 1).any():
        bad = ", ".join(map(str, labels.index[labels > 1][:5]))
        raise DataError(f"series with more than one label in column '{label_column}' (ids {bad}): each series needs one label")
    lengths = grouped.size().to_numpy()
    ids = list(grouped.groups)
    n, T, C = len(ids), int(lengths.max()), len(channels)
    X = np.zeros((n, T, C), dtype=np.float32)
    values = df[channels].to_numpy(dtype=np.float64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for i, (s, length) in enumerate(zip(starts, lengths)):
        X[i, :length] = values[s:s + length]
    first = grouped.head(1)
    y = first[label_column].to_numpy()
    groups = first[group_column].to_numpy() if has_group else None
    return Dataset(X, y, lengths=lengths.astype(np.int64), groups=groups, meta={"series_ids": [str(i) for i in ids]})


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
    from diagnose.synthetic import GENERATORS

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
