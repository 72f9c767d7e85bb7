"""The ``diagnose`` command line.

Bad input ends with one line on stderr and exit code 2; ``--debug`` shows the traceback.
No output file is written unless the command succeeds; the one exception is the unit cache
(``--cache DIR``; ``report``: ``OUT/.cache``), which keeps finished units so that running the same
command again resumes where it stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import sys
from collections.abc import Iterator

from signal_diagnostics import __version__
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


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the description's line breaks and adds "(default: ...)" to every flag whose help does not
    already say its default (flags that are off or unset by default say nothing more)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        unset = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if "default" in text.lower() or not action.option_strings or unset:
            return text
        return text + " (default: %(default)s)"


DEBUG_HELP = (
    "show tracebacks and TensorFlow's start-up and retracing messages, given anywhere on the line (default: off)"
)


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: its help shows every flag's default (:class:`HelpFormatter`)."""

    def __init__(self, *args, formatter_class=HelpFormatter, **kwargs) -> None:
        super().__init__(*args, formatter_class=formatter_class, **kwargs)
        # --debug after the command too; SUPPRESS keeps the value given before it when absent here
        self.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)


def _add_data(p: argparse.ArgumentParser, *, optional: bool = False) -> None:
    if optional:
        p.add_argument("data", nargs="?", default=None, help="data source (default: aeon:JapaneseVowels)")
    else:
        p.add_argument("data", help="data source: file, aeon:NAME or synthetic:NAME?key=value")
    g = p.add_argument_group("table columns (long-format .csv/.parquet)")
    g.add_argument("--id-column", default="series_id", help="series id column (default: series_id)")
    g.add_argument(
        "--time-column", default="time", help="column ordering rows within a series, if present (default: time)"
    )
    g.add_argument("--label-column", default="label", help="label column (default: label)")
    g.add_argument(
        "--group-column", default="group", help="group id column for group-aware CV, if present (default: group)"
    )
    g = p.add_argument_group("padding and layout (arrays without lengths, e.g. .npz)")
    g.add_argument(
        "--padding",
        choices=("auto", "pre", "post", "none"),
        default="auto",
        help="where series are padded: auto finds the side, none reads every step as real (default: auto)",
    )
    g.add_argument(
        "--pad-value",
        type=float,
        default=None,
        metavar="V",
        help="the pad value (default: inferred, 0 or a value such as -999 filling whole edge steps)",
    )
    g.add_argument(
        "--layout",
        choices=("ntc", "nct"),
        default=None,
        help="X's axis order: ntc (n, timesteps, channels) or nct (transposed once); "
        "needed when X looks transposed (default: ntc, refusing X that looks transposed)",
    )


def _default(name: str, profile: bool = False) -> str:
    """``(default: X)`` from :class:`~signal_diagnostics.pipeline.config.Config`, the one home of every default
    (``profile``: the report's, which takes its profile's value)."""
    if profile:
        return "(default: the profile's)"
    from signal_diagnostics.pipeline.config import Config

    value = next(f.default for f in dataclasses.fields(Config) if f.name == name)
    return f"(default: {value})"


def _add_compute(p: argparse.ArgumentParser, *, profile: bool = False) -> None:
    p.add_argument("--json", metavar="FILE", help="write the Diagnosis document (JSON) here")
    p.add_argument("--seed", type=int, default=None, help=f"seed for every random choice {_default('seed')}")
    p.add_argument("--folds", type=int, default=None, help=f"cross-validation folds {_default('folds', profile)}")
    p.add_argument("--repeats", type=int, default=None, help=f"CV repeats {_default('repeats', profile)}")


def _add_scale(p: argparse.ArgumentParser, *, cache_default: str) -> None:
    from signal_diagnostics.pipeline.resources import AUTO_PARALLEL_VALUES, available_cores

    g = p.add_argument_group(
        "scale out and resume",
        "Every independent unit (a baseline, the shuffle test, a training run, an explained model) runs\n"
        "on one executor. The results are identical, number for number, whichever executor runs them.",
    )
    g.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help=f"local worker processes; 1 runs everything in this process (default: every core, here "
        f"{available_cores()}, for data of {AUTO_PARALLEL_VALUES:,} values (series x timesteps x channels) or more "
        "or with several GPUs, else 1: starting workers costs more than small data saves). "
        "GPU units run one per GPU. With --scheduler local: the LocalCluster's workers",
    )
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="local|tcp://HOST:PORT",
        help="run the units on Dask: 'local' starts a LocalCluster, tcp://HOST:PORT joins a running "
        "scheduler (needs: pip install signal-diagnostics[dask])",
    )
    g.add_argument(
        "--cache",
        metavar="DIR",
        default=None,
        help="store each finished unit in DIR and reuse it when the same command runs again on the "
        f"same data (resume after Ctrl-C or a crash); default: {cache_default}",
    )
    g.add_argument("--no-cache", action="store_true", help="neither read nor write a cache")


def _add_permutations(p: argparse.ArgumentParser, *, profile: bool = False) -> None:
    p.add_argument(
        "--permutations",
        type=int,
        default=None,
        help="label shuffles for every permutation test: shuffle test, length leak, cluster windows, class pairs "
        f"{_default('permutations', profile)}; the smallest p is 1/(N+1): below 99 'strong' is out of reach, below "
        "19 any signal, and the run warns",
    )


def _add_seeds(p: argparse.ArgumentParser, *, profile: bool = False) -> None:
    p.add_argument("--seeds", type=int, default=None, help=f"training seeds per fold {_default('seeds', profile)}")
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"maximum training epochs, early stopping on an inner split {_default('epochs', profile)}",
    )


def _add_heads(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--heads",
        default=None,
        metavar="NAMES",
        help="comma-separated classifiers of the label-shuffle test; the statistic is the best of them, "
        "chosen inside the test (max-T), so any baseline name may join (default: minirocket,"
        "summary_ridge,raw_ridge: shapes, per-channel summaries and raw values); the run's baselines "
        "with the fast ridge path (minirocket, multirocket) join by themselves",
    )


def _add_training(p: argparse.ArgumentParser, *, compare: bool) -> None:
    from signal_diagnostics.pipeline.config import DEFAULT_MIN_UPDATES, QUICK_MIN_UPDATES

    p.add_argument(
        "--reference",
        default=None,
        metavar="MODEL",
        help="the model every other model is compared with (default: each attention model is compared "
        "with the model of the same stack without attention, when one ran)",
    )
    p.add_argument(
        "--min-updates",
        type=int,
        default=None,
        metavar="N",
        help="train every deep model for at least N optimizer updates, raising the epoch cap on small "
        f"data, patience counted in updates (default: {DEFAULT_MIN_UPDATES}; --quick: {QUICK_MIN_UPDATES})",
    )
    p.add_argument(
        "--rope",
        type=float,
        default=None,
        metavar="POINTS",
        help="region of practical equivalence of the model comparisons, in percentage points of the metric: "
        "two models whose difference is shown to lie within +-POINTS are called equivalent "
        "(default: 1, i.e. +-0.01; 0 < POINTS < 50)",
    )
    p.add_argument(
        "--no-uniform-control",
        action="store_true",
        help="do not train each attention model a second time with its attention weights frozen to uniform "
        "(the trained-uniform control it is compared with; default: on, off in --quick)",
    )
    if compare:
        p.add_argument(
            "--baseline",
            default=None,
            metavar="NAME",
            help="a classical baseline to compare the deep models with on the same splits (default: none; "
            "`diagnose report` uses the best baseline of its signal section)",
        )


def _add_keras(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        choices=["tensorflow", "torch", "jax"],
        default=None,
        help="Keras backend (default: $KERAS_BACKEND, else tensorflow)",
    )
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "gpu"],
        default="auto",
        help="auto: a GPU when the backend sees one (default); cpu: hide GPUs; gpu: stop if there is none",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diagnose", description=DESCRIPTION, formatter_class=HelpFormatter)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_CommandParser)

    sub.add_parser("datasets", help="list the built-in data sources")
    sub.add_parser("models", help=f"list the deep models of the zoo and the builder signature {BUILDER_SIGNATURE}")

    p = sub.add_parser("inspect", help="describe a dataset: series, timesteps, channels, classes, lengths, padding")
    _add_data(p)

    p = sub.add_parser(
        "signal", help="is there signal? baselines, label-shuffle test, learning curve, timestep map, data health"
    )
    _add_data(p)
    _add_compute(p)
    _add_permutations(p)
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
    _add_heads(p)
    _add_scale(p, cache_default="none (no cache unless --cache is given)")

    p = sub.add_parser("compare", help="train deep models on the same splits and compare them with paired statistics")
    _add_data(p)
    _add_compute(p)
    p.add_argument(
        "--models",
        default=None,
        help=f"comma-separated zoo names (`diagnose models` lists them), file.py:fn builders with {BUILDER_SIGNATURE} or trained model.keras files (cloned and retrained) (default: bilstm,bilstm_attention)",
    )
    _add_seeds(p)
    p.add_argument("--units", type=int, default=None, help="LSTM units (default: 256 on GPU, 32 on CPU)")
    p.add_argument(
        "--split",
        choices=["cv", "original"],
        default=None,
        help="cv: repeated stratified k-fold with corrected paired statistics (default); original: the "
        "dataset's own train/test split (UCR/UEA, aeon:), each model trained once, McNemar's test",
    )
    _add_training(p, compare=True)
    _add_keras(p)
    _add_scale(p, cache_default="none (no cache unless --cache is given)")

    p = sub.add_parser("explain", help="where do the models look? timestep attributions and their faithfulness")
    _add_data(p)
    _add_compute(p)
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
    p.add_argument("--samples", type=int, default=None, help=f"held-out series to explain {_default('samples')}")
    p.add_argument(
        "--epochs", type=int, default=None, help=f"maximum training epochs of the explained model {_default('epochs')}"
    )
    _add_keras(p)
    _add_scale(p, cache_default="none (no cache unless --cache is given)")

    p = sub.add_parser("report", help="run the whole diagnosis and write report.html, report.md, diagnosis.json")
    _add_data(p, optional=True)
    p.add_argument("--out", required=True, help="output directory")
    _add_compute(p, profile=True)
    _add_permutations(p, profile=True)
    _add_seeds(p, profile=True)
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
    _add_heads(p)
    _add_training(p, compare=False)
    _add_keras(p)
    _add_scale(p, cache_default="OUT/.cache (turn off with --no-cache)")

    p = sub.add_parser("render", help="re-render a report from a saved diagnosis.json")
    p.add_argument("diagnosis", help="a diagnosis.json written by --json or report")
    p.add_argument("--out", required=True, help="output directory")
    return parser


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
