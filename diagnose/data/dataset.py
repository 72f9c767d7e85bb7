"""The Dataset record every check takes, the fold check and the stratified subsample.

Its validation lives in :mod:`signal_diagnostics.data.validation`; the names are importable from here too.
"""

from __future__ import annotations

import html
from dataclasses import InitVar, dataclass, field
from typing import Any

import numpy as np

from signal_diagnostics.data.padding import apply_padding
from signal_diagnostics.data.validation import (
    PROBABILITY_SUM_TOL,
    check_finite,
    label_codes,
    labels_from_matrix,
    layout_hint,
    note,
    validate_arrays,
    validate_labels,
)
from signal_diagnostics.errors import DataError

__all__ = [
    "Dataset",
    "check_folds",
    "stratified_subsample",
    # re-exported from .validation, where they live
    "PROBABILITY_SUM_TOL",
    "check_finite",
    "label_codes",
    "labels_from_matrix",
    "layout_hint",
    "note",
    "validate_arrays",
    "validate_labels",
]


@dataclass
class Dataset:
    """Time series for classification in Keras order.

    The data is converted here, once, to the house convention: ``(n, T, C)``, real steps first, padding
    0 after them (:mod:`signal_diagnostics.data.padding`); every conversion is kept in ``meta["notes"]``.

    Attributes
    ----------
    X : float32 array ``(n_series, n_timesteps, n_channels)``, variable-length series right-padded with 0.
    y : the labels as given, one per series.
    lengths : int array, the true length of each series. Explicit lengths always win; without them they
        are inferred from runs of the pad value at the start or the end of each series (every channel
        equal to it). A real step whose every channel equals the pad value at the edge of a series
        counts as padding then: pass ``lengths`` or ``padding="none"`` to keep it.
    groups : optional array of group ids (subject, recording) for group-aware CV.
    name : short name used in reports.
    source : the string the data was loaded from.
    meta : anything else worth keeping, e.g. ``{"split": array of "train"/"test"}``.
    padding : (init only) ``"auto"`` (find the side), ``"pre"``, ``"post"`` or ``"none"`` (every step real).
    pad_value : (init only) the pad value; ``None`` infers it (0, or a value such as -999 that fills whole
        leading or trailing steps of many series and occurs nowhere else).
    layout : (init only) ``"ntc"`` or ``"nct"`` (transposed here); ``None`` refuses an X that looks
        transposed (:func:`signal_diagnostics.data.layout.looks_transposed`).
    """

    X: np.ndarray
    y: np.ndarray
    lengths: np.ndarray | None = None
    groups: np.ndarray | None = None
    name: str = "data"
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    padding: InitVar[str] = "auto"
    pad_value: InitVar[float | None] = None
    layout: InitVar[str | None] = None

    def __post_init__(self, padding: str, pad_value: float | None, layout: str | None) -> None:
        notes = self.meta.setdefault("notes", [])
        self.X, self.y = validate_arrays(self.X, self.y, notes=notes, layout=layout, strict_layout=True)
        n, T = self.X.shape[:2]
        if self.lengths is not None:
            self._check_lengths(n, T)
        self.X, self.lengths, text, changed = apply_padding(self.X, self.lengths, padding, pad_value)
        if text and changed:
            note(notes, text)
        elif text and text not in notes:
            notes.append(text)
        if self.groups is not None:
            self.groups = np.asarray(self.groups)
            if self.groups.shape != (n,):
                raise DataError(f"groups must have one id per series ({n}); got shape {self.groups.shape}")
        self.classes, self.y_codes = label_codes(self.y)

    def _check_lengths(self, n: int, T: int) -> None:
        """Refuse lengths that are not one integer in ``1..T`` per series (naming a likely transposed X)."""
        self.lengths = np.asarray(self.lengths)
        if self.lengths.shape != (n,) or not np.issubdtype(self.lengths.dtype, np.integer):
            raise DataError(f"lengths must be {n} integers, one per series; got shape {self.lengths.shape}")
        if self.lengths.min() < 1 or self.lengths.max() > T:
            C = self.X.shape[2]
            hint = (
                (
                    f"; they fit the last axis ({C}): X looks stored as (n, channels, timesteps), "
                    "use --layout nct (layout='nct') or X.transpose(0, 2, 1)"
                )
                if self.lengths.min() >= 1 and self.lengths.max() <= C
                else ""
            )
            raise DataError(
                f"lengths must lie in 1..{T} (the padded length); got {self.lengths.min()}..{self.lengths.max()}{hint}"
            )
        self.lengths = self.lengths.astype(np.int64)

    def __repr__(self) -> str:
        counts = self.class_counts
        shown = ", ".join(f"{_clip(c, 20)}: {k}" for c, k in list(counts.items())[:8])
        more = f", ... {len(counts) - 8} more" if len(counts) > 8 else ""
        lo, hi = int(self.lengths.min()), int(self.lengths.max())
        return (
            f"Dataset({_clip(self.name, 60)!r}, n_series={self.n_series}, n_timesteps={self.n_timesteps}, "
            f"n_channels={self.n_channels}, classes={{{shown}{more}}}, lengths={lo}-{hi}"
            + (f", groups={len(np.unique(self.groups))}" if self.groups is not None else "")
            + (f", source={_clip(self.source, 80)!r}" if self.source else "")
            + ")"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        lengths = s["lengths"]
        rows = [
            ("series", s["n_series"]),
            ("timesteps", f"{s['n_timesteps']} (padded length)"),
            ("channels", s["n_channels"]),
            ("classes", s["n_classes"]),
            ("class counts", ", ".join(f"{c}: {k}" for c, k in list(s["class_counts"].items())[:20])),
            ("lengths", f"{lengths['min']} to {lengths['max']} (mean {lengths['mean']:.1f})"),
            ("padding", f"{s['padding_share']:.1%} of timesteps"),
            ("groups", "none" if s["n_groups"] is None else s["n_groups"]),
        ]
        rows += [("note", n) for n in s.get("notes", [])]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td style='text-align:left'>"
            f"{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        title = html.escape(f"Dataset {s['name']}" + (f" ({s['source']})" if s["source"] else ""))
        return f"<table><caption style='text-align:left'><b>{title}</b></caption>{body}</table>"

    @property
    def ids(self) -> np.ndarray:
        """The user's series ids as strings (``meta["series_ids"]``: a CSV id column or an npz ``ids``
        array), else the row index."""
        given = self.meta.get("series_ids")
        if given is not None and len(given) == self.n_series:
            return np.asarray([str(i) for i in given])
        return np.arange(self.n_series).astype(str)

    @property
    def n_series(self) -> int:
        return self.X.shape[0]

    @property
    def n_timesteps(self) -> int:
        return self.X.shape[1]

    @property
    def n_channels(self) -> int:
        return self.X.shape[2]

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.y_codes, minlength=self.n_classes)
        return {str(c): int(k) for c, k in zip(self.classes.tolist(), counts)}

    def check_folds(self, folds: int) -> None:
        """Refuse CV with more folds than the smallest class (or group count) can fill."""
        check_folds(self.y, folds, self.groups)

    def summary(self) -> dict:
        """What `diagnose inspect` prints and the Diagnosis document's `dataset` section holds."""
        lengths = self.lengths
        padded = 1.0 - lengths.sum() / (self.n_series * self.n_timesteps)
        out = {
            "name": self.name,
            "source": self.source,
            "n_series": self.n_series,
            "n_timesteps": self.n_timesteps,
            "n_channels": self.n_channels,
            "n_classes": self.n_classes,
            "classes": [str(c) for c in self.classes.tolist()],
            "class_counts": self.class_counts,
            "lengths": {
                "min": int(lengths.min()),
                "max": int(lengths.max()),
                "mean": float(lengths.mean()),
                "variable": bool(lengths.min() != lengths.max()),
            },
            "padding_share": float(padded),
            "n_groups": None if self.groups is None else int(len(np.unique(self.groups))),
        }
        if "split" in self.meta:
            split = np.asarray(self.meta["split"])
            out["original_split"] = {s: int((split == s).sum()) for s in ("train", "test")}
        if self.meta.get("notes"):
            out["notes"] = [str(n) for n in self.meta["notes"]]
        return out


def _clip(text: Any, limit: int) -> str:
    """``text`` as a string of at most ``limit`` characters (an ellipsis marks a cut)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_folds(y: np.ndarray, folds: int, groups: np.ndarray | None = None) -> None:
    """Raise a DataError naming the classes too small for ``folds``-fold stratified CV."""
    classes, counts = np.unique(np.asarray(y).astype(str), return_counts=True)
    if groups is not None:
        groups = np.asarray(groups)
        counts = np.array([len(np.unique(groups[np.asarray(y).astype(str) == c])) for c in classes])
    small = classes[counts < folds]
    if len(small):
        unit = "groups" if groups is not None else "series"
        names = ", ".join(repr(str(c)) for c in small[:8])
        raise DataError(
            f"{len(small)} class(es) have fewer than {folds} {unit} ({names}; smallest has {counts.min()}): "
            f"use --folds {max(2, int(counts.min()))} or drop those classes"
        )


def stratified_subsample(y: Any, size: int, seed: int = 0, groups: Any = None, min_per_class: int = 10) -> np.ndarray:
    """Sorted indices of a random subsample of about ``size`` series with the class shares of ``y``.

    Each class keeps its share of ``size`` (largest remainders), but at least ``min(count,
    min_per_class)`` series, so small classes stay testable. With ``groups``, whole groups are drawn in
    random order, within each class, until the class's share is reached (groups never split).
    ``size >= len(y)`` returns every index.

    Examples
    --------
    >>> y = np.repeat([0, 1], [900, 100])
    >>> np.bincount(y[stratified_subsample(y, 200)]).tolist()
    [180, 20]
    """
    y = np.asarray(y)
    n = len(y)
    if size >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    want = counts / n * size
    k = np.floor(want).astype(int)
    k[np.argsort(-(want - k), kind="stable")[: size - k.sum()]] += 1
    k = np.minimum(np.maximum(k, np.minimum(counts, min_per_class)), counts)
    keep = []
    for c, kc in enumerate(k):
        members = np.flatnonzero(codes == c)
        if groups is None:
            keep.append(rng.choice(members, kc, replace=False))
            continue
        g = np.asarray(groups)[members]
        names, inverse, sizes = np.unique(g, return_inverse=True, return_counts=True)
        order = rng.permutation(len(names))
        take = order[: int(np.searchsorted(np.cumsum(sizes[order]), kc)) + 1]
        keep.append(members[np.isin(inverse, take)])
    return np.sort(np.concatenate(keep))
