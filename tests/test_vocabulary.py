"""One name per concept on both faces, and one default.

The scikit-learn names where they exist: ``random_state`` (``--random-state``) seeds every random choice,
``n_permutations`` (``--n-permutations``) counts the label shuffles of every permutation test, ``folds``
(``--folds``) are the cross-validation folds. ``seeds`` is another concept (training seeds per fold).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect

import pytest

import signal_diagnostics
from signal_diagnostics.checks.ceiling import bayes_error_bounds
from signal_diagnostics.checks.health import length_leak
from signal_diagnostics.checks.labels import label_issues
from signal_diagnostics.checks.pairs import class_pairs
from signal_diagnostics.cli import build_parser
from signal_diagnostics.cli_options import Renamed
from signal_diagnostics.commands import LIST_FLAGS, PLAIN, RENAMED, options
from signal_diagnostics.pipeline.config import Config
from signal_diagnostics.pipeline.run import prepare

OLD_NAMES = {"seed", "cv", "permutations", "cluster_permutations"}
OLD_FLAGS = {"--" + name.replace("_", "-") for name in OLD_NAMES}
CONFIG_FIELDS = {f.name: f for f in dataclasses.fields(Config)}
DATA = "synthetic:bump?n=40&T=12&start=3&stop=8"


def _public_functions() -> list:
    found = [getattr(signal_diagnostics, n) for n in signal_diagnostics.__all__ if n != "__version__"]
    reachable = [label_issues, class_pairs, bayes_error_bounds, length_leak]
    return [f for f in found + reachable if inspect.isfunction(f)]


@pytest.mark.parametrize("fn", _public_functions(), ids=lambda f: f.__name__)
def test_no_public_function_takes_an_old_name(fn):
    assert OLD_NAMES.isdisjoint(inspect.signature(fn).parameters), fn.__name__


def test_no_config_field_has_an_old_name():
    assert OLD_NAMES.isdisjoint(CONFIG_FIELDS)
    assert {"random_state", "n_permutations", "folds", "seeds"} <= set(CONFIG_FIELDS)


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_no_cli_flag_has_an_old_name():
    for name, parser in _commands().items():
        flags = {s for a in parser._actions if not isinstance(a, Renamed) for s in a.option_strings}
        assert OLD_FLAGS.isdisjoint(flags), name


@pytest.mark.parametrize("old, new", [("--seed", "--random-state"), ("--permutations", "--n-permutations")])
def test_an_old_flag_stops_with_the_new_name(old, new, capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["signal", DATA, old, "3"])
    assert stop.value.code == 2
    assert f"{old} is now {new}" in capsys.readouterr().err


def _field_of(dest: str) -> str | None:
    name = RENAMED.get(dest) or LIST_FLAGS.get(dest) or (dest if dest in PLAIN else None)
    return name if name in CONFIG_FIELDS else None


def test_every_flag_of_a_config_field_defaults_to_the_python_default():
    """A flag's default is None (Config's default applies) or Config's default itself."""
    for command, parser in _commands().items():
        for action in parser._actions:
            field = _field_of(action.dest)
            if field is None or action.default is None:
                continue
            assert action.default == CONFIG_FIELDS[field].default, f"{command} {action.option_strings}"


@pytest.mark.parametrize(
    "argv, python",
    [
        (["signal", DATA], dict(command="signal")),
        (["report", DATA, "--out", "OUT", "--quick", "--no-deep"], dict(command="report", profile="quick", deep=False)),
    ],
)
def test_no_flags_and_no_options_give_the_same_config(argv, python, tmp_path):
    parsed = build_parser().parse_args(argv)
    cli = prepare(DATA, python["command"], face="cli", **options(parsed)).config
    given = {k: v for k, v in python.items() if k != "command"}
    assert cli == prepare(DATA, python["command"], **given).config
