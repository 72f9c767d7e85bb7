"""The ``diagnose`` command line.

Bad input ends with one line on stderr and exit code 2; ``--debug`` shows the traceback.
No output file is written unless the command succeeds; the one exception is the unit cache
(``--cache DIR``; ``report``: ``OUT/.cache``), which keeps finished units so that running the same
command again resumes where it stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator

from signal_diagnostics import __version__
from signal_diagnostics.cli_options import (
    DEBUG_HELP,
    CommandParser,
    HelpFormatter,
    add_compute,
    add_data,
    add_heads,
    add_keras,
    add_permutations,
    add_scale,
    add_seeds,
    add_training,
    default_text,
)
from signal_diagnostics.commands import BUILDER_SIGNATURE, COMMANDS, EXIT_BAD_INPUT
from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.verdicts.levels import FAIL_ON_LEVELS

DESCRIPTION = """\
Does your time-series classification data hold signal, how much, where in time, and do deep
models or attention add anything? Start with `diagnose inspect DATA`, then `diagnose signal DATA`;
`diagnose report DATA --out DIR` runs everything and writes an HTML report.

DATA is a file (.npz with X (n, T, C) and y; long-format .csv/.parquet; UCR/UEA .ts/.arff/.tsv),
aeon:NAME (a dataset shipped with aeon) or synthetic:NAME?key=value (generated, known answers).
`diagnose datasets` lists the built-in ones; `diagnose models` the deep models and how to add your own."""


NO_CACHE_DEFAULT = "none (no cache unless --cache is given)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diagnose", description=DESCRIPTION, formatter_class=HelpFormatter)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=CommandParser)
    sub.add_parser("datasets", help="list the built-in data sources")
    sub.add_parser("models", help=f"list the deep models of the zoo and the builder signature {BUILDER_SIGNATURE}")
    p = sub.add_parser("inspect", help="describe a dataset: series, timesteps, channels, classes, lengths, padding")
    add_data(p)
    _add_signal_command(sub)
    _add_compare_command(sub)
    _add_explain_command(sub)
    _add_report_command(sub)
    p = sub.add_parser("render", help="re-render a report from a saved diagnosis.json")
    p.add_argument("diagnosis", help="a diagnosis.json written by --json or report")
    p.add_argument("--out", required=True, help="output directory")
    return parser


def _add_signal_command(sub) -> None:
    p = sub.add_parser(
        "signal", help="is there signal? baselines, label-shuffle test, learning curve, timestep map, data health"
    )
    add_data(p)
    add_compute(p)
    add_permutations(p)
    p.add_argument("--baselines", default=None, help="comma-separated baseline names (default: all fast ones)")
    p.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="MINUTES",
        help="plan the run to fit this many minutes: the permutation tests on a stratified subsample, a cheaper "
        "label head, the baselines on all series where they fit (default: none; the predicted time is said first)",
    )
    add_heads(p)
    add_scale(p, cache_default=NO_CACHE_DEFAULT)


def _add_compare_command(sub) -> None:
    p = sub.add_parser("compare", help="train deep models on the same splits and compare them with paired statistics")
    add_data(p)
    add_compute(p)
    p.add_argument(
        "--models",
        default=None,
        help=f"comma-separated zoo names (`diagnose models` lists them), file.py:fn builders with {BUILDER_SIGNATURE} or trained model.keras files (cloned and retrained) (default: bilstm,bilstm_attention)",
    )
    add_seeds(p)
    p.add_argument("--units", type=int, default=None, help="LSTM units (default: 256 on GPU, 32 on CPU)")
    p.add_argument(
        "--split",
        choices=["cv", "original"],
        default=None,
        help="cv: repeated stratified k-fold with corrected paired statistics (default); original: the "
        "dataset's own train/test split (UCR/UEA, aeon:), each model trained once, McNemar's test",
    )
    add_training(p, compare=True)
    add_keras(p)
    add_scale(p, cache_default=NO_CACHE_DEFAULT)


def _add_explain_command(sub) -> None:
    p = sub.add_parser("explain", help="where do the models look? timestep attributions and their faithfulness")
    add_data(p)
    add_compute(p)
    p.add_argument(
        "--model",
        default=None,
        help=f"zoo name, baseline name, file.py:fn builder with {BUILDER_SIGNATURE} or a trained model.keras file (explained as it is)",
    )
    p.add_argument(
        "--standardise",
        choices=["none", "fit"],
        default=None,
        help="a trained .keras file's inputs: none, the series as given (default), or fit: per-channel "
        "standardisation fitted on the training split, as the toolkit trains",
    )
    p.add_argument(
        "--method",
        default=None,
        help="comma-separated attribution methods: shap (timesteps as Shapley players), integrated_gradients, "
        "occlusion, attention (the model's own weights, attention models only)",
    )
    p.add_argument("--samples", type=int, default=None, help=f"held-out series to explain {default_text('samples')}")
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"maximum training epochs of the explained model {default_text('epochs')}",
    )
    add_keras(p)
    add_scale(p, cache_default=NO_CACHE_DEFAULT)


def _add_report_command(sub) -> None:
    p = sub.add_parser("report", help="run the whole diagnosis and write report.html, report.md, diagnosis.json")
    add_data(p, optional=True)
    p.add_argument("--out", required=True, help="output directory")
    add_compute(p, profile=True)
    add_permutations(p, profile=True)
    add_seeds(p, profile=True)
    _add_report_choices(p)
    add_heads(p)
    add_training(p, compare=False)
    add_keras(p)
    add_scale(p, cache_default="OUT/.cache (turn off with --no-cache)")


def _add_report_choices(p: argparse.ArgumentParser) -> None:
    """The report's own flags: the profile, the models, the budget, what to skip and when to fail."""
    p.add_argument(
        "--quick",
        action="store_true",
        help="the quick profile, a few minutes on a 2-core CPU (default: the full profile, meant for a GPU)",
    )
    p.add_argument(
        "--models",
        default=None,
        help="deep models to compare: zoo names, file.py:fn or model.keras (default: the profile's)",
    )
    p.add_argument(
        "--standardise",
        choices=["none", "fit"],
        default=None,
        help="inputs of a trained .keras file when it is explained: none (default) or fit",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="MINUTES",
        help="scale seeds and epochs to this time budget, and plan the signal units to fit it (permutation "
        "tests on a stratified subsample, a cheaper label head; default: none)",
    )
    p.add_argument("--no-deep", action="store_true", help="skip deep models and attributions")
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON_LEVELS,
        default=None,
        help="exit 1 when the signal verdict is at or below this level (for CI); 'inconclusive' counts as none",
    )


def main(argv: list[str] | None = None) -> int:
    from signal_diagnostics.pipeline.resources import quiet_openmp

    quiet_openmp()  # before any OpenMP runtime loads: idle threads sleep rather than spin on a busy machine
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        import os

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")  # --debug: TensorFlow says everything
    with _failed_sections_shown(args.debug):
        return _dispatch(args)


@contextlib.contextmanager
def _failed_sections_shown(debug: bool) -> Iterator[None]:
    """With ``--debug``, print the traceback of each failed section (logged at DEBUG) on stderr."""
    if not debug:
        yield
        return
    log = logging.getLogger("signal_diagnostics")
    handler = logging.StreamHandler(sys.stderr)  # the stderr of this run (a test's capture included)
    handler.setFormatter(logging.Formatter("diagnose: %(message)s"))
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def _dispatch(args) -> int:
    """Run the command; bad input -> one line and exit 2, unless ``--debug``."""
    from signal_diagnostics.console import filtered_stderr, quiet_run

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
        print(
            f"diagnose: internal error: {type(err).__name__}: {first} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
