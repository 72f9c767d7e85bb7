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

# Flags whose value is a comma-separated list, and the option each one sets (signal_diagnostics.pipeline.run)
LIST_FLAGS = {"models": "models", "baselines": "baselines", "heads": "shuffle_heads", "method": "methods"}
# Flags that set an option of another name
RENAMED = {"model": "explain_model", "baseline": "compare_baseline"}
# Flags passed as they are (None: not given, the run's default applies)
PLAIN = (
    "random_state",
    "folds",
    "repeats",
    "n_permutations",
    "seeds",
    "epochs",
    "units",
    "samples",
    "min_updates",
    "reference",
    "rope",
    "backend",
    "device",
    "split",
    "standardise",
    "budget",
    "workers",
    "scheduler",
    "cache",
    "id_column",
    "time_column",
    "label_column",
    "group_column",
    "padding",
    "pad_value",
    "layout",
)


def options(args) -> dict:
    """The parsed flags under the option names :func:`signal_diagnostics.pipeline.run.prepare` takes."""
    given = vars(args)
    out = {k: given[k] for k in PLAIN if given.get(k) is not None}
    out.update({RENAMED[k]: given[k] for k in RENAMED if given.get(k) is not None})
    for flag, name in LIST_FLAGS.items():
        if given.get(flag) is not None:
            out[name] = [v.strip() for v in given[flag].split(",") if v.strip()]
    if given.get("no_curve"):
        out["learning_curve"] = False
    if given.get("no_deep"):
        out["deep"] = False
    if given.get("no_uniform_control"):
        out["uniform_control"] = False
    if given.get("quick"):
        out["profile"] = "quick"
    if given.get("no_cache"):
        if given.get("cache") is not None:
            raise DataError(f"--cache {given['cache']} and --no-cache contradict each other: give one of them")
        out["cache"] = False
    return out


def _prepare(args, command: str, out: Path | None = None):
    from signal_diagnostics.pipeline.run import prepare

    return prepare(args.data, command, out=out, face="cli", **options(args))


def _execute(run) -> dict:
    """Run with progress lines on stderr, then say what the cache gave back."""
    from signal_diagnostics.console import progress_bar

    with progress_bar() as progress:
        doc = run.execute(progress=progress, say=lambda line: print(line, file=sys.stderr, flush=True))
    cache, computed, failed = run.cache_use
    if cache is not None:
        failed = f", {failed} failed (retried next run)" if failed else ""
        print(f"cache {cache.root}: {cache.hits} unit(s) reused, {computed} computed{failed}", file=sys.stderr)
    return doc


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
    from signal_diagnostics.pipeline.run import read_data

    print_inspect(read_data(args.data, options(args)))
    return 0


def _document_command(args, command: str, show) -> int:
    doc = _execute(_prepare(args, command))
    show(doc)
    _write_json(doc, args.json)
    return 0


def cmd_signal(args) -> int:
    from signal_diagnostics.console import print_signal

    return _document_command(args, "signal", print_signal)


def cmd_compare(args) -> int:
    from signal_diagnostics.console import print_compare

    return _document_command(args, "compare", print_compare)


def cmd_explain(args) -> int:
    from signal_diagnostics.console import print_explain

    return _document_command(args, "explain", print_explain)


def cmd_report(args) -> int:
    from signal_diagnostics.console import print_signal
    from signal_diagnostics.reports import render

    out = Path(args.out)
    doc = _execute(_prepare(args, "report", out=out))
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
    from signal_diagnostics.pipeline.verdicts.levels import fails

    if level is not None and fails(doc, level):
        got = ((doc.get("verdicts") or {}).get("signal") or {}).get("level")
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
