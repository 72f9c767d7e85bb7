"""One run for both faces: :func:`prepare` checks everything and returns a :class:`Run`; ``Run.execute`` does the work.

The command line (:mod:`signal_diagnostics.commands`) parses its flags into the option names below and calls
:func:`prepare`; :func:`signal_diagnostics.report` passes its keyword arguments to the same function. Every
option is checked here, once, before any unit runs, so both faces refuse the same input with the same words
(spelled as the face that took it: ``--min-updates`` on the command line, ``min_updates`` in Python) and
start from the same defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.config import DEFAULT_MODELS, PROFILES, Config, check_config

COMMANDS = ("signal", "compare", "explain", "report")
PLANNED = ("signal", "report")  # commands whose signal units are planned to fit the budget (pipeline.plan)
# A planned run predicted to take this long runs its units in a worker process even with one worker: a unit in
# this process may hold the GIL for minutes (aeon's numba MiniRocket transform at 32,000 series: 117 s), and the
# progress heartbeat (signal_diagnostics.progress) could not print.
ISOLATE_S = 60.0
# options that choose how a run executes, not what it computes (none of them is a Config field)
RUN_OPTIONS = ("workers", "scheduler", "cache")
# how the data are read: table columns (signal_diagnostics.data.loaders.load) and padding/layout (as_dataset)
TABLE_OPTIONS = ("id_column", "time_column", "label_column", "group_column")
ARRAY_OPTIONS = ("padding", "pad_value", "layout")
# Config fields whose command-line flag is not the field's name
FLAGS = {
    "shuffle_heads": "--heads",
    "compare_baseline": "--baseline",
    "explain_model": "--model",
    "methods": "--method",
    "learning_curve": "--no-curve",
    "deep": "--no-deep",
    "uniform_control": "--no-uniform-control",
}


def spell(name: str, face: str) -> str:
    """An option as the face that took it writes it: ``--min-updates`` (``face="cli"``) or ``min_updates``."""
    if face != "cli":
        return name
    return FLAGS.get(name, "--" + name.replace("_", "-"))


@dataclass
class Run:
    """A checked run, ready to execute: the command, its data, its Config and how its units run."""

    command: str
    dataset: Dataset
    config: Config
    workers: int
    scheduler: str | None = None
    cache_root: Path | None = None
    cache_use: tuple = field(default=(None, 0, 0), init=False)  # after execute: (cache, units computed, failed)

    def executor(self, isolated: bool = False):
        """The (not yet started) executor: in-process, a local process pool (also for one worker when
        ``isolated``), or Dask with a scheduler."""
        from signal_diagnostics.pipeline.cache import Cache
        from signal_diagnostics.pipeline.executor import Executor

        cache = Cache.for_dataset(self.cache_root, self.dataset) if self.cache_root is not None else None
        kind = "dask" if self.scheduler else "inprocess" if self.workers == 1 and not isolated else "processes"
        return Executor(kind, n_workers=self.workers, scheduler=self.scheduler, cache=cache)

    def execute(self, progress=None, executor=None, say: Callable[[str], None] | None = None) -> dict:
        """Run every unit of the command and return the Diagnosis document.

        ``executor``: an executor to run on (started here when not yet started); default :meth:`executor`.
        ``say``: where the signal units' predicted cost (:func:`~signal_diagnostics.pipeline.plan.cost_line`)
        goes before the work starts (the command line: stderr); None says nothing.
        """
        from signal_diagnostics.pipeline import assemble

        document = getattr(assemble, f"run_{self.command}_document")
        extra, isolated = {}, False
        if self.command in PLANNED:
            from signal_diagnostics.pipeline.plan import cost_line, make_plan
            from signal_diagnostics.pipeline.resources import workers_can_start

            extra["plan"] = plan = make_plan(self.dataset, self.config, workers=self.workers)
            isolated = (
                plan.predicted_s >= ISOLATE_S and _units_travel(self.config, self.command) and workers_can_start()
            )
            if say is not None:
                say(cost_line(plan))
        with (executor or self.executor(isolated)).start() as ex:
            doc = document(self.dataset, self.config, progress=progress, executor=ex, **extra)
            self.cache_use = (ex.cache, ex.computed, ex.failed)
        return doc


def _known() -> set[str]:
    """Every option ``prepare`` takes: the Config fields (``profile`` among them) and how the run executes and reads."""
    return {f.name for f in dataclasses.fields(Config)} | set(RUN_OPTIONS) | set(TABLE_OPTIONS) | set(ARRAY_OPTIONS)


def _config(command: str, profile: str | None, options: dict, face: str) -> Config:
    """The command's Config: the profile (``report``) or the plain defaults, then the options given."""
    given = {k: v for k, v in options.items() if k in {f.name for f in dataclasses.fields(Config)} and v is not None}
    if command == "report":
        profile = profile or "full"
        if profile not in PROFILES:
            raise DataError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
        cfg = Config.for_profile(profile, budget_minutes=options.get("budget"), **given)
    else:
        if profile is not None:
            raise DataError(f"{spell('profile', face)} applies to the report only")
        cfg = Config(**given)
        if command == "compare" and cfg.models is None:
            cfg.models = list(DEFAULT_MODELS)
        if command == "compare" and cfg.compare_baseline is not None:
            from signal_diagnostics import baselines

            if cfg.compare_baseline not in baselines.available():
                raise DataError(
                    f"{spell('compare_baseline', face)} {cfg.compare_baseline!r} is not a baseline: "
                    f"use one of {', '.join(baselines.available())}"
                )
    check_config(cfg, lambda name: spell(name, face))
    return cfg


def read_data(data: Any, options: dict) -> Dataset:
    """The dataset ``data`` names, read with the table columns and padding options given."""
    from signal_diagnostics.data.loaders import DEFAULT_SOURCE, as_dataset, load

    array = {k: options[k] for k in ARRAY_OPTIONS if options.get(k) is not None}
    if data is None or isinstance(data, (str, Path)):
        table = {k: options[k] for k in TABLE_OPTIONS if k in options}
        return load(str(data or DEFAULT_SOURCE), **table, **array)
    return as_dataset(data, **array)


def _workers(options: dict, ds: Dataset, trains: bool) -> int:
    from signal_diagnostics.pipeline.resources import available_cores, default_workers, workers_can_start

    workers = options.get("workers")
    if workers is None:
        if options.get("scheduler"):
            return available_cores()
        return default_workers(ds, trains) if workers_can_start() else 1  # an unguarded script: this process
    return int(workers)


def _trains(cfg: Config, command: str) -> bool:
    return command == "compare" or (command == "report" and cfg.deep)


def _trains_by_name(cfg: Config, command: str) -> bool:
    """Whether the run trains several deep models, each named (a zoo name or a file): a worker process can
    build those; a builder or model given as a Python object stays in this process (it may not pickle)."""
    return _trains(cfg, command) and _units_travel(cfg, command)


def _units_travel(cfg: Config, command: str) -> bool:
    """Whether every unit of the run can go to a worker process: no deep model given as a Python object."""
    return not _trains(cfg, command) or all(isinstance(m, str) for m in cfg.models or DEFAULT_MODELS)


def _cache_root(cache: Any, out: Path | None, face: str) -> Path | None:
    """``False``: none; ``None``/``True``: ``out/.cache`` when writing a report; a folder: that folder."""
    if cache is False:
        return None
    if cache is None or cache is True:
        return out / ".cache" if out is not None else None
    root = Path(cache)
    if root.exists() and not root.is_dir():
        raise DataError(f"{spell('cache', face)} {root} is a file: give a directory (it is created when missing)")
    return root


def _check_models(cfg: Config, command: str, ds: Dataset) -> None:
    """Choose the Keras backend, then refuse unknown model names, missing builders and unreadable files."""
    from signal_diagnostics.models.backend import configure

    configure(cfg.backend, cfg.device)  # before anything imports Keras
    from signal_diagnostics.models.resolve import resolve_all

    names = [cfg.explain_model or (cfg.models or [DEFAULT_MODELS[0]])[0]] if command == "explain" else cfg.models
    resolve_all(
        [m for m in names or [] if m],
        baselines_allowed=command == "explain",
        input_shape=ds.X.shape[1:],
        n_classes=ds.n_classes,
    )


def prepare(
    data: Any,
    command: str = "report",
    *,
    out: str | Path | None = None,
    face: str = "python",
    keras_start: Callable[[], AbstractContextManager] = nullcontext,
    **options,
) -> Run:
    """Check the options, the data and the model names, and return the :class:`Run` (nothing runs yet).

    Parameters
    ----------
    data : a source (path, ``aeon:NAME``, ``synthetic:...``; None: the built-in dataset), a
        :class:`~signal_diagnostics.data.dataset.Dataset`, ``(X, y[, lengths[, groups]])`` or a long DataFrame.
    command : ``"signal"``, ``"compare"``, ``"explain"`` or ``"report"`` (every section).
    out : the report's folder (``report``): its default cache is ``out/.cache``.
    face : ``"cli"`` or ``"python"``: how error messages spell the options.
    keras_start : a context entered while Keras starts and the models are checked (Python: one that keeps
        TensorFlow's start-up noise off the console; the command line quiets the whole run).
    **options : :class:`~signal_diagnostics.pipeline.config.Config` fields, ``profile`` (``report``: ``"quick"``
        or ``"full"``, the default), ``budget`` (minutes), ``workers``, ``scheduler`` (a Dask address),
        ``cache`` (a folder, ``False`` or ``None``), table columns and ``padding``/``pad_value``/``layout``.

    Raises
    ------
    DataError
        For anything a user can fix, before any work and before anything is written.
    """
    from signal_diagnostics.pipeline.verdicts.base import warn_permutations

    if command not in COMMANDS:
        raise DataError(f"unknown command {command!r}: use one of {', '.join(COMMANDS)}")
    unknown = sorted(set(options) - _known())
    if unknown:
        raise DataError(f"unknown option(s) {', '.join(unknown)}: use {', '.join(sorted(_known()))}")
    out = None if out is None else Path(out)
    if out is not None and out.exists() and not out.is_dir():
        raise DataError(f"{spell('out', face)} {out} is a file: give a directory (it is created when missing)")
    _check_scale(options, face)
    cfg = _config(command, options.get("profile"), options, face)
    ds = read_data(data, options)
    if cfg.split == "cv" or command != "compare":
        ds.check_folds(cfg.folds)
    else:
        from signal_diagnostics.evaluation.splits import fixed_split

        fixed_split(ds.meta.get("split"))  # refuse data without one before any training
    if command in ("signal", "report"):
        warn_permutations(cfg.n_permutations)  # an OptionWarning naming the levels out of reach
    if command in ("compare", "explain") or (command == "report" and cfg.deep):
        with keras_start():
            _check_models(cfg, command, ds)
    cache = _cache_root(options.get("cache"), out if command == "report" else None, face)
    workers = _workers(options, ds, _trains_by_name(cfg, command))
    return Run(command, ds, cfg, workers, options.get("scheduler"), cache)


def _check_scale(options: dict, face: str) -> None:
    workers = options.get("workers")
    if workers is not None and (isinstance(workers, bool) or int(workers) != workers or workers < 1):
        raise DataError(f"{spell('workers', face)} must be a positive integer; got {workers!r}")
    if workers is not None and workers > 1 and options.get("scheduler") is None:
        from signal_diagnostics.pipeline.resources import workers_can_start

        if not workers_can_start():
            raise DataError(
                f"{spell('workers', face)} {workers} starts worker processes, which import this script again: "
                'put the call under `if __name__ == "__main__":`, or use 1 worker'
            )
    if options.get("budget") is not None and not options["budget"] > 0:
        raise DataError(f"{spell('budget', face)} must be a positive number of minutes; got {options['budget']!r}")
    if options.get("scheduler") is not None:
        from signal_diagnostics.pipeline.executor import check_scheduler, require_dask

        check_scheduler(options["scheduler"])
        require_dask()
