"""The command line: teaching help, inspect, and bad input -> exit 2, one line, no traceback, no file."""

import subprocess
import sys

import numpy as np
import pytest

from signal_diagnostics.cli import main


def _npz(tmp_path, name="d.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


def _good_arrays(n=40, T=10, C=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, T, C)), np.array([0, 1] * (n // 2))


def test_help_names_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("datasets", "inspect", "signal", "compare", "explain", "report", "render"):
        assert command in out
    assert "aeon:NAME" in out and "synthetic:NAME" in out


def test_datasets_lists_the_shipped_and_generated_sources(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "aeon:JapaneseVowels" in out and "synthetic:imbalanced" in out


def test_inspect_japanese_vowels(capsys):
    assert main(["inspect", "aeon:JapaneseVowels"]) == 0
    out = capsys.readouterr().out
    assert "640" in out and "7 to 29" in out
    assert "channels" in out and "12" in out
    assert out.count("\n") > 10  # the class table lists all 9 classes


def _bad_cases(tmp_path):
    X, y = _good_arrays()
    Xnan = X.copy()
    Xnan[3, 4, 1] = np.nan
    tiny = np.array([0] * 38 + [1, 1])
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"\x00garbage")
    csv = tmp_path / "t.csv"
    csv.write_text("series_id,time,target,a\n1,0,x,0.5\n")
    return {
        "wrong ndim": ([_npz(tmp_path, "a.npz", X=np.ones((4, 3, 2, 1)), y=[0, 1, 0, 1])], "3 dimensions"),
        "length mismatch": ([_npz(tmp_path, "b.npz", X=X, y=y[:-1])], "40 series but y has 39"),
        "nan": ([_npz(tmp_path, "c.npz", X=Xnan, y=y)], "NaN or infinite"),
        "non-numeric": ([_npz(tmp_path, "d.npz", X=np.array([["a", "b"], ["c", "d"]]), y=[0, 1])], "numeric"),
        "empty": ([_npz(tmp_path, "e.npz", X=np.ones((0, 5, 1)), y=np.array([]))], "empty"),
        "one class": ([_npz(tmp_path, "f.npz", X=X, y=np.zeros(40))], "only one class"),
        "small class": ([_npz(tmp_path, "g.npz", X=X, y=tiny), "--folds", "5"], "fewer than 5 series ('1'"),
        "object arrays": (
            [_npz(tmp_path, "h.npz", X=np.array([np.ones(2), np.ones(3)], dtype=object), y=[0, 1])],
            "pickled",
        ),
        "missing arrays": ([_npz(tmp_path, "i.npz", data=X)], "lacks array(s) X, y; found: data"),
        "missing columns": ([str(csv)], "no label column 'label'; found columns: series_id, time, target, a"),
        "corrupt file": ([str(corrupt)], "cannot read corrupt.npz"),
        "unknown dataset": (["aeon:Foo"], "unknown aeon dataset 'Foo'"),
        "unknown scheme": (["s3:bucket/x"], "unknown source scheme 's3:'"),
        "missing file": ([str(tmp_path / "nope.npz")], "no such file"),
    }


CASES = [
    "wrong ndim",
    "length mismatch",
    "nan",
    "non-numeric",
    "empty",
    "one class",
    "small class",
    "object arrays",
    "missing arrays",
    "missing columns",
    "corrupt file",
    "unknown dataset",
    "unknown scheme",
    "missing file",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(case, tmp_path, capsys):
    args, expected = _bad_cases(tmp_path)[case]
    out_json = tmp_path / "out" / "diagnosis.json"
    code = main(["signal", *args, "--json", str(out_json), "--n-permutations", "9"])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out_json.exists() and not out_json.parent.exists()


def test_bad_numbers_on_the_command_line_exit_2(capsys):
    assert main(["signal", "synthetic:noise", "--n-permutations", "0"]) == 2
    assert "--n-permutations must be an integer of at least 1; got 0" in capsys.readouterr().err


def test_report_on_bad_input_leaves_no_directory(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", "aeon:Nope", "--out", str(out), "--quick"]) == 2
    assert not out.exists()


def test_render_refuses_a_file_that_is_not_a_diagnosis(tmp_path, capsys):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    assert main(["render", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "not a Diagnosis document" in capsys.readouterr().err


def test_console_script_runs_as_a_module_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "signal_diagnostics", "inspect", "aeon:Nope"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("diagnose: error: unknown aeon dataset")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "argv",
    [["--debug", "inspect", "aeon:Nope"], ["inspect", "aeon:Nope", "--debug"], ["inspect", "--debug", "aeon:Nope"]],
)
def test_debug_flag_anywhere_on_the_line_shows_the_traceback(argv):
    from signal_diagnostics import DataError

    with pytest.raises(DataError):
        main(argv)


def test_without_debug_bad_input_is_one_line(capsys):
    assert main(["inspect", "aeon:Nope"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("debug", [True, False])
def test_a_failed_section_s_traceback_is_printed_with_debug_only(debug, monkeypatch, tmp_path, capsys):
    from signal_diagnostics.checks import health

    def broken(*args, **kwargs):
        raise RuntimeError("health exploded")

    monkeypatch.setattr(health, "health_checks", broken)
    argv = ["signal", "synthetic:bump?n=40&T=12&start=3&stop=8", "--folds", "2", "--n-permutations", "19"]
    argv += ["--json", str(tmp_path / "d.json")] + (["--debug"] if debug else [])
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert ("section health failed" in err and "Traceback" in err and "health exploded" in err) is debug
    assert "RuntimeError: health exploded" in (tmp_path / "d.json").read_text()


def test_version_prints_the_package_version(capsys):
    from signal_diagnostics import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"diagnose {__version__}"


# --- scale out and resume: --workers, --scheduler, --cache, --no-cache ----------------------------

SCALE_COMMANDS = ["signal", "compare", "explain", "report"]
BAD_SCALE_FLAGS = {
    "no workers": (["--workers", "0"], "--workers must be a positive integer; got 0"),
    "bad scheduler": (["--scheduler", "localhost:8786"], "--scheduler must be 'local' or tcp://HOST:PORT"),
    "both cache flags": (["--cache", "{tmp}/c", "--no-cache"], "contradict each other"),
    "cache is a file": (["--cache", "{tmp}/file.txt"], "is a file: give a directory"),
}


@pytest.mark.parametrize("command", SCALE_COMMANDS)
def test_every_computing_command_documents_the_scale_flags(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    for flag in ("--workers N", "--scheduler", "--cache DIR", "--no-cache"):
        assert flag in out
    assert ("OUT/.cache" if command == "report" else "no cache unless --cache") in " ".join(out.split())


@pytest.mark.parametrize("command", SCALE_COMMANDS)
@pytest.mark.parametrize("case", list(BAD_SCALE_FLAGS))
def test_bad_scale_flags_exit_2_with_one_line_and_write_nothing(command, case, tmp_path, capsys):
    (tmp_path / "file.txt").write_text("not a directory")
    flags, expected = BAD_SCALE_FLAGS[case]
    flags = [f.format(tmp=tmp_path) for f in flags]
    out = tmp_path / "out"
    target = ["--out", str(out)] if command == "report" else ["--json", str(out / "d.json")]
    code = main([command, "synthetic:bump?n=20&T=10&start=2&stop=6", *target, *flags])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / "c").exists()


def test_scheduler_without_dask_names_the_extra(monkeypatch, tmp_path, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in ("dask", "distributed") else real(name, *a)
    )
    code = main(["signal", "synthetic:noise", "--scheduler", "local", "--json", str(tmp_path / "d.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert "install signal-diagnostics[dask]" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "d.json").exists()


@pytest.mark.parametrize("command", ["compare", "explain", "report"])
def test_asking_for_a_gpu_where_none_is_visible_exits_2_and_writes_nothing(command, monkeypatch, tmp_path, capsys):
    from signal_diagnostics.models import backend

    monkeypatch.setattr(backend, "device", lambda: "cpu")
    out = tmp_path / "out"
    args = [command, "synthetic:bump?n=40&T=30", "--device", "gpu"]
    args += ["--out", str(out)] if command == "report" else ["--json", str(tmp_path / "d.json")]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sees no GPU" in err[0]
    assert not out.exists() and not (tmp_path / "d.json").exists()


def test_original_split_on_data_without_one_exits_2(tmp_path, capsys):
    assert main(["compare", "synthetic:bump?n=40&T=30", "--split", "original", "--json", str(tmp_path / "d.json")]) == 2
    assert "no original train/test split" in capsys.readouterr().err
    assert not (tmp_path / "d.json").exists()


# --- the parser, built from shared option groups (cli_options) ------------------------------------

DATA_FLAGS = {
    "--id-column",
    "--time-column",
    "--label-column",
    "--group-column",
    "--padding",
    "--pad-value",
    "--layout",
}
COMPUTE_FLAGS = {"--json", "--random-state", "--folds", "--repeats"}
SCALE_FLAGS = {"--workers", "--scheduler", "--cache", "--no-cache"}
KERAS_FLAGS = {"--backend", "--device"}
TRAINING_FLAGS = {"--reference", "--min-updates", "--rope", "--no-uniform-control"}
FLAGS = {
    "datasets": set(),
    "models": set(),
    "inspect": DATA_FLAGS,
    "signal": DATA_FLAGS
    | COMPUTE_FLAGS
    | SCALE_FLAGS
    | {"--n-permutations", "--baselines", "--no-curve", "--budget", "--heads"},
    "compare": DATA_FLAGS
    | COMPUTE_FLAGS
    | SCALE_FLAGS
    | KERAS_FLAGS
    | TRAINING_FLAGS
    | {"--models", "--seeds", "--epochs", "--units", "--split", "--baseline"},
    "explain": DATA_FLAGS
    | COMPUTE_FLAGS
    | SCALE_FLAGS
    | KERAS_FLAGS
    | {"--model", "--standardise", "--method", "--samples", "--epochs"},
    "report": DATA_FLAGS
    | COMPUTE_FLAGS
    | SCALE_FLAGS
    | KERAS_FLAGS
    | TRAINING_FLAGS
    | {"--out", "--n-permutations", "--seeds", "--epochs", "--quick", "--models", "--standardise", "--budget"}
    | {"--no-deep", "--fail-on", "--heads"},
    "render": {"--out"},
}


def _help(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", list(FLAGS))
def test_each_command_takes_exactly_its_flags(command, capsys):
    import re

    shown = set(re.findall(r"^\s+(--[a-z][a-z-]*)", _help(command, capsys), re.M))
    assert shown == FLAGS[command] | {"--debug"}  # and -h, --help


def test_a_shared_flag_reads_the_same_in_every_command(capsys):
    """The table-column and padding flags come from one group: their help is word for word the same."""

    def group(command: str) -> str:
        blocks = _help(command, capsys).split("\n\n")
        return " ".join(" ".join(b.split()) for b in blocks if b.startswith(("table columns", "padding and layout")))

    texts = {command: group(command) for command in ("inspect", "signal", "compare", "explain", "report")}
    assert "--pad-value V" in texts["inspect"]
    assert len(set(texts.values())) == 1, texts


def test_each_command_s_help_names_only_flags_it_takes():
    import argparse
    import re

    from signal_diagnostics.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        flags = {s for a in parser._actions for s in a.option_strings}
        named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", parser.format_help()))
        if name == "render":
            named.discard("--json")  # its input is "a diagnosis.json written by --json or report"
        assert named <= flags, (name, sorted(named - flags))
