"""The Diagnosis document: the one JSON file every command fills and every report is rendered from.

Its shape is documented in ``diagnose/schema/diagnosis.schema.json``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.errors import DataError
from signal_diagnostics.results import to_jsonable

SCHEMA_VERSION = "2.0"  # 2: every answer decided in `verdicts` (level, headline, sentence, evidence)
SCHEMA_PATH = Path(__file__).parents[1] / "schema" / "diagnosis.schema.json"
SECTIONS = ("health", "signal", "deep", "attribution", "verdicts", "recommendations")
# Wall-time fields: the only numbers that differ between two runs of the same command (fresh or
# resumed, in-process, in local processes or on a Dask cluster). Everything else is identical.
# ``cost`` (predicted and measured time per unit, signal_diagnostics.pipeline.cost) depends on the workers and
# the machine as well.
TIMING_KEYS = ("seconds", "fit_seconds", "train_seconds", "predict_seconds", "total_seconds", "cost")


def new_document(dataset: Dataset, config: dict[str, Any]) -> dict:
    """An empty Diagnosis for ``dataset``; the checks fill its sections."""
    from signal_diagnostics import __version__

    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "signal-diagnostics", "version": __version__},
        "dataset": dataset.summary(),
        "config": to_jsonable(config),
        "errors": {},
    }


def without_timing(value: Any) -> Any:
    """A copy of a document (or any part of one) without the wall-time fields in ``TIMING_KEYS``.

    Two runs of the same command give equal ``without_timing`` documents, whichever executor ran
    them and whether or not they resumed from a cache.

    Examples
    --------
    >>> without_timing({"shuffle_test": {"p_value": 0.01, "seconds": 2.5}, "baselines": [{"fit_seconds": 1}]})
    {'shuffle_test': {'p_value': 0.01}, 'baselines': [{}]}
    """
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def dumps(doc: dict) -> str:
    return json.dumps(to_jsonable(doc), indent=1, allow_nan=False) + "\n"


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    Linux states it in ``/proc/self/status`` (``Umask:``, since 4.7); elsewhere it is read by setting
    and at once restoring it (``os.umask`` has no read-only form).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, text: str | bytes) -> Path:
    """Write a file by writing a temporary file beside it and renaming it into place.

    The file gets the mode of any newly created file, ``0o666 & ~umask`` (``mkstemp`` alone would
    leave 0600, so a colleague could read the report but not its document).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(text, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # POSIX (Windows has no such bits to set)
            os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, mode) as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_document(doc: dict, path: str | Path) -> Path:
    return write_atomic(path, dumps(doc))


def read_document(path: str | Path) -> dict:
    """Read a saved Diagnosis, refusing files that are not one."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(f"cannot read {path.name} as a Diagnosis JSON file: {err}") from None
    if not isinstance(doc, dict) or "schema_version" not in doc or "dataset" not in doc:
        raise DataError(f"{path.name} is not a Diagnosis document (no schema_version / dataset): write one with --json")
    major = str(doc["schema_version"]).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise DataError(f"{path.name} has schema_version {doc['schema_version']}; this version reads {SCHEMA_VERSION}")
    return doc
