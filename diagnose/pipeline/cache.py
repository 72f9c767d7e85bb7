"""A resumable store of finished work units: one JSON file per unit, written atomically.

A unit's key hashes the data fingerprint, the unit's configuration, the digest of its call (function and
arguments, :func:`call_digest`) and the package version, so a re-run of the same command skips what finished
and a changed input, or an argument added to a unit, recomputes. Values are JSON
(never pickles); a corrupt entry is detected by its checksum and recomputed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from signal_diagnostics.results import to_jsonable


def fingerprint(*arrays: Any) -> str:
    """A short hash of arrays (data, labels, lengths, groups) identifying a dataset."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        a = np.ascontiguousarray(a)
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(a.tobytes() if a.dtype != object else json.dumps(a.tolist(), default=str).encode())
    return h.hexdigest()[:20]


def call_digest(fn: Any, args: tuple) -> str:
    """A hash of what a unit computes from: its function's name and every argument, arrays by content.

    Part of every unit's cache key (:meth:`Cache.unit_key`), so that an argument added to a unit, or a value
    changed, can never read an entry written without it; the hand-written key names the unit for people.
    """
    h = hashlib.sha256()
    _feed(h, (fn, args))
    return h.hexdigest()[:20]


def _feed(h, value: Any) -> None:
    if isinstance(value, np.ndarray):
        h.update(f"array{value.shape}{value.dtype}".encode())
        h.update(fingerprint(value).encode())
    elif isinstance(value, dict):
        h.update(b"{")
        for k in sorted(value, key=str):
            _feed(h, str(k))
            _feed(h, value[k])
        h.update(b"}")
    elif isinstance(value, (list, tuple)):
        h.update(b"[")
        for v in value:
            _feed(h, v)
        h.update(b"]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _feed(h, (type(value).__qualname__, {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}))
    elif callable(value):  # a function is named, never hashed by its address
        h.update(
            f"fn:{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}".encode()
        )
    else:
        h.update(f"{type(value).__name__}:{value!r}".encode())


def unit_key(key: Any, fn: Any, args: tuple) -> dict:
    """The key a unit is cached under: its hand-written ``key`` and the digest of its call (:func:`call_digest`)."""
    return {"unit": key, "call": call_digest(fn, args)}


def canonical(value: Any) -> str:
    """The one text of a JSON value that its hash and checksum are taken over (keys sorted)."""
    return json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"), allow_nan=False)


def as_json(value: Any) -> Any:
    """``value`` as it reads back from a JSON file: plain values, NaN as None, key order kept."""
    return json.loads(json.dumps(to_jsonable(value), allow_nan=False))


class Cache:
    """Finished units under ``root``, keyed by ``(namespace, unit key)``.

    Parameters
    ----------
    root : directory holding the entries (created on first write).
    namespace : anything that must match for an entry to be reused, e.g. the data fingerprint.
    """

    def __init__(self, root: str | Path, namespace: str = "") -> None:
        from signal_diagnostics import __version__

        self.root = Path(root)
        self.namespace = f"{namespace}|{__version__}"
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_dataset(cls, root: str | Path, dataset: Any) -> Cache:
        """A cache whose entries hold only for this data: namespaced by its fingerprint.

        The fingerprint covers ``X``, the label codes, the lengths and the groups, so changing any of
        them recomputes every unit; the package version is added by the Cache itself.
        """
        return cls(root, fingerprint(dataset.X, dataset.y_codes, dataset.lengths, dataset.groups))

    def _path(self, key: Any) -> Path:
        digest = hashlib.sha256((self.namespace + "|" + canonical(key)).encode()).hexdigest()
        return self.root / digest[:2] / f"{digest}.json"

    def get(self, key: Any) -> tuple[bool, Any]:
        """``(True, value)`` for a valid stored entry, else ``(False, None)``."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_text())
            body = canonical(entry["value"])
            if hashlib.sha256(body.encode()).hexdigest() != entry["sha256"]:
                raise ValueError("checksum mismatch")
        except FileNotFoundError:
            self.misses += 1
            return False, None
        except (OSError, ValueError, KeyError, TypeError):  # corrupt entry: drop it and recompute
            path.unlink(missing_ok=True)
            self.misses += 1
            return False, None
        self.hits += 1
        return True, entry["value"]

    def put(self, key: Any, value: Any) -> Any:
        """Store ``value`` (JSON-able) and return it as it will read back."""
        from signal_diagnostics.pipeline.document import write_atomic

        value = as_json(value)
        body = canonical(value)
        entry = {"key": to_jsonable(key), "sha256": hashlib.sha256(body.encode()).hexdigest(), "value": value}
        write_atomic(self._path(key), json.dumps(entry, allow_nan=False))
        return value
