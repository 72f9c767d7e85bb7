"""The ``diagnose`` command line's option groups: each adds the flags several subcommands share.

:func:`signal_diagnostics.cli.build_parser` builds one parser per subcommand from these groups; the help text of a
flag lives here once, so every subcommand that takes it says the same.
"""

from __future__ import annotations

import argparse
import dataclasses


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


class CommandParser(argparse.ArgumentParser):
    """A command's parser: its help shows every flag's default (:class:`HelpFormatter`)."""

    def __init__(self, *args, formatter_class=HelpFormatter, **kwargs) -> None:
        super().__init__(*args, formatter_class=formatter_class, **kwargs)
        # --debug after the command too; SUPPRESS keeps the value given before it when absent here
        self.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)


class Renamed(argparse.Action):
    """A flag that was renamed (one name per concept): giving it stops with the new name; hidden from help."""

    def __init__(self, option_strings, dest, *, new: str, **kwargs) -> None:
        super().__init__(
            option_strings, argparse.SUPPRESS, nargs="?", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        self.new = new

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        parser.error(f"{option_string} is now {self.new}")


def add_data(p: argparse.ArgumentParser, *, optional: bool = False) -> None:
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


def default_text(name: str, profile: bool = False) -> str:
    """``(default: X)`` from :class:`~signal_diagnostics.pipeline.config.Config`, the one home of every default
    (``profile``: the report's, which takes its profile's value)."""
    if profile:
        return "(default: the profile's)"
    from signal_diagnostics.pipeline.config import Config

    value = next(f.default for f in dataclasses.fields(Config) if f.name == name)
    return f"(default: {value})"


def add_compute(p: argparse.ArgumentParser, *, profile: bool = False) -> None:
    p.add_argument("--json", metavar="FILE", help="write the Diagnosis document (JSON) here")
    p.add_argument(
        "--random-state",
        type=int,
        default=None,
        metavar="N",
        help=f"seed of every random choice {default_text('random_state')}",
    )
    p.add_argument("--seed", action=Renamed, new="--random-state")
    p.add_argument("--folds", type=int, default=None, help=f"cross-validation folds {default_text('folds', profile)}")
    p.add_argument("--repeats", type=int, default=None, help=f"CV repeats {default_text('repeats', profile)}")


def add_scale(p: argparse.ArgumentParser, *, cache_default: str) -> None:
    from signal_diagnostics.pipeline.resources import AUTO_PARALLEL_VALUES, TRAINING_PARALLEL_VALUES, available_cores

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
        f"({TRAINING_PARALLEL_VALUES:,} when deep models are trained) or with several GPUs, else 1: starting "
        "workers costs more than small data saves). "
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


def add_permutations(p: argparse.ArgumentParser, *, profile: bool = False) -> None:
    p.add_argument(
        "--n-permutations",
        type=int,
        default=None,
        metavar="N",
        help="label shuffles for every permutation test: shuffle test, length leak, cluster windows, class pairs "
        f"{default_text('n_permutations', profile)}; the smallest p is 1/(N+1): below 99 'strong' is out of reach, "
        "below 19 any signal, and the run warns",
    )
    p.add_argument("--permutations", action=Renamed, new="--n-permutations")


def add_seeds(p: argparse.ArgumentParser, *, profile: bool = False) -> None:
    p.add_argument("--seeds", type=int, default=None, help=f"training seeds per fold {default_text('seeds', profile)}")
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"maximum training epochs, early stopping on an inner split {default_text('epochs', profile)}",
    )


def add_heads(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--heads",
        default=None,
        metavar="NAMES",
        help="comma-separated classifiers of the label-shuffle test; the statistic is the best of them, "
        "chosen inside the test (max-T), so any baseline name may join (default: minirocket,"
        "summary_ridge,raw_ridge: shapes, per-channel summaries and raw values); the run's baselines "
        "with the fast ridge path (minirocket, multirocket) join by themselves",
    )


def add_training(p: argparse.ArgumentParser, *, compare: bool) -> None:
    from signal_diagnostics.pipeline.config import DEFAULT_MIN_UPDATES, QUICK_MIN_UPDATES

    # compare has no --quick: its help names no profile
    quick_updates, quick_uniform = ("", "") if compare else (f"; --quick: {QUICK_MIN_UPDATES}", ", off in --quick")
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
        f"data, patience counted in updates (default: {DEFAULT_MIN_UPDATES}{quick_updates})",
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
        f"(the trained-uniform control it is compared with; default: on{quick_uniform})",
    )
    if compare:
        p.add_argument(
            "--baseline",
            default=None,
            metavar="NAME",
            help="a classical baseline to compare the deep models with on the same splits (default: none; "
            "`diagnose report` uses the best baseline of its signal section)",
        )


def add_keras(p: argparse.ArgumentParser) -> None:
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
