"""The ``diagnose`` command line.

Bad input ends with one line on stderr and exit code 2; ``--debug`` shows the traceback.
No output file is written unless the command succeeds; the one exception is the unit cache
(``--cache DIR``; ``report``: ``OUT/.cache``), which keeps finished units so that running the same
command again resumes where it stopped.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from diagnose.errors import DataError

EXIT_BAD_INPUT = 2
EXIT_FAIL_ON = 1

DESCRIPTION = """\
Does your time-series classification data hold signal, how much, where in time, and do deep
models or attention add anything? Start with `diagnose inspect DATA`, then `diagnose signal DATA`;
`diagnose report DATA --out DIR` runs everything and writes an HTML report.

DATA is a file (.npz with X (n, T, C) and y; long-format .csv/.parquet; UCR/UEA .ts/.arff/.tsv),
aeon:NAME (a dataset shipped with aeon) or synthetic:NAME?key=value (generated, known answers).
`diagnose datasets` lists the built-in ones; `diagnose models` the deep models and how to add your own."""

# The signature a user's model builder must have (--models file.py:fn, compare_models(..., [fn])).
BUILDER_SIGNATURE = "fn(input_shape, n_classes, **hyper) -> keras.Model"


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the description's line breaks and adds "(default: ...)" to every flag whose help does not
    already say its default (flags that are off or unset by default say nothing more)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        unset = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if "default" in text.lower() or not action.option_strings or unset:
            return text
        return text + " (default: %(default)s)"


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: its help shows every flag's default (:class:`HelpFormatter`)."""

    def __init__(self, *args, formatter_class=HelpFormatter, **kwargs) -> None:
        super().__init__(*args, formatter_class=formatter_class, **kwargs)


def _add_data(p: argparse.ArgumentParser, *, optional: bool = False) -> None:
    if optional:
        p.add_argument("data", nargs="?", default=None, help="data source (default: aeon:JapaneseVowels)")
    else:
        p.add_argument("data", help="data source: file, aeon:NAME or synthetic:NAME?key=value")
    g = p.add_argument_group("table columns (long-format .csv/.parquet)")
    g.add_argument("--id-column", default="series_id", help="series id column (default: series_id)")
    g.add_argument("--time-column", default="time", help="column ordering rows within a series, if present (default: time)")
    g.add_argument("--label-column", default="label", help="label column (default: label)")
    g.add_argument("--group-column", default="group", help="group id column for group-aware CV, if present (default: group)")


def _add_compute(p: argparse.ArgumentParser, folds: int = 5) -> None:
    p.add_argument("--json", metavar="FILE", help="write the Diagnosis document (JSON) here")
    p.add_argument("--seed", type=int, default=0, help="seed for every random choice (default: 0)")
    p.add_argument("--folds", type=int, default=folds, help=f"cross-validation folds (default: {folds})")


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
    from diagnose.pipeline.executor import gpu_ids, memory_capped_workers

    if ds.X.size >= AUTO_PARALLEL_VALUES or len(gpu_ids()) > 1:
        return memory_capped_workers(cores(), ds.X.nbytes, len(ds.X))
    return 1


def _add_scale(p: argparse.ArgumentParser, *, cache_default: str) -> None:
    g = p.add_argument_group(
        "scale out and resume",
        "Every independent unit (a baseline, the shuffle test, a training run, an explained model) runs\n"
        "on one executor. The results are identical, number for number, whichever executor runs them.")
    g.add_argument("--workers", type=int, default=None, metavar="N",
                   help=f"local worker processes; 1 runs everything in this process (default: every core, here "
                        f"{cores()}, for data of {AUTO_PARALLEL_VALUES:,} values (series x timesteps x channels) or more "
                        "or with several GPUs, else 1: starting workers costs more than small data saves). "
                        "GPU units run one per GPU. With --scheduler local: the LocalCluster's workers")
    g.add_argument("--scheduler", default=None, metavar="local|tcp://HOST:PORT",
                   help="run the units on Dask: 'local' starts a LocalCluster, tcp://HOST:PORT joins a running "
                        "scheduler (needs: pip install signal-diagnostics[dask])")
    g.add_argument("--cache", metavar="DIR", default=None,
                   help="store each finished unit in DIR and reuse it when the same command runs again on the "
                        f"same data (resume after Ctrl-C or a crash); default: {cache_default}")
    g.add_argument("--no-cache", action="store_true", help="neither read nor write a cache")


def _add_heads(p: argparse.ArgumentParser) -> None:
    p.add_argument("--heads", default=None, metavar="NAMES",
                   help="comma-separated classifiers of the label-shuffle test; the statistic is the best of them, "
                        "chosen inside the test (max-T), so any baseline name may join (default: minirocket,"
                        "summary_ridge,raw_ridge: shapes, per-channel summaries and raw values)")


def _heads(args) -> list[str] | None:
    """The --heads names, refused before any work when one is not a baseline."""
    if not getattr(args, "heads", None):
        return None
    import baselines

    names = [h.strip() for h in args.heads.split(",") if h.strip()]
    unknown = [h for h in names if h not in baselines.available()]
    if unknown or not names:
        raise DataError(f"--heads {args.heads!r}: unknown classifier(s) {', '.join(unknown) or '(none given)'}; "
                        f"use baseline names: {', '.join(baselines.available())}")
    return names


def _add_training(p: argparse.ArgumentParser, *, compare: bool) -> None:
    p.add_argument("--reference", default=None, metavar="MODEL",
                   help="the model every other model is compared with (default: each attention model is compared "
                        "with the model of the same stack without attention, when one ran)")
    p.add_argument("--min-updates", type=int, default=None, metavar="N",
                   help="train every deep model for at least N optimizer updates, raising the epoch cap on small "
                        "data, patience counted in updates (default: 300; --quick: 150)")
    if compare:
        p.add_argument("--baseline", default=None, metavar="NAME",
                       help="a classical baseline to compare the deep models with on the same splits (default: none; "
                            "`diagnose report` uses the best baseline of its signal section)")


def _add_keras(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=["tensorflow", "torch", "jax"], default=None,
                   help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")
    p.add_argument("--device", choices=["auto", "cpu", "gpu"], default="auto",
                   help="auto: a GPU when the backend sees one (default); cpu: hide GPUs; gpu: stop if there is none")


def _configure_keras(args) -> None:
    """Choose the Keras backend and device before anything imports Keras (bad choices exit 2)."""
    from diagnose.models.backend import configure

    configure(args.backend, args.device)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diagnose", description=DESCRIPTION, formatter_class=HelpFormatter)
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks and TensorFlow's start-up and retracing messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_CommandParser)

    sub.add_parser("datasets", help="list the built-in data sources")
    sub.add_parser("models", help=f"list the deep models of the zoo and the builder signature {BUILDER_SIGNATURE}")

    p = sub.add_parser("inspect", help="describe a dataset: series, timesteps, channels, classes, lengths, padding")
    _add_data(p)

    p = sub.add_parser("signal", help="is there signal? baselines, label-shuffle test, learning curve, timestep map, data health")
    _add_data(p)
    _add_compute(p)
    p.add_argument("--repeats", type=int, default=1, help="CV repeats (default: 1)")
    p.add_argument("--permutations", type=int, default=1000, help="label shuffles for the permutation test (default: 1000)")
    p.add_argument("--baselines", default=None, help="comma-separated baseline names (default: all fast ones)")
    p.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    _add_heads(p)
    _add_scale(p, cache_default="none (no cache unless --cache is given)")

    p = sub.add_parser("compare", help="train deep models on the same splits and compare them with paired statistics")
    _add_data(p)
    _add_compute(p)
    p.add_argument("--models", default="bilstm,bilstm_attention",
                   help=f"comma-separated zoo names (`diagnose models` lists them), file.py:fn builders with {BUILDER_SIGNATURE} or trained model.keras files (cloned and retrained)")
    p.add_argument("--seeds", type=int, default=1, help="training seeds per fold (default: 1)")
    p.add_argument("--repeats", type=int, default=1, help="CV repeats (default: 1)")
    p.add_argument("--epochs", type=int, default=30, help="maximum training epochs (early stopping on an inner split)")
    p.add_argument("--units", type=int, default=None, help="LSTM units (default: 256 on GPU, 32 on CPU)")
    p.add_argument("--split", choices=["cv", "original"], default="cv",
                   help="cv: repeated stratified k-fold with corrected paired statistics (default); original: the "
                        "dataset's own train/test split (UCR/UEA, aeon:), each model trained once, McNemar's test")
    _add_training(p, compare=True)
    _add_keras(p)
    _add_scale(p, cache_default="none (no cache unless --cache is given)")

    p = sub.add_parser("explain", help="where do the models look? timestep attributions and their faithfulness")
    _add_data(p)
    _add_compute(p)
    p.add_argument("--model", default="bilstm",
                   help=f"zoo name, baseline name, file.py:fn builder with {BUILDER_SIGNATURE} or a trained model.keras file (explained as it is)")
    p.add_argument("--standardise", choices=["none", "fit"], default="none",
                   help="a trained .keras file's inputs: none, the series as given (default), or fit: per-channel "
                        "standardisation fitted on the training split, as the toolkit trains")
    p.add_argument("--method", default="shap,integrated_gradients,occlusion,attention",
                   help="comma-separated attribution methods: shap (timesteps as Shapley players), integrated_gradients, "
                        "occlusion, attention (the model's own weights, attention models only)")
    p.add_argument("--samples", type=int, default=100, help="held-out series to explain")
    p.add_argument("--epochs", type=int, default=30, help="maximum training epochs of the explained model")
    _add_keras(p)
    _add_scale(p, cache_default="none (no cache unless --cache is given)")

    p = sub.add_parser("report", help="run the whole diagnosis and write report.html, report.md, diagnosis.json")
    _add_data(p, optional=True)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--json", metavar="FILE", help="also write the Diagnosis document here")
    p.add_argument("--seed", type=int, default=0, help="seed for every random choice")
    p.add_argument("--quick", action="store_true",
                   help="the quick profile, a few minutes on a 2-core CPU (default: the full profile, meant for a GPU)")
    p.add_argument("--models", default=None,
                   help="deep models to compare: zoo names, file.py:fn or model.keras (default: the profile's)")
    p.add_argument("--standardise", choices=["none", "fit"], default="none",
                   help="inputs of a trained .keras file when it is explained: none (default) or fit")
    p.add_argument("--budget", type=float, default=None, metavar="MINUTES", help="scale folds, seeds and epochs to this time budget")
    p.add_argument("--no-deep", action="store_true", help="skip deep models and attributions")
    p.add_argument("--fail-on", choices=["none", "weak"], default=None,
                   help="exit 1 when the signal verdict is at or below this level (for CI); 'inconclusive' counts as none")
    _add_heads(p)
    _add_training(p, compare=False)
    _add_keras(p)
    _add_scale(p, cache_default="OUT/.cache (turn off with --no-cache)")

    p = sub.add_parser("render", help="re-render a report from a saved diagnosis.json")
    p.add_argument("diagnosis", help="a diagnosis.json written by --json or report")
    p.add_argument("--out", required=True, help="output directory")
    return parser


def _load(args):
    from diagnose.data.loaders import DEFAULT_SOURCE, load

    return load(args.data or DEFAULT_SOURCE, id_column=args.id_column, time_column=args.time_column,
                label_column=args.label_column, group_column=args.group_column)


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
    from diagnose.pipeline.executor import check_scheduler, require_dask

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
    from diagnose.models.resolve import resolve_all

    resolve_all([m for m in models if m], baselines_allowed=baselines_allowed, input_shape=ds.X.shape[1:],
                n_classes=ds.n_classes)


def _executor(args, ds, default_cache: Path | None = None):
    """The executor the flags ask for, with its cache namespaced by the data's fingerprint.

    Default: in-process, or a local process pool with every core for large data (``default_workers``);
    Dask with --scheduler. No cache unless --cache is given (``report``: OUT/.cache), none with --no-cache.
    """
    from diagnose.pipeline.cache import Cache
    from diagnose.pipeline.executor import Executor

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
    from diagnose.data.loaders import describe_sources

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
            return {ast.literal_eval(k): ast.literal_eval(v.elts[1]) for k, v in zip(node.value.keys, node.value.values)}
    return {}


def cmd_models(args) -> int:
    import baselines

    print("Deep models (Keras 3) for `compare --models`, `explain --model` and `report --models`:")
    _columns(list(zoo_descriptions().items()))
    print(f"\nYour own model: a builder with the signature\n  {BUILDER_SIGNATURE}")
    print("  input_shape is (n_timesteps, n_channels); the model ends in a softmax over n_classes and is returned\n"
          "  uncompiled (training compiles it). On the command line: --models path/to/file.py:fn, called as\n"
          "  fn(input_shape, n_classes). In Python: diagnose.compare_models((X, y), [fn], hyper={...}) also passes\n"
          "  **hyper (e.g. units).")
    print("\nClassical baselines (signal --baselines, explain --model):")
    _columns(list(baselines.available().items()))
    return 0


def cmd_inspect(args) -> int:
    from diagnose.console import print_inspect

    print_inspect(_load(args))
    return 0


def cmd_signal(args) -> int:
    from diagnose.console import print_signal, progress_bar
    from diagnose.pipeline.config import Config
    from diagnose.pipeline.assemble import run_signal_document

    _positive(args, "permutations", "repeats", "folds")
    _check_scale(args)
    ds = _load(args)
    cfg = Config(seed=args.seed, folds=args.folds, repeats=args.repeats, permutations=args.permutations,
                 baselines=args.baselines.split(",") if args.baselines else None, learning_curve=not args.no_curve,
                 shuffle_heads=_heads(args))
    ds.check_folds(cfg.folds)
    with _executor(args, ds) as executor, progress_bar() as progress:
        doc = run_signal_document(ds, cfg, progress=progress, executor=executor)
    _cache_summary(executor)
    print_signal(doc)
    _write_json(doc, args.json)
    return 0


def cmd_compare(args) -> int:
    from diagnose.console import print_compare, progress_bar
    from diagnose.pipeline.config import Config
    from diagnose.pipeline.assemble import run_compare_document

    _positive(args, "seeds", "repeats", "epochs", "folds", "units")
    _check_scale(args)
    _check_training(args)
    if args.baseline is not None:
        import baselines

        if args.baseline not in baselines.available():
            raise DataError(f"--baseline {args.baseline!r} is not a baseline: use one of {', '.join(baselines.available())}")
    ds = _load(args)
    cfg = Config(seed=args.seed, folds=args.folds, repeats=args.repeats, seeds=args.seeds, epochs=args.epochs,
                 models=args.models.split(","), units=args.units, backend=args.backend, device=args.device,
                 split=args.split, reference=args.reference, compare_baseline=args.baseline,
                 **({"min_updates": args.min_updates} if args.min_updates is not None else {}))
    if cfg.split == "cv":
        ds.check_folds(cfg.folds)
    else:
        from diagnose.evaluation.splits import fixed_split

        fixed_split(ds.meta.get("split"))  # refuse data without one before any training
    _configure_keras(args)
    _check_models(cfg.models, ds)
    with _executor(args, ds) as executor, progress_bar() as progress:
        doc = run_compare_document(ds, cfg, progress=progress, executor=executor)
    _cache_summary(executor)
    print_compare(doc)
    _write_json(doc, args.json)
    return 0


def cmd_explain(args) -> int:
    from diagnose.console import print_explain, progress_bar
    from diagnose.pipeline.config import Config
    from diagnose.pipeline.assemble import run_explain_document

    _positive(args, "samples", "epochs", "folds")
    _check_scale(args)
    ds = _load(args)
    cfg = Config(seed=args.seed, folds=args.folds, epochs=args.epochs, explain_model=args.model,
                 methods=args.method.split(","), samples=args.samples, backend=args.backend, device=args.device,
                 standardise=args.standardise)
    _configure_keras(args)
    _check_models([cfg.explain_model], ds, baselines_allowed=True)
    with _executor(args, ds) as executor, progress_bar() as progress:
        doc = run_explain_document(ds, cfg, progress=progress, executor=executor)
    _cache_summary(executor)
    print_explain(doc)
    _write_json(doc, args.json)
    return 0


def cmd_report(args) -> int:
    from diagnose.console import print_signal, progress_bar
    from diagnose.pipeline.config import Config
    from diagnose.pipeline.assemble import run_report_document

    _check_scale(args)
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise DataError(f"--out {args.out} is a file: give a directory (it is created when missing)")
    ds = _load(args)
    _check_training(args)
    cfg = Config.for_profile("quick" if args.quick else "full", budget_minutes=args.budget, seed=args.seed,
                         models=args.models.split(",") if args.models else None, deep=not args.no_deep,
                         backend=args.backend, device=args.device, shuffle_heads=_heads(args),
                         reference=args.reference, min_updates=args.min_updates)
    cfg.standardise = args.standardise
    ds.check_folds(cfg.folds)
    if cfg.deep:
        _configure_keras(args)
        _check_models(cfg.models or [], ds)
    out = Path(args.out)
    with _executor(args, ds, default_cache=out / ".cache") as executor, progress_bar() as progress:
        doc = run_report_document(ds, cfg, progress=progress, executor=executor)
    _cache_summary(executor)
    from reports import render

    paths = render(doc, out)  # atomic: all files or none
    _write_json(doc, out / "diagnosis.json")
    _write_json(doc, args.json)
    print_signal(doc)
    print(f"report: {paths['html']}")
    return _fail_on(doc, args.fail_on)


def cmd_render(args) -> int:
    from diagnose.pipeline.document import read_document

    doc = read_document(args.diagnosis)
    from reports import render

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
        from diagnose.pipeline.document import write_document

        write_document(doc, path)


COMMANDS = {"datasets": cmd_datasets, "models": cmd_models, "inspect": cmd_inspect, "signal": cmd_signal, "compare": cmd_compare,
            "explain": cmd_explain, "report": cmd_report, "render": cmd_render}


def main(argv: list[str] | None = None) -> int:
    from diagnose.pipeline.executor import quiet_openmp

    quiet_openmp()  # before any OpenMP runtime loads: idle threads sleep rather than spin on a busy machine
    parser = build_parser()
    args = parser.parse_args(argv)
    from diagnose.console import filtered_stderr, quiet_run

    if args.debug:
        import os

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")  # --debug: TensorFlow says everything
    try:
        with filtered_stderr(not args.debug), quiet_run(args.debug):
            return COMMANDS[args.command](args)
    except DataError as err:
        if args.debug:
            raise
        print(f"diagnose: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("diagnose: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # anything unexpected: one line unless --debug
        if args.debug:
            raise
        first = str(err).splitlines()[0] if str(err) else ""
        print(f"diagnose: internal error: {type(err).__name__}: {first} (rerun with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
