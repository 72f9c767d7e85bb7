"""Long-format tables (one row per series and timestep: ``.csv``, ``.parquet``, a pandas DataFrame) as a Dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.errors import DataError


def load_table(
    path: Path,
    *,
    id_column: str,
    time_column: str | None,
    label_column: str,
    group_column: str | None,
    channels: list[str] | None,
) -> Dataset:
    """The Dataset of a long-format ``.csv`` or ``.parquet`` file (columns as for :func:`from_frame`)."""
    import pandas as pd

    try:
        df = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except ImportError as err:
        raise DataError(
            f"reading {path.name} needs pyarrow: pip install 'signal-diagnostics[parquet]' ({err})"
        ) from None
    except Exception as err:  # pandas raises many types for unreadable files
        raise DataError(
            f"cannot read {path.name}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        ) from None
    return from_frame(
        df,
        id_column=id_column,
        time_column=time_column,
        label_column=label_column,
        group_column=group_column,
        channels=channels,
        where=path.name,
    )


def from_frame(
    df,
    *,
    id_column: str = "series_id",
    time_column: str | None = "time",
    label_column: str = "label",
    group_column: str | None = "group",
    channels: list[str] | None = None,
    where: str = "the table",
) -> Dataset:
    """A long-format table (one row per series and timestep; a pandas DataFrame) as a :class:`Dataset`.

    The columns are those of a long-format ``.csv`` (see :func:`load`). With a numeric or datetime
    ``time_column``, each row goes to its own timestep: integer times count steps from the table's
    smallest time, other times from each series' first one, in units of the smallest spacing between
    consecutive rows. A step missing inside a series stays a zero-filled gap at its place (a
    :class:`~signal_diagnostics.errors.DataWarning` names the series), never closed up by shifting the later
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

    has_time, has_group, channels = _frame_columns(
        df, id_column, time_column, label_column, group_column, channels, where
    )
    order = [id_column, time_column] if has_time else [id_column]
    df = df.sort_values(order, kind="stable")
    grouped = df.groupby(id_column, sort=False)
    labels = grouped[label_column].nunique(dropna=False)
    if (labels > 1).any():
        bad = ", ".join(map(str, labels.index[labels > 1][:5]))
        raise DataError(
            f"series with more than one label in column '{label_column}' (ids {bad}): each series needs one label"
        )
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


def _frame_columns(
    df, id_column: str, time_column: str | None, label_column: str, group_column: str | None, channels, where: str
) -> tuple[bool, bool, list]:
    """``(has_time, has_group, channels)`` of a long table: the id and label columns must be there, the
    channels (given, else every other numeric column) numeric; an empty table is refused."""
    import pandas as pd

    found = ", ".join(map(str, df.columns)) or "none"
    for role, col, option in (("series id", id_column, "id_column"), ("label", label_column, "label_column")):
        if col not in df.columns:
            raise DataError(
                f"{where} has no {role} column '{col}'; found columns: {found} "
                f"(set it with --{option.replace('_', '-')} on the command line, {option}= in Python)"
            )
    if df.empty:
        raise DataError(f"{where} has no rows")
    has_time = bool(time_column) and time_column in df.columns
    has_group = bool(group_column) and group_column in df.columns
    reserved = (
        {id_column, label_column} | ({time_column} if has_time else set()) | ({group_column} if has_group else set())
    )
    if channels:
        missing = [c for c in channels if c not in df.columns]
        if missing:
            raise DataError(f"{where} has no channel column(s) {', '.join(missing)}; found columns: {found}")
    else:
        channels = [c for c in df.columns if c not in reserved and pd.api.types.is_numeric_dtype(df[c])]
        if not channels:
            raise DataError(
                f"{where} has no numeric channel columns besides {', '.join(sorted(map(str, reserved)))}; found columns: {found}"
            )
    non_numeric = [c for c in channels if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        raise DataError(f"channel column(s) {', '.join(non_numeric)} in {where} are not numeric")
    return has_time, has_group, channels


# Times are on a regular grid when every spacing is a whole multiple of the smallest one, within this
# relative tolerance (float seconds written to CSV with six decimals).
TIME_GRID_TOL = 1e-6


def _time_steps(time, codes: np.ndarray, ids: list, where: str, notes: list[str]) -> np.ndarray | None:
    """The timestep of each row (rows sorted by series, then time), or None when times only give an order.

    Refuses two rows of one series at one time; warns (and notes) the series with missing steps.
    """
    import pandas as pd

    from signal_diagnostics.data.dataset import note

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
        raise DataError(
            f"{where} has two rows at the same time in {len(dup)} series (ids {', '.join(dup[:5])}): "
            "give each timestep of a series one row"
        )
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
        note(
            notes,
            f"{len(gaps)} series in {where} miss {missing} timestep(s) inside their span (ids {listed}): "
            "the missing steps are filled with 0 at their place (later steps are not shifted); "
            "a Masking(0.0) layer drops them",
        )
    return steps
