"""The Python route to a full report: :func:`report` and the :class:`Diagnosis` it returns.

``report`` and ``diagnose report`` take the same path: :func:`signal_diagnostics.pipeline.run.prepare` checks
the options and the data, ``Run.execute`` runs the units; a :class:`Diagnosis` wraps the resulting JSON document, which stays
the single source of truth: the answers it shows come from ``reports.answers.answers(doc)``.
"""

from __future__ import annotations

import contextlib
import copy
import sys
import warnings
from pathlib import Path
from typing import Any

from signal_diagnostics.errors import DataError

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
        """Every answer, decided in :mod:`signal_diagnostics.pipeline.verdicts` (one module per answer family, :func:`~signal_diagnostics.pipeline.verdicts.decide.decide`): ``{id: {level, headline, sentence, evidence, ...}}``."""
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


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def report(data: Any, out: str | Path | None = None, profile: str = "full", **options) -> Diagnosis:
    """Run the whole diagnosis, as ``diagnose report`` does, and return it as a :class:`Diagnosis`.

    Parameters
    ----------
    data : a source string (path, ``aeon:NAME``, ``synthetic:...``), a :class:`~signal_diagnostics.data.dataset.Dataset`,
        a tuple ``(X, y)`` (or ``(X, y, lengths[, groups])``) of arrays, or a long-format DataFrame
        (:func:`signal_diagnostics.data.loaders.as_dataset`).
    out : a folder to write ``report.html``, ``report.md``, ``figures/`` and ``diagnosis.json`` into;
        ``None`` writes nothing.
    profile : ``"full"`` (the default, as ``diagnose report``; meant for a GPU) or ``"quick"`` (minutes on a
        2-core CPU, ``diagnose report --quick``): :meth:`signal_diagnostics.pipeline.config.Config.for_profile`.
    **options : the options of ``diagnose report``, under one name each
        (:func:`signal_diagnostics.pipeline.run.prepare`, which both faces call): fields of
        :class:`signal_diagnostics.pipeline.config.Config` (``folds``, ``repeats``, ``n_permutations``, ``random_state``,
        ``seeds``, ``epochs``, ``models``, ``deep``, ``units``, ``backend``, ``device``, ``rope`` (the region of
        practical equivalence of the model comparisons in percentage points, as ``--rope``: 1 = +-0.01), ...), ``budget``
        (minutes: scale the profile), ``workers`` (local processes; default: every core for large data,
        else 1), ``scheduler`` (Dask), ``cache`` (a folder keeping finished units; default ``out/.cache`` when
        ``out`` is given; ``False``: none), ``progress`` (``True``: plain lines on stderr, the default;
        ``False``; or a ``progress(done, total, label)`` callable), table columns (``id_column``, ...) and
        ``padding``, ``pad_value``, ``layout`` (:func:`signal_diagnostics.data.loaders.as_dataset`).

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
    from signal_diagnostics.console import progress_bar, quiet, quiet_run
    from signal_diagnostics.pipeline.run import prepare

    @contextlib.contextmanager
    def keras_start():
        with warnings.catch_warnings():
            quiet()  # TensorFlow starts here: keep its start-up noise off the console
            yield

    show = options.pop("progress", True)
    run = prepare(data, "report", out=out, profile=profile, keras_start=keras_start, **options)
    with quiet_run(), progress_bar(enabled=bool(show)) as bar:
        doc = run.execute(progress=show if callable(show) else bar, say=_stderr if show else None)
    result = Diagnosis(doc)
    if out is not None:
        out = Path(out)
        result.render(out)
        result.save(out / "diagnosis.json")
    return result


__all__ = ["report", "Diagnosis"]
