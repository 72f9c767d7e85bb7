"""One run for both faces: the command line and Python reach the same Config through ``prepare``."""

import pytest

from signal_diagnostics.cli import build_parser
from signal_diagnostics.commands import options
from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.run import prepare

DATA = "synthetic:bump?n=40&T=30"


def _cli(*argv: str):
    args = build_parser().parse_args(list(argv))
    return prepare(args.data, args.command, out=getattr(args, "out", None), face="cli", **options(args))


@pytest.mark.parametrize("command", ["signal", "report"])
def test_the_command_line_and_python_start_from_the_same_defaults(command, tmp_path):
    extra = ["--out", str(tmp_path / "r"), "--no-deep"] if command == "report" else []
    python = prepare(DATA, command, out=tmp_path / "r" if extra else None, **({"deep": False} if extra else {}))
    assert _cli(command, DATA, *extra).config == python.config
    if command == "report":
        assert python.config.profile == "full"  # diagnose report's default, and report()'s
        assert python.cache_root == tmp_path / "r" / ".cache"


def test_every_counting_option_of_python_is_a_flag_of_the_report(tmp_path):
    run = _cli(
        "report",
        DATA,
        "--out",
        str(tmp_path),
        "--no-deep",
        "--quick",
        "--folds",
        "3",
        "--repeats",
        "2",
        "--n-permutations",
        "39",
        "--seeds",
        "2",
        "--epochs",
        "4",
        "--random-state",
        "7",
    )
    cfg = run.config
    assert (cfg.folds, cfg.repeats, cfg.n_permutations, cfg.seeds, cfg.epochs, cfg.random_state) == (3, 2, 39, 2, 4, 7)
    assert cfg.profile == "quick"
    python = prepare(
        DATA,
        "report",
        out=tmp_path,
        profile="quick",
        deep=False,
        folds=3,
        repeats=2,
        n_permutations=39,
        seeds=2,
        epochs=4,
        random_state=7,
    )
    assert python.config == cfg


@pytest.mark.parametrize(
    "python, cli, python_says, cli_says",
    [
        ({"folds": 1}, ["--folds", "1"], "folds must be an integer of at least 2; got 1", "--folds must"),
        ({"min_updates": -1}, ["--min-updates", "-1"], "min_updates must be an integer of at least 0", "--min-updates"),
        ({"workers": 0}, ["--workers", "0"], "workers must be a positive integer; got 0", "--workers must"),
        ({"shuffle_heads": ["nope"]}, ["--heads", "nope"], "shuffle_heads: unknown classifier(s) nope", "--heads: "),
    ],
)
def test_a_bad_option_is_refused_in_the_words_of_the_face_that_took_it(python, cli, python_says, cli_says, tmp_path):
    with pytest.raises(DataError) as err:
        prepare(DATA, "report", deep=False, **python)
    assert str(err.value).startswith(python_says) and "--" not in str(err.value)
    with pytest.raises(DataError) as err:
        _cli("report", DATA, "--out", str(tmp_path), "--no-deep", *cli)
    assert str(err.value).startswith(cli_says)


def test_prepare_reads_nothing_and_writes_nothing_when_an_option_is_bad(tmp_path):
    with pytest.raises(DataError, match="unknown option"):
        prepare("missing-file.npz", "report", out=tmp_path / "out", permutation=10)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "level, fail_on, exits",
    [
        ("strong", "weak", False),
        ("weak", "weak", True),
        ("weak", "none", False),
        ("inconclusive", "none", True),
        (None, "none", True),
    ],
)
def test_fail_on_exits_1_at_or_below_the_level_it_names(level, fail_on, exits, capsys):
    from signal_diagnostics.commands import _fail_on

    doc = {"verdicts": {"signal": {"level": level}}} if level else {"verdicts": {}}
    assert _fail_on(doc, fail_on) == (1 if exits else 0)
    assert ("at or below --fail-on" in capsys.readouterr().err) is exits


def test_a_report_training_named_models_on_medium_data_takes_every_core(monkeypatch, tmp_path):
    # 600 x 30 x 6 = 108,000 values: a training unit takes seconds, more than a worker's start
    from signal_diagnostics.models.zoo import bilstm
    from signal_diagnostics.pipeline import resources

    monkeypatch.setattr(resources, "available_cores", lambda: 2)
    medium = "synthetic:bump?n=600&T=30&C=6"
    assert prepare(medium, "report", out=tmp_path, profile="quick").workers == 2
    assert prepare(medium, "compare", models=["bilstm"]).workers == 2
    assert prepare(medium, "report", out=tmp_path, deep=False).workers == 1  # no training: 1M values first
    assert prepare(medium, "signal").workers == 1
    assert prepare(DATA, "report", out=tmp_path, profile="quick").workers == 1  # small data: in-process
    # a builder given as a Python object may not pickle into a worker: the run keeps it in this process
    assert prepare(medium, "report", out=tmp_path, profile="quick", models=[bilstm]).workers == 1
    assert prepare(medium, "report", out=tmp_path, profile="quick", workers=1).workers == 1


@pytest.mark.parametrize("isolate_s, kind", [(0.0, "processes"), (1e9, "inprocess")])
def test_a_long_planned_run_sends_its_units_to_a_worker_process_even_with_one_worker(isolate_s, kind, monkeypatch):
    """So a unit holding the GIL (aeon's numba transform) cannot silence the heartbeat (tests/test_executor.py)."""
    from signal_diagnostics.pipeline import run as run_module
    from signal_diagnostics.pipeline.executor import Executor

    kinds = []
    start = Executor.start
    monkeypatch.setattr(Executor, "start", lambda self: (kinds.append((self.kind, self.n_workers)), start(self))[1])
    monkeypatch.setattr(run_module, "ISOLATE_S", isolate_s)
    run = prepare(DATA, "signal", n_permutations=99, baselines=["chance_prior", "logistic"])
    doc = run.execute()
    assert run.workers == 1 and kinds == [(kind, 1)]
    assert 0 < doc["signal"]["shuffle_test"]["p_value"] <= 1 and doc["cost"]["units"]["baseline:logistic"]["measured_s"]
    # the learning curve ran alone after the baselines (in the worker too) on the best one, and is priced for it
    assert doc["signal"]["learning_curve"]["model"] == doc["signal"]["best_baseline"] == "logistic"
    assert doc["cost"]["units"]["learning_curve"]["model"] == "logistic"


@pytest.mark.parametrize("guarded", [False, True])
def test_a_script_without_a_main_guard_keeps_the_run_in_its_process_and_says_why_workers_cannot_start(
    guarded, tmp_path
):
    """A spawned worker imports the main script again: unguarded, the run would start again inside it and the pool
    break with a traceback. By default such a run stays in this process; asking for workers says why not."""
    import subprocess
    import sys
    import textwrap

    body = textwrap.dedent(
        """
        from signal_diagnostics.errors import DataError
        from signal_diagnostics.pipeline import resources
        from signal_diagnostics.pipeline.run import prepare

        resources.available_cores = lambda: 2
        print("workers", prepare("synthetic:bump?n=1000&T=200&C=6", "signal").workers)  # 1.2M values
        try:
            print("asked", prepare("synthetic:bump?n=40&T=30", "signal", workers=2).workers)
        except DataError as err:
            print("refused:", err)
        """
    )
    if guarded:
        body = 'if __name__ == "__main__":\n' + textwrap.indent(body, "    ")
    script = tmp_path / "study.py"
    script.write_text(body)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    if guarded:
        assert "workers 2" in out.stdout and "asked 2" in out.stdout
    else:
        assert "workers 1" in out.stdout
        assert (
            'refused: workers 2 starts worker processes, which import this script again: put the call under `if __name__ == "__main__":`'
            in out.stdout
        )
