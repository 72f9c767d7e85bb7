"""A quiet, informative console: progress lines off a terminal, one-line warnings, help with defaults."""

import argparse
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from signal_diagnostics.cli import build_parser, main
from signal_diagnostics.commands import BUILDER_SIGNATURE, zoo_descriptions
from signal_diagnostics.console import ProgressLines, WarningDisplay
from signal_diagnostics.errors import DataWarning

ROOT = Path(__file__).resolve().parents[1]
MASK_TEXT = (
    "Layer '{}' (of type Flatten) was passed an input with a mask attached to it. However, this layer does "
    "not support masking and will therefore destroy the mask information. Downstream layers will not see the mask."
)


def test_progress_shows_as_plain_lines_when_stderr_is_piped():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "signal_diagnostics",
            "signal",
            "synthetic:bump?n=40&T=12&start=3&stop=6",
            "--n-permutations",
            "9",
            "--baselines",
            "chance_prior,logistic",
            "--no-curve",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert any(re.fullmatch(r"\[\s*\d+\.\d s\] baselines: 0/2", line) for line in lines), proc.stderr
    assert any(re.fullmatch(r"\[\s*\d+\.\d s\] baselines: 2/2 done", line) for line in lines), proc.stderr
    assert "\x1b[" not in proc.stderr  # no terminal control codes in a log


def test_progress_lines_are_throttled_per_task_but_keep_start_and_end():
    out = io.StringIO()
    clock = iter([0.25 * i for i in range(200)]).__next__  # one call every 0.25 s
    show = ProgressLines(out, every=5.0, clock=clock)
    for done in range(101):
        show(done, 100, "label-shuffle test")
    shown = [int(re.search(r": (\d+)/100", line).group(1)) for line in out.getvalue().splitlines()]
    assert shown == [0, 20, 40, 60, 80, 100]  # the start, one line per 5 s, the end
    assert out.getvalue().splitlines()[-1] == "[   25.2 s] label-shuffle test: 100/100 done"


def test_the_keras_mask_warning_is_shown_once_and_prominently():
    err = io.StringIO()
    display = WarningDisplay(err)
    for name in ("flatten", "flatten_1", "flatten_2"):
        display.show(UserWarning(MASK_TEXT.format(name)), UserWarning, "layer.py", 1)
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("diagnose: WARNING: a Keras Flatten layer") and "padded steps" in lines[0]


def test_retracing_warnings_are_hidden_and_data_warnings_take_one_line():
    err = io.StringIO()
    display = WarningDisplay(err)
    display.show(
        UserWarning("5 out of the last 5 calls to <function f> triggered tf.function retracing."),
        UserWarning,
        "x.py",
        1,
    )
    display.show(DataWarning("y is (n, 3) one-hot: converted"), DataWarning, "dataset.py", 70)
    assert err.getvalue() == "diagnose: warning: y is (n, 3) one-hot: converted\n"


def test_the_cli_shows_data_warnings_in_one_line(tmp_path, capsys):
    import numpy as np

    path = tmp_path / "onehot.npz"
    np.savez(path, X=np.random.default_rng(0).standard_normal((12, 6, 2)), y=np.eye(2)[np.arange(12) % 2])
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["inspect", str(path)]) == 0
    err = capsys.readouterr().err
    assert "diagnose: warning: y is (n, 2) one-hot: converted to class codes 0..1" in err
    assert "warnings.warn" not in err


def test_models_lists_the_zoo_and_the_builder_signature(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert BUILDER_SIGNATURE == "fn(input_shape, n_classes, **hyper) -> keras.Model"
    assert BUILDER_SIGNATURE in out
    assert {"bilstm", "bilstm_attention", "transformer"} <= set(zoo_descriptions())
    for name in zoo_descriptions():
        assert re.search(rf"^\s+{name}\s+\S", out, re.M)
    assert "minirocket" in out  # the baselines too


def _subparsers(parser):
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_flag_with_a_default_says_it_in_its_help():
    for name, sub in _subparsers(build_parser()).items():
        text = " ".join(sub.format_help().split())
        for action in sub._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS or "-h" in action.option_strings:
                continue
            assert action.help, f"{name} {action.option_strings[0]} has no help"
            if action.default is not None and action.default is not False:
                shown = sub._get_formatter()._get_help_string(action) % {**vars(action), "default": action.default}
                assert "default" in shown.lower(), f"{name} {action.option_strings[0]}: {shown}"
        assert "%(default)" not in text


def test_datasets_prints_clean_text_not_rst(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "``" not in out and "┃" not in out and "│" not in out
    assert re.search(r"^\s+synthetic:bump\s+Noise plus a class-dependent bump", out, re.M)


TF_NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796119572.494957    9532 port.cc:153] oneDNN custom operations are on. You may see slightly different",
    "I0000 00:00:1796119572.495392    9532 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.",
    "WARNING:tensorflow:5 out of the last 5 calls to <function f at 0x7f> triggered tf.function retracing. Tracing is expensive",
]


def test_tensorflow_start_up_lines_are_dropped_from_the_cli_stderr_and_the_rest_kept():
    code = (
        "import os, sys\nfrom signal_diagnostics.console import filtered_stderr\nwith filtered_stderr():\n"
        + "".join(f"    os.write(2, {(line + chr(10)).encode()!r})\n" for line in TF_NOISE)
        + "".join(
            f"    os.write(2, {('w.py:1: UserWarning: ' + MASK_TEXT.format(name) + chr(10)).encode()!r})\n"
            f"    os.write(2, b'  warnings.warn(\\n')\n"
            for name in ("flatten", "flatten_1")
        )
        + "    os.write(2, b'diagnose: warning: kept\\n')\n    print('python line', file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert "diagnose: warning: kept" in lines and "python line" in lines
    masks = [line for line in lines if "does not support masking" in line]
    assert len(masks) == 1 and masks[0].startswith("diagnose: WARNING: a Keras Flatten layer")  # workers' copies: once
    assert len(lines) == 3  # everything else (TensorFlow's lines, retracing, warnings.warn source lines) dropped


def test_keras_s_own_mask_warning_reaches_the_display_once():
    pytest.importorskip("keras")
    import io

    from signal_diagnostics.console import quiet_run

    err = io.StringIO()
    with quiet_run() as display:
        display.stream = err
        import keras

        import signal_diagnostics.models  # noqa: F401  (chooses the backend, then imports Keras)

        for _ in range(3):  # one model per fold: flatten, flatten_1, flatten_2
            inputs = keras.Input((6, 2))
            x = keras.layers.LSTM(3, return_sequences=True)(keras.layers.Masking(0.0)(inputs))
            keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(x)))
    assert err.getvalue().count("does not support masking") == 1
    assert "Keras Flatten layer" in err.getvalue()


def test_a_piped_run_never_stays_quiet_longer_than_the_heartbeat():
    """With stderr piped, a line (progress, or the heartbeat's "still working on ...") comes at least every
    heartbeat interval: shortened here to 1 s through the one variable the console reads."""
    from signal_diagnostics.console import HEARTBEAT_ENV

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", HEARTBEAT_ENV: "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "signal_diagnostics",
            "signal",
            "synthetic:noise?n=120&T=24&classes=4&imbalance=4&variable_length=1",
            "--n-permutations",
            "199",
            "--baselines",
            "chance_prior,minirocket",
            "--no-curve",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    stamps = [float(m.group(1)) for m in re.finditer(r"^\[\s*(\d+\.\d) s\]", proc.stderr, re.M)]
    gaps = np.diff(stamps)
    assert len(stamps) > 5 and gaps.max() <= 1 + 2.0, proc.stderr  # 2 s of slack on a busy machine
    assert re.search(r"label-shuffle test: permutations x heads: \d+/\d+", proc.stderr), proc.stderr
    assert "still working on" in proc.stderr or gaps.max() < 1, proc.stderr


def test_the_heartbeat_names_the_running_task_with_its_count_and_time_left_when_nothing_else_prints():
    import time

    out = io.StringIO()
    show = ProgressLines(out, every=60, heartbeat=0.2)
    show(0, 3, "baselines")  # announced, maybe not started
    show(0, 10, "label-shuffle test: permutations x heads")
    time.sleep(0.3)
    show(4, 10, "label-shuffle test: permutations x heads")  # throttled: not printed, but remembered
    time.sleep(0.8)
    show.close()
    beats = [line for line in out.getvalue().splitlines() if "still working on" in line]
    assert beats and all("label-shuffle test: permutations x heads: 4/10" in b and "left)" in b for b in beats[-2:])
    count = len(out.getvalue().splitlines())
    time.sleep(0.5)
    assert len(out.getvalue().splitlines()) == count  # closed: no more beats


def test_the_heartbeat_names_the_units_that_began_and_the_rest_as_queued():
    # 32,000 series on one worker said "still working on label-shuffle test, baselines, ceiling, ..." for minutes
    import time

    out = io.StringIO()
    show = ProgressLines(out, every=60, heartbeat=0.2)
    for label in ("label-shuffle test", "baselines", "ceiling"):
        show(0, 1 if label != "baselines" else 4, label)
    time.sleep(0.3)
    show.started("label-shuffle test")
    time.sleep(0.4)
    show(1, 1, "label-shuffle test")
    show.started("baselines")
    time.sleep(0.4)
    show.close()
    beats = [line for line in out.getvalue().splitlines() if "still working on" in line]
    first_started = beats.index(next(b for b in beats if "in it)" in b))
    assert "on label-shuffle test, baselines, ceiling (" in beats[first_started - 1]  # none began yet: every open one
    assert "on label-shuffle test (" in beats[first_started] and "queued: baselines, ceiling" in beats[first_started]
    assert "on baselines (" in beats[-1] and beats[-1].endswith("queued: ceiling"), beats
