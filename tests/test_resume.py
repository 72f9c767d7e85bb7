"""Resumable runs: a report killed mid-way and run again gives the uninterrupted run's Diagnosis and
recomputes none of the units that had finished; corrupt entries are recomputed; --no-cache writes none."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from signal_diagnostics.cli import main
from signal_diagnostics.pipeline.document import TIMING_KEYS, without_timing

DATA = "synthetic:bump?n=60&T=20&start=5&stop=12"
REPORT = ["report", DATA, "--quick", "--no-deep", "--workers", "1"]
CLI = "import sys; from signal_diagnostics.cli import main; sys.exit(main(sys.argv[1:]))"
SUMMARY = re.compile(r"cache .*: (\d+) unit\(s\) reused, (\d+) computed")
# One thread per library: the numbers do not depend on it, but on a busy 2-core machine OpenMP
# pools fighting over the cores make these runs many times slower.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _command(out, *extra):
    return [sys.executable, "-c", CLI, *REPORT, "--out", str(out), *extra]


def _entries(cache_dir):
    return sorted(cache_dir.rglob("*.json")) if cache_dir.exists() else []


@pytest.fixture(scope="module")
def uninterrupted_run(tmp_path_factory):
    """An uninterrupted report with --no-cache, started first and left running beside the killed one."""
    out = tmp_path_factory.mktemp("whole") / "report"
    proc = subprocess.Popen(
        _command(out, "--no-cache"), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    yield out, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def uninterrupted(uninterrupted_run):
    """The uninterrupted report's output folder, once it has finished."""
    out, proc = uninterrupted_run
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


@pytest.fixture(scope="module")
def resumed(tmp_path_factory, uninterrupted_run):
    """A report SIGKILLed once its cache holds a finished unit, then run again with the same arguments."""
    out = tmp_path_factory.mktemp("killed") / "report"
    cache = out / ".cache"
    proc = subprocess.Popen(
        _command(out), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 240
    while not _entries(cache) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # its own session: the run and anything it started
    proc.wait()
    finished = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in _entries(cache)}
    killed = {
        "returncode": proc.returncode,
        "diagnosis_written": (out / "diagnosis.json").exists(),
        "finished": finished,
    }
    again = subprocess.run(_command(out), env=ENV, capture_output=True, text=True, timeout=300)
    return out, killed, again


def test_the_first_run_was_killed_mid_way(resumed):
    _, killed, _ = resumed
    assert killed["returncode"] == -signal.SIGKILL
    assert not killed["diagnosis_written"]
    assert len(killed["finished"]) >= 1


def test_resumed_report_equals_the_uninterrupted_one(resumed, uninterrupted):
    out, _, again = resumed
    assert again.returncode == 0, again.stderr
    got = json.loads((out / "diagnosis.json").read_text())
    want = json.loads((uninterrupted / "diagnosis.json").read_text())
    assert without_timing(got) == without_timing(want)
    assert got["errors"] == {}
    assert (out / "report.html").exists()


def test_resumed_report_recomputes_no_finished_unit(resumed):
    out, killed, again = resumed
    for path, (inode, mtime) in killed["finished"].items():  # never rewritten
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == (inode, mtime)
    reused, computed = map(int, SUMMARY.search(again.stderr).groups())
    assert reused == len(killed["finished"])
    assert reused + computed == len(_entries(out / ".cache"))
    assert computed >= 1


def test_no_cache_writes_no_cache(uninterrupted):
    assert (uninterrupted / "diagnosis.json").exists()
    assert not (uninterrupted / ".cache").exists()


SIGNAL = [
    "signal",
    DATA,
    "--baselines",
    "chance_prior,logistic",
    "--n-permutations",
    "19",
    "--no-curve",
    "--folds",
    "3",
    "--workers",
    "1",
]


@pytest.fixture
def one_thread():
    """Single-threaded BLAS / OpenMP in this process (identical numbers; much faster on a busy machine)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def test_corrupt_cache_entries_are_recomputed(tmp_path, capsys, one_thread):
    cache = tmp_path / "cache"
    assert main([*SIGNAL, "--cache", str(cache), "--json", str(tmp_path / "a.json")]) == 0
    entries = _entries(cache)
    assert len(entries) == 7  # shuffle test, 2 baselines, ceiling, timestep map, label issues, class pairs
    damaged = json.loads(entries[0].read_text())
    damaged["value"] = {"tampered": True}  # still JSON, but its checksum no longer matches
    entries[0].write_text(json.dumps(damaged))
    entries[1].write_text('{"key": {"task"')  # a truncated write
    capsys.readouterr()
    assert main([*SIGNAL, "--cache", str(cache), "--json", str(tmp_path / "b.json")]) == 0
    assert SUMMARY.search(capsys.readouterr().err).groups() == ("5", "2")
    first, second = (json.loads((tmp_path / f"{n}.json").read_text()) for n in "ab")
    assert without_timing(second) == without_timing(first)


def test_without_timing_drops_every_timing_key_and_nothing_else():
    doc = {
        "signal": {
            "shuffle_test": {"p_value": 0.01, "seconds": 1.5},
            "baselines": [{"name": "logistic", "fit_seconds": 0.2, "extra": {"predict_seconds": 0.1}}],
        },
        "deep": {"models": [{"train_seconds": 3.0, "fit_seconds": 3.0, "balanced_accuracy": 0.9}]},
    }
    stripped = without_timing(doc)
    assert stripped == {
        "signal": {"shuffle_test": {"p_value": 0.01}, "baselines": [{"name": "logistic", "extra": {}}]},
        "deep": {"models": [{"balanced_accuracy": 0.9}]},
    }
    assert "seconds" in TIMING_KEYS and doc["signal"]["shuffle_test"]["seconds"] == 1.5  # the input is untouched
