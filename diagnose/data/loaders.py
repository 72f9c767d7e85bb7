"""``signal_diagnostics.load``: every supported source to a validated :class:`Dataset`.

Sources: ``.npz`` files, long-format ``.csv`` / ``.parquet``, UCR/UEA ``.ts`` / ``.arff`` / ``.tsv``
files (through aeon), ``aeon:NAME`` for the datasets aeon ships, and ``synthetic:NAME?key=value``.
The readers: ``.npz`` in :mod:`signal_diagnostics.data.npz` (memory-mapped), tables in :mod:`signal_diagnostics.data.frames`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.data.frames import from_frame, load_table
from signal_diagnostics.data.npz import load_npz
from signal_diagnostics.errors import DataError

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
    from signal_diagnostics.data.synthetic import GENERATORS

    out = {f"aeon:{k}": v for k, v in AEON_DATASETS.items()}
    for name, fn in GENERATORS.items():
        out[f"synthetic:{name}"] = (fn.__doc__ or "").strip().splitlines()[0]
    return out


def load(
    source,
    *,
    id_column: str = "series_id",
    time_column: str | None = "time",
    label_column: str = "label",
    group_column: str | None = "group",
    channels: list[str] | None = None,
    name: str | None = None,
    padding: str = "auto",
    pad_value: float | None = None,
    layout: str | None = None,
) -> Dataset:
    """Load a dataset from a file or a built-in source.

    Parameters
    ----------
    source : a path (``.npz``, ``.csv``, ``.parquet``, ``.ts``, ``.arff``, ``.tsv``), ``aeon:NAME``,
        ``synthetic:NAME?key=value&...``, a long-format pandas DataFrame (the columns of a ``.csv``), or arrays
        as every check takes them: ``(X, y)``, ``(X, y, lengths)``, ``(X, y, lengths, groups)`` (:func:`as_dataset`).
    id_column, time_column, label_column, group_column, channels : column names for long-format
        tables (one row per series and timestep). ``time_column`` orders the rows of a series when
        present; ``group_column`` gives group ids when present; ``channels`` defaults to every other
        numeric column.
    name : the name reports use; defaults to the source's.
    padding, pad_value, layout : how arrays without lengths (an ``.npz`` without ``lengths``) are
        padded and oriented (:class:`Dataset`): ``padding`` ``"auto"`` (find the side), ``"pre"``,
        ``"post"`` or ``"none"``; ``pad_value`` ``None`` (infer: 0 or a value like -999); ``layout``
        ``"ntc"``, ``"nct"`` (transpose) or ``None`` (refuse an X that looks transposed). Sources
        that give each series' length (tables, aeon, UCR files, synthetic) ignore them, with a note.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> ds = load("synthetic:bump?n=60&T=20&start=5&stop=10")
    >>> ds.X.shape, ds.n_classes
    ((60, 20, 3), 2)
    """
    edge = {"padding": padding, "pad_value": pad_value, "layout": layout}
    columns = {
        "id_column": id_column,
        "time_column": time_column,
        "label_column": label_column,
        "group_column": group_column,
        "channels": channels,
    }
    if _is_frame(source):
        ds = from_frame(source, **columns, where="the DataFrame")
        ds.source = "DataFrame"
        ds.name = name or "data"
        _unused(ds, edge)
        return ds
    if isinstance(source, (tuple, Dataset)):  # (X, y[, lengths[, groups]]) as every check takes it
        return as_dataset(source, **edge)
    if not isinstance(source, (str, Path)):
        raise DataError(
            f"cannot load a {type(source).__name__}: give a path, aeon:NAME, synthetic:NAME, a long-format "
            "DataFrame or a tuple (X, y) (arrays: signal_diagnostics.Dataset(X, y) or signal_diagnostics.as_dataset(X, y))"
        )
    text = str(source)
    scheme, sep, rest = text.partition(":")
    if sep and not Path(text).exists() and len(scheme) > 1:
        ds = _load_scheme(scheme, rest, text, edge)
    else:
        ds = _load_file(Path(text), **columns, edge=edge)
    ds.source = text
    if name:
        ds.name = name
    return ds


def _load_scheme(scheme: str, rest: str, text: str, edge: dict) -> Dataset:
    """``aeon:NAME`` or ``synthetic:NAME?...`` (``text`` the whole source, for the message of another scheme)."""
    if scheme == "aeon":
        return _unused(_load_aeon(rest), edge)
    if scheme == "synthetic":
        return _unused(_load_synthetic(rest), edge)
    raise DataError(f"unknown source scheme '{scheme}:' in {text!r}: use a file path, aeon:NAME or synthetic:NAME")


def _unused(ds: Dataset, edge: dict) -> Dataset:
    """Note the padding / layout options that a source with its own lengths and layout does not use."""
    given = [f"{k}={v!r}" for k, v in edge.items() if v not in (None, "auto")]
    if given:
        text = f"{', '.join(given)} not used: this source gives each series' length and its layout"
        ds.meta.setdefault("notes", []).append(text)
    return ds


def _is_frame(obj) -> bool:
    """True for a pandas DataFrame (checked without importing pandas)."""
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pandas")


def as_dataset(
    data, y=None, *, lengths=None, groups=None, padding: str = "auto", pad_value=None, layout: str | None = None
) -> Dataset:
    """The one coercion every public check starts with: anything a user holds to a :class:`Dataset`.

    Parameters
    ----------
    data : a :class:`Dataset`; an array ``X`` ``(n, T, C)`` (2-D: univariate) with ``y``; a tuple
        ``(X, y)``, ``(X, y, lengths)`` or ``(X, y, lengths, groups)``; a source for :func:`load`
        (path, ``aeon:NAME``, ``synthetic:...``); or a long-format pandas DataFrame.
    y : labels when ``data`` is an array (1-D, or ``(n, K)`` one-hot / probabilities).
    lengths, groups : optional true lengths and group ids, with arrays.
    padding, pad_value, layout : how arrays are padded and oriented (:class:`Dataset`; :func:`load`
        for sources); a :class:`Dataset` passes unchanged.

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
        return load(data, padding=padding, pad_value=pad_value, layout=layout)
    if isinstance(data, tuple):
        if y is not None:
            raise DataError("y was given twice (in the tuple and as y): pass (X, y) or X with y=")
        if not 2 <= len(data) <= 4:
            raise DataError(
                f"a data tuple holds (X, y), (X, y, lengths) or (X, y, lengths, groups); got {len(data)} items"
            )
        data, y, *rest = data
        lengths = rest[0] if len(rest) > 0 else lengths
        groups = rest[1] if len(rest) > 1 else groups
    if y is None:
        raise DataError(f"X alone ({type(data).__name__}) has no labels: pass (X, y), X with y=..., or a Dataset")
    return Dataset(data, y, lengths=lengths, groups=groups, padding=padding, pad_value=pad_value, layout=layout)


@dataclass(frozen=True)
class CheckInput:
    """What a check works on, validated once: ``X``, label ``codes`` 0..K-1 and their ``classes``, and the
    optional ``lengths`` and ``groups`` (None when not known)."""

    X: np.ndarray
    codes: np.ndarray
    classes: np.ndarray
    lengths: np.ndarray | None = None
    groups: np.ndarray | None = None

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def real_lengths(self) -> np.ndarray:
        """``lengths``, or each series' last non-zero step when they are not known."""
        from signal_diagnostics.baselines.series import true_lengths

        return true_lengths(self.X) if self.lengths is None else np.asarray(self.lengths, dtype=np.int64)


def as_check_input(data, y=None, *, lengths=None, groups=None, shaped: bool = True) -> CheckInput:
    """The one coercion at the top of every public check: anything a user holds to a :class:`CheckInput`.

    A :class:`CheckInput` passes as it is; a :class:`Dataset` (or a tuple, a source, a long DataFrame:
    :func:`as_dataset`) passes its validated arrays and codes unchanged; an array ``X`` with ``y`` is validated here, once
    (:func:`~signal_diagnostics.data.dataset.validate_arrays`), and its labels become codes
    (:func:`~signal_diagnostics.data.dataset.label_codes`). ``lengths`` and ``groups`` given here win over
    the data's own. ``shaped=False`` takes an ``X`` of any shape (features for a scikit-learn estimator),
    checking only that it is finite and matches ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> got = as_check_input(np.ones((4, 6)), ["b", "a", "b", "a"])
    >>> got.X.shape, got.codes.tolist(), got.classes.tolist()
    ((4, 6, 1), [1, 0, 1, 0], ['a', 'b'])
    """
    from signal_diagnostics.data.dataset import check_finite, label_codes, validate_arrays, validate_labels

    if isinstance(data, CheckInput) and y is None and lengths is None and groups is None:
        return data  # already through this door (a unit handing its check plain, validated arrays)
    if y is not None and not isinstance(data, (Dataset, str, Path, tuple)) and not _is_frame(data):
        if shaped:
            X, y = validate_arrays(data, y)
        else:
            X = np.asarray(data)
            y = validate_labels(y, len(X))
            check_finite(X)
        classes, codes = label_codes(y)
        return CheckInput(X, codes, classes, _optional(lengths), _optional(groups))
    ds = as_dataset(data, y)
    return CheckInput(
        ds.X,
        ds.y_codes,
        ds.classes,
        ds.lengths if lengths is None else np.asarray(lengths),
        ds.groups if groups is None else np.asarray(groups),
    )


def _optional(values) -> np.ndarray | None:
    return None if values is None else np.asarray(values)


def _load_file(path: Path, edge: dict, **columns) -> Dataset:
    if not path.exists():
        raise DataError(f"no such file: {path}")
    if path.is_dir():
        raise DataError(f"{path} is a directory: give a data file (.npz, .csv, .parquet, .ts, .arff, .tsv)")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        ds = load_npz(path, **edge)
    elif suffix in (".csv", ".parquet"):
        ds = _unused(load_table(path, **columns), edge)
    elif suffix in UCR_SUFFIXES:
        ds = _unused(_load_ucr(path), edge)
    else:
        raise DataError(
            f"cannot read {path.name}: unknown file type '{suffix}' (use .npz, .csv, .parquet, .ts, .arff or .tsv)"
        )
    ds.name = path.stem
    return ds


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
        raise DataError(
            f"cannot read {path.name} as a UCR/UEA {path.suffix} file: {str(err).splitlines()[0] if str(err) else type(err).__name__}"
        ) from None
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
    from signal_diagnostics.data.synthetic import GENERATORS

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
