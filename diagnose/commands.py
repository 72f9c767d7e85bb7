"""What each ``diagnose`` command does, once its arguments are parsed (:mod:`signal_diagnostics.cli`).

Every check of the arguments, the data and the model names happens before any work starts; bad input
raises a DataError, which the command line turns into one line and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

from signal_diagnostics.errors import DataError

EXIT_BAD_INPUT = 2

EXIT_FAIL_ON = 1

# The signature a user's model builder must have (--models file.py:fn, compare_models(..., [fn])).
BUILDER_SIGNATURE = "fn(input_shape, n_classes, **hyper) -> keras.Model"

# Below this many values (series x timesteps x channels) --workers defaults to 1: a worker process
# spends seconds importing scikit-learn, aeon and numba before its first unit, more than the units
# of small data take (measured on a shared 2-core machine: `diagnose signal` on 40 x 12 x 1 with
# 19 permutations, 4.7 s in-process, 5.2 s on two workers; benchmarks/workers.py).
AUTO_PARALLEL_VALUES = 1_000_000


def cores() -> int:
    """The cores this process may use."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def default_workers(ds) -> int:
    """Workers when --workers is not given: every core for large data or several GPUs, else 1;
    fewer where that many of the heaviest unit would not fit in memory (``memory_capped_workers``)."""
    from signal_diagnostics.pipeline.resources import gpu_ids, memory_capped_workers

    if ds.X.size >= AUTO_PARALLEL_VALUES or len(gpu_ids()) > 1:
        return memory_capped_workers(cores(), ds.X.nbytes, len(ds.X))
    return 1


def _heads(args) -> list[str] | None:
    """The --heads names, refused before any work when one is not a baseline."""
    if not getattr(args, "heads", None):
        return None
    from signal_diagnostics import baselines

    names = [h.strip() for h in args.heads.split(",") if h.strip()]
    unknown = [h for h in names if h not in baselines.available()]
    if unknown or not names:
        raise DataError(
            f"--heads {args.heads!r}: unknown classifier(s) {', '.join(unknown) or '(none given)'}; "
            f"use baseline names: {', '.join(baselines.available())}"
        )
    return names


def _configure_keras(args) -> None:
    """Choose the Keras backend and device before anything imports Keras (bad choices exit 2)."""
    from signal_diagnostics.models.backend import configure

    configure(args.backend, args.device)


def _load(args):
    from signal_diagnostics.data.loaders import DEFAULT_SOURCE, load

    return load(
        args.data or DEFAULT_SOURCE,
        id_column=args.id_column,
        time_column=args.time_column,
        label_column=args.label_column,
        group_column=args.group_column,
        padding=args.padding,
        pad_value=args.pad_value,
        layout=args.layout,
    )


def _positive(args, *names: str) -> None:
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise DataError(f"--{name.replace('_', '-')} must be at least 1; got {value}")
    if getattr(args, "folds", None) is not None and args.folds < 2:
        raise DataError(f"--folds must be at least 2; got {args.folds}")


def _check_training(args) -> None:
    """Refuse a bad --min-updates or a --reference that is not among --models before any work."""
    if args.min_updates is not None and args.min_updates < 0:
        raise DataError(f"--min-updates must be 0 or more; got {args.min_updates}")
    models = getattr(args, "models", None)
    if args.reference is not None and models and args.reference not in models.split(","):
        raise DataError(f"--reference {args.reference!r} is not among --models {models}: add it to --models")


def _check_scale(args) -> None:
    """Refuse bad --workers / --scheduler / --cache values before any data is read."""
    from signal_diagnostics.pipeline.executor import check_scheduler, require_dask

    _positive(args, "workers")
    if args.cache is not None and args.no_cache:
        raise DataError(f"--cache {args.cache} and --no-cache contradict each other: give one of them")
    if args.cache is not None and Path(args.cache).exists() and not Path(args.cache).is_dir():
        raise DataError(f"--cache {args.cache} is a file: give a directory (it is created when missing)")
    if args.scheduler is not None:
        check_scheduler(args.scheduler)
        require_dask()


def _check_models(models: list[str], ds, *, baselines_allowed: bool = False) -> None:
    """Refuse unknown model names, missing builder files or functions and unreadable model files (exit 2)
    before any baseline or training starts."""
    from signal_diagnostics.models.resolve import resolve_all

    resolve_all(
        [m for m in models if m],
        baselines_allowed=baselines_allowed,
        input_shape=ds.X.shape[1:],
        n_classes=ds.n_classes,
    )


def _executor(args, ds, default_cache: Path | None = None):
    """The executor the flags ask for, with its cache namespaced by the data's fingerprint.

    Default: in-process, or a local process pool with every core for large data (``default_workers``);
    Dask with --scheduler. No cache unless --cache is given (``report``: OUT/.cache), none with --no-cache.
    """
    from signal_diagnostics.pipeline.cache import Cache
    from signal_diagnostics.pipeline.executor import Executor

    root = None if args.no_cache else (args.cache or default_cache)
    cache = Cache.for_dataset(root, ds) if root is not None else None
    workers = args.workers or (cores() if args.scheduler else default_workers(ds))
    kind = "dask" if args.scheduler else "inprocess" if workers == 1 else "processes"
    return Executor(kind, n_workers=workers, scheduler=args.scheduler, cache=cache).start()


def _cache_summary(executor) -> None:
    """One line on stderr: how many units the cache gave back and how many were computed."""
    cache = executor.cache
    if cache is not None:
        failed = f", {executor.failed} failed (retried next run)" if executor.failed else ""
        print(f"cache {cache.root}: {cache.hits} unit(s) reused, {executor.computed} computed{failed}", file=sys.stderr)


def _plain(text: str) -> str:
    """Docstring text without reStructuredText markup (``literal``, `ref`, :role:`x`) on one line."""
    import re

    text = re.sub(r":\w+:`~?([^`]*)`", r"\1", text)
    return " ".join(text.replace("``", "").replace("`", "").split())


def _columns(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"  {name:<{width}}  {text}")


def cmd_datasets(args) -> int:
    from signal_diagnostics.data.loaders import describe_sources

    print("Built-in data sources (and files: .npz, .csv, .parquet, .ts, .arff, .tsv):")
    _columns([(name, _plain(text)) for name, text in describe_sources().items()])
    return 0


def zoo_descriptions() -> dict[str, str]:
    """The zoo's model names and descriptions, read from ``diagnose/models/zoo.py`` without importing Keras."""
    import ast

    tree = ast.parse((Path(__file__).parent / "models" / "zoo.py").read_text())
    for node in tree.body:
        target = getattr(node, "target", None) or (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "MODELS" and isinstance(node.value, ast.Dict):
            return {
                ast.literal_eval(k): ast.literal_eval(v.elts[1]) for k, v in zip(node.value.keys, node.value.values)
            }
    return {}


def cmd_models(args) -> int:
    from signal_diagnostics import baselines

    print("Deep models (Keras 3) for `compare --models`, `explain --model` and `report --models`:")
    _columns(list(zoo_descriptions().items()))
    print(f"\nYour own model: a builder with the signature\n  {BUILDER_SIGNATURE}")
    print(
        "  input_shape is (n_timesteps, n_channels); the model ends in a softmax over n_classes and is returned\n"
        "  uncompiled (training compiles it). On the command line: --models path/to/file.py:fn, called as\n"
        "  fn(input_shape, n_classes). In Python: signal_diagnostics.compare_models((X, y), [fn], hyper={...}) also passes\n"
        "  **hyper (e.g. units)."
    )
    print("\nClassical baselines (signal --baselines, explain --model):")
    _columns(list(baselines.available().items()))
    return 0


def cmd_inspect(args) -> int:
    from signal_diagnostics.console import print_inspect

    print_inspect(_load(args))
    return 0


def _plan(ds, cfg, executor):
    """The run's plan (:mod:`signal_diagnostics.pipeline.plan`), its predicted cost said in one line on stderr first."""
    from signal_diagnostics.pipeline.plan import cost_line, make_plan

    plan = make_plan(ds, cfg, workers=1 if executor.kind == "inprocess" else executor.n_workers)
    print(cost_line(plan), file=sys.stderr, flush=True)
    return plan


def _run(args, ds, cfg, run, show, planned: bool = False) -> int:
    """Run one document command on the executor the flags ask for, show it, write ``--json``."""
    from signal_diagnostics.console import progress_bar

    with _executor(args, ds) as executor:
        extra = {"plan": _plan(ds, cfg, executor)} if planned else {}
        with progress_bar() as progress:
            doc = run(ds, cfg, progress=progress, executor=executor, **extra)
    _cache_summary(executor)
    show(doc)
    _write_json(doc, args.json)
    return 0


def cmd_signal(args) -> int:
    from signal_diagnostics.console import print_signal
    from signal_diagnostics.pipeline.assemble import run_signal_document
    from signal_diagnostics.pipeline.config import Config
    from signal_diagnostics.pipeline.verdicts.base import warn_permutations

    _positive(args, "permutations", "repeats", "folds")
    _check_scale(args)
    ds = _load(args)
    cfg = Config(
        seed=args.seed,
        folds=args.folds,
        repeats=args.repeats,
        permutations=args.permutations,
        baselines=args.baselines.split(",") if args.baselines else None,
        learning_curve=not args.no_curve,
        shuffle_heads=_heads(args),
        budget=args.budget,
    )
    if args.budget is not None and args.budget <= 0:
        raise DataError(f"--budget must be a positive number of minutes; got {args.budget:g}")
    ds.check_folds(cfg.folds)
    warn_permutations(cfg.permutations)  # one line on stderr, before the run (OptionWarning)
    return _run(args, ds, cfg, run_signal_document, print_signal, planned=True)


def cmd_compare(args) -> int:
    from signal_diagnostics.console import print_compare
    from signal_diagnostics.pipeline.assemble import run_compare_document
    from signal_diagnostics.pipeline.config import Config

    _positive(args, "seeds", "repeats", "epochs", "folds", "units")
    _check_scale(args)
    _check_training(args)
    if args.baseline is not None:
        from signal_diagnostics import baselines

        if args.baseline not in baselines.available():
            raise DataError(
                f"--baseline {args.baseline!r} is not a baseline: use one of {', '.join(baselines.available())}"
            )
    ds = _load(args)
    cfg = Config(
        seed=args.seed,
        folds=args.folds,
        repeats=args.repeats,
        seeds=args.seeds,
        epochs=args.epochs,
        models=args.models.split(","),
        units=args.units,
        backend=args.backend,
        device=args.device,
        split=args.split,
        reference=args.reference,
        compare_baseline=args.baseline,
        **({"min_updates": args.min_updates} if args.min_updates is not None else {}),
    )
    if cfg.split == "cv":
        ds.check_folds(cfg.folds)
    else:
        from signal_diagnostics.evaluation.splits import fixed_split

        fixed_split(ds.meta.get("split"))  # refuse data without one before any training
    _configure_keras(args)
    _check_models(cfg.models, ds)
    return _run(args, ds, cfg, run_compare_document, print_compare)


def cmd_explain(args) -> int:
    from signal_diagnostics.console import print_explain
    from signal_diagnostics.pipeline.assemble import run_explain_document
    from signal_diagnostics.pipeline.config import Config

    _positive(args, "samples", "epochs", "folds")
    _check_scale(args)
    ds = _load(args)
    cfg = Config(
        seed=args.seed,
        folds=args.folds,
        epochs=args.epochs,
        explain_model=args.model,
        methods=args.method.split(","),
        samples=args.samples,
        backend=args.backend,
        device=args.device,
        standardise=args.standardise,
    )
    _configure_keras(args)
    _check_models([cfg.explain_model], ds, baselines_allowed=True)
    return _run(args, ds, cfg, run_explain_document, print_explain)


def cmd_report(args) -> int:
    from signal_diagnostics.console import print_signal, progress_bar
    from signal_diagnostics.pipeline.assemble import run_report_document
    from signal_diagnostics.pipeline.config import Config
    from signal_diagnostics.pipeline.verdicts.base import warn_permutations

    _check_scale(args)
    if args.budget is not None and args.budget <= 0:
        raise DataError(f"--budget must be a positive number of minutes; got {args.budget:g}")
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise DataError(f"--out {args.out} is a file: give a directory (it is created when missing)")
    ds = _load(args)
    _check_training(args)
    cfg = Config.for_profile(
        "quick" if args.quick else "full",
        budget_minutes=args.budget,
        seed=args.seed,
        models=args.models.split(",") if args.models else None,
        deep=not args.no_deep,
        backend=args.backend,
        device=args.device,
        shuffle_heads=_heads(args),
        reference=args.reference,
        min_updates=args.min_updates,
    )
    cfg.standardise = args.standardise
    ds.check_folds(cfg.folds)
    warn_permutations(cfg.permutations)
    if cfg.deep:
        _configure_keras(args)
        _check_models(cfg.models or [], ds)
    out = Path(args.out)
    with _executor(args, ds, default_cache=out / ".cache") as executor:
        plan = _plan(ds, cfg, executor)
        with progress_bar() as progress:
            doc = run_report_document(ds, cfg, progress=progress, executor=executor, plan=plan)
    _cache_summary(executor)
    from signal_diagnostics.reports import render

    paths = render(doc, out)  # atomic: all files or none
    _write_json(doc, out / "diagnosis.json")
    _write_json(doc, args.json)
    print_signal(doc)
    print(f"report: {paths['html']}")
    return _fail_on(doc, args.fail_on)


def cmd_render(args) -> int:
    from signal_diagnostics.pipeline.document import read_document

    doc = read_document(args.diagnosis)
    from signal_diagnostics.reports import render

    paths = render(doc, Path(args.out))
    print(f"report: {paths['html']}")
    return 0


def _fail_on(doc: dict, level: str | None) -> int:
    if level is None:
        return 0
    order = {"none": 0, "inconclusive": 0, "weak": 1, "strong": 2}
    got = ((doc.get("verdicts") or {}).get("signal") or {}).get("level")
    if got is None or order.get(got, 0) <= order[level]:
        print(f"signal verdict is '{got}', at or below --fail-on {level}", file=sys.stderr)
        return EXIT_FAIL_ON
    return 0


def _write_json(doc: dict, path) -> None:
    if path:
        from signal_diagnostics.pipeline.document import write_document

        write_document(doc, path)


COMMANDS = {
    "datasets": cmd_datasets,
    "models": cmd_models,
    "inspect": cmd_inspect,
    "signal": cmd_signal,
    "compare": cmd_compare,
    "explain": cmd_explain,
    "report": cmd_report,
    "render": cmd_render,
}
