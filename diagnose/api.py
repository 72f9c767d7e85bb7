"""The Python route to a full report: :func:`report` and the :class:`Diagnosis` it returns.

``report`` runs the same pipeline as ``diagnose report`` (:func:`signal_diagnostics.pipeline.assemble.run_report_document`
on the executor the options ask for); a :class:`Diagnosis` wraps the resulting JSON document, which stays
the single source of truth: the answers it shows come from ``reports.answers.answers(doc)``.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
import warnings
from pathlib import Path
from typing import Any

from signal_diagnostics.errors import DataError

PROFILES = ("quick", "full")
# options of report() that are not Config fields: they choose how the units run, not what they compute
RUN_OPTIONS = ("budget", "workers", "cache", "progress")
DATA_OPTIONS = ("padding", "pad_value", "layout")  # how arrays are read (signal_diagnostics.data.loaders.as_dataset)
REPR_LIMIT = 1000  # characters of repr(Diagnosis): a glance, the answers card holds the rest


class Diagnosis:
    """A finished diagnosis: the Diagnosis document with ways to read, save and show it.

    Attributes
    ----------
    doc : the document (plain JSON values), as ``diagnose report`` writes to ``diagnosis.json``.

    Examples
    --------
    >>> d = Diagnosis({"schema_version": "2.0", "dataset": {"name": "demo"}, "verdicts": {}})
    >>> d.verdicts
    {}
    >>> repr(d).startswith("Diagnosis('demo'")
    True
    """

    def __init__(self, doc: dict) -> None:
        if not isinstance(doc, dict) or "dataset" not in doc:
            raise DataError(
                "a Diagnosis needs a Diagnosis document (a dict with 'dataset'): use signal_diagnostics.report(...)"
            )
        self.doc = doc

    @property
    def verdicts(self) -> dict:
        """Every answer, decided in :mod:`signal_diagnostics.pipeline.verdicts.signal`: ``{id: {level, headline, sentence, evidence, ...}}``."""
        return self.doc.get("verdicts") or {}

    @property
    def recommendations(self) -> list[dict]:
        """What to do next, each with its evidence."""
        return self.doc.get("recommendations") or []

    @property
    def errors(self) -> dict:
        """Sections whose computation failed, with the message."""
        return self.doc.get("errors") or {}

    def answers(self) -> list[dict]:
        """The six answers at the top of the report (``reports.answers.answers``)."""
        from signal_diagnostics.reports.answers import answers

        return answers(self.doc)

    def to_dict(self) -> dict:
        """A copy of the document (plain JSON values; NaN as None)."""
        from signal_diagnostics.results import to_jsonable

        return to_jsonable(copy.deepcopy(self.doc))

    def save(self, path: str | Path) -> Path:
        """Write the document as JSON (atomically); :meth:`load` or ``diagnose render`` read it back."""
        from signal_diagnostics.pipeline.document import write_document

        return write_document(self.doc, path)

    @classmethod
    def load(cls, path: str | Path) -> Diagnosis:
        """Read a saved ``diagnosis.json`` (refusing files that are not one with a DataError)."""
        from signal_diagnostics.pipeline.document import read_document

        return cls(read_document(path))

    def render(self, out: str | Path) -> dict:
        """Write ``report.html``, ``report.md`` and ``figures/`` into folder ``out`` (``reports.render``).

        Returns
        -------
        dict : ``{"html": Path, "markdown": Path, "figures": {name: Path}}``.
        """
        from signal_diagnostics.reports import render

        out = Path(out)
        if out.exists() and not out.is_dir():
            raise DataError(f"out {out} is a file: give a directory (it is created when missing)")
        return render(self.doc, out)

    def _repr_html_(self) -> str:
        from signal_diagnostics.reports.card import answers_card

        return answers_card(self.doc)

    def __repr__(self) -> str:
        ds = self.doc.get("dataset") or {}
        shape = " x ".join(
            f"{ds[k]} {w}"
            for k, w in (("n_series", "series"), ("n_timesteps", "steps"), ("n_channels", "channels"))
            if k in ds
        )
        try:
            lines = [f"{a['id']}: {a['headline'] or a['answer']}".strip() for a in self.answers()]
        except Exception as err:  # a malformed document still shows itself
            lines = [f"answers unavailable ({type(err).__name__})"]
        if self.errors:
            lines.append(f"failed: {', '.join(list(self.errors)[:5])}")
        head = f"Diagnosis({str(ds.get('name', 'data'))[:60]!r}" + (f", {shape}" if shape else "")
        text = head + "; " + "; ".join(lines) + ")"
        return text if len(text) <= REPR_LIMIT else text[: REPR_LIMIT - 4] + "...)"


def _config(profile: str, options: dict):
    from signal_diagnostics.pipeline.config import Config

    if profile not in PROFILES:
        raise DataError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
    fields = {f.name for f in dataclasses.fields(Config)} - {"profile"}
    known = fields | set(RUN_OPTIONS) | set(DATA_OPTIONS)
    unknown = sorted(set(options) - known)
    if unknown:
        raise DataError(f"unknown option(s) {', '.join(unknown)}: report() takes {', '.join(sorted(known))}")
    given = {k: v for k, v in options.items() if k in fields}
    for name in ("folds", "repeats", "permutations", "seeds", "epochs", "samples", "curve_repeats"):
        value = given.get(name)
        if value is not None and (int(value) != value or value < (2 if name == "folds" else 1)):
            raise DataError(f"{name} must be an integer of at least {2 if name == 'folds' else 1}; got {value!r}")
    return Config.for_profile(profile, budget_minutes=options.get("budget"), **given)


def _cache_root(cache: Any, out: Path | None) -> Path | None:
    """The cache folder ``report(cache=...)`` asks for: ``False`` none, ``None``/``True`` ``out/.cache``."""
    if cache is False:
        return None
    if cache is None or cache is True:
        return out / ".cache" if out is not None else None
    return Path(cache)


def report(data: Any, out: str | Path | None = None, profile: str = "quick", **options) -> Diagnosis:
    """Run the whole diagnosis, as ``diagnose report`` does, and return it as a :class:`Diagnosis`.

    Parameters
    ----------
    data : a source string (path, ``aeon:NAME``, ``synthetic:...``), a :class:`~signal_diagnostics.data.dataset.Dataset`,
        a tuple ``(X, y)`` (or ``(X, y, lengths[, groups])``) of arrays, or a long-format DataFrame
        (:func:`signal_diagnostics.data.loaders.as_dataset`).
    out : a folder to write ``report.html``, ``report.md``, ``figures/`` and ``diagnosis.json`` into;
        ``None`` writes nothing.
    profile : ``"quick"`` (minutes on a 2-core CPU) or ``"full"`` (:meth:`signal_diagnostics.pipeline.config.Config.for_profile`).
    **options : fields of :class:`signal_diagnostics.pipeline.config.Config` (``folds``, ``permutations``, ``seed``,
        ``models``, ``deep``, ``epochs``, ``units``, ``backend``, ``device``, ...), and ``budget``
        (minutes: scale the profile), ``workers`` (local processes; default 1), ``cache`` (a folder
        keeping finished units; default ``out/.cache`` when ``out`` is given; ``False``: none) and ``progress``
        (``True``: plain lines on stderr, the default; ``False``; or a ``progress(done, total, label)``
        callable), and ``padding``, ``pad_value``, ``layout`` (how arrays are padded and oriented:
        :func:`signal_diagnostics.data.loaders.as_dataset`).

    Returns
    -------
    Diagnosis

    Raises
    ------
    DataError
        For bad data or options (unknown option, a class smaller than ``folds``, ...); nothing is written.

    Examples
    --------
    >>> import signal_diagnostics                                                    # doctest: +SKIP
    >>> d = signal_diagnostics.report("synthetic:bump?n=120", deep=False)            # doctest: +SKIP
    >>> d.verdicts["signal"]["level"]                                      # doctest: +SKIP
    'strong'
    """
    from signal_diagnostics.console import progress_bar, quiet_run
    from signal_diagnostics.data.loaders import as_dataset
    from signal_diagnostics.pipeline.assemble import run_report_document
    from signal_diagnostics.pipeline.cache import Cache
    from signal_diagnostics.pipeline.executor import Executor
    from signal_diagnostics.pipeline.verdicts.base import warn_permutations

    options = dict(options)
    cfg = _config(profile, options)
    ds = as_dataset(data, **{k: options[k] for k in DATA_OPTIONS if k in options})
    ds.check_folds(cfg.folds)
    warn_permutations(cfg.permutations)  # an OptionWarning naming the levels out of reach
    out = None if out is None else Path(out)
    if out is not None and out.exists() and not out.is_dir():
        raise DataError(f"out {out} is a file: give a directory (it is created when missing)")
    workers = options.get("workers") or 1
    if int(workers) != workers or workers < 1:
        raise DataError(f"workers must be a positive integer; got {workers!r}")
    cache_root = _cache_root(options.get("cache"), out)
    if cfg.deep:
        from signal_diagnostics.console import quiet
        from signal_diagnostics.models.backend import configure

        with warnings.catch_warnings():
            quiet()  # TensorFlow starts here: keep its start-up noise off the console
            configure(cfg.backend, cfg.device)
            from signal_diagnostics.models.resolve import resolve_all

            # an unknown name, missing builder or unreadable file stops here, before any unit runs
            resolve_all(cfg.models or [], input_shape=ds.X.shape[1:], n_classes=ds.n_classes)
    show = options.get("progress", True)
    cache = Cache.for_dataset(cache_root, ds) if cache_root is not None else None
    executor = Executor("inprocess" if workers == 1 else "processes", n_workers=int(workers), cache=cache).start()
    from signal_diagnostics.pipeline.plan import cost_line, make_plan

    plan = make_plan(ds, cfg, workers=int(workers))
    if show:
        print(cost_line(plan), file=sys.stderr, flush=True)  # said before the work starts
    with quiet_run(), executor, progress_bar(enabled=bool(show)) as bar:
        doc = run_report_document(ds, cfg, progress=show if callable(show) else bar, executor=executor, plan=plan)
    result = Diagnosis(doc)
    if out is not None:
        result.render(out)
        result.save(out / "diagnosis.json")
    return result


__all__ = ["report", "Diagnosis"]
