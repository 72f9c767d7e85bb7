"""Packaging that keeps building and installs beside anything (README, "One import name").

The sdist and the wheel are built once per session from a copy of the checkout; the wheel is installed
(not editable) into a fresh venv. The fresh venv does not download the heavy dependencies again: a
``.pth`` file holding the path of this environment's site-packages makes them importable. A plain path
line in a ``.pth`` only extends ``sys.path``; the ``.pth`` files inside that folder (among them the
editable install's finder) are not run, so ``signal_diagnostics`` imports from the installed wheel.
Beside it stand stub distributions of the three names PyPI already has (``diagnose``, ``baselines``,
``reports``), and the user's script sits in a folder with its own ``baselines.py`` and ``reports.py``.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

import signal_diagnostics

ROOT = Path(__file__).resolve().parents[1]
VERSION = signal_diagnostics.__version__
PACKAGE = "signal_diagnostics"
DIST_INFO = f"{PACKAGE}-{VERSION}.dist-info"
CLASHING = ("diagnose", "baselines", "reports")  # names PyPI's other projects install (README)
# setuptools' deprecation notices: "SetuptoolsDeprecationWarning", "BuildBackendWarning: ... is deprecated"
DEPRECATION = re.compile(r"deprecat", re.IGNORECASE)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the fresh venv's layout (bin/) is POSIX")


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONWARNINGS="default")
    return env


def _run(cmd: list, cwd: Path | None = None, timeout: float = 300) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{output[-4000:]}"
    return output


def _deprecations(output: str) -> list[str]:
    return [line for line in output.splitlines() if DEPRECATION.search(line)]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A copy of the checkout's files (tracked and untracked, not ignored): builds never touch the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("the packaging test copies the checkout's files with git")
    dest = tmp_path_factory.mktemp("source")
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def built(source, tmp_path_factory) -> dict:
    """``python -m build``: the sdist and the wheel, with the build's output.

    ``--no-isolation`` builds with this environment's setuptools (pinned by the lock), so the test needs no
    network; the build requirements it checks are the ones pyproject.toml states.
    """
    out = tmp_path_factory.mktemp("dist")
    log = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source])
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist, "log": log}


def test_build_makes_an_sdist_and_a_wheel_without_deprecation_warnings(built):
    assert built["wheel"].name == f"{PACKAGE}-{VERSION}-py3-none-any.whl"
    assert built["sdist"].name == f"{PACKAGE}-{VERSION}.tar.gz"
    assert _deprecations(built["log"]) == []


def test_pip_wheel_builds_without_deprecation_warnings(source, tmp_path):
    log = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-v"]
        + ["--wheel-dir", tmp_path, source]
    )
    assert [p.name for p in tmp_path.glob("*.whl")] == [f"{PACKAGE}-{VERSION}-py3-none-any.whl"]
    assert _deprecations(log) == []


def test_wheel_holds_one_top_level_package_with_its_data_and_license(built):
    names = zipfile.ZipFile(built["wheel"]).namelist()
    assert {n.split("/")[0] for n in names} == {PACKAGE, DIST_INFO}
    for pattern in (
        "baselines/registry.py",
        "baselines/minirocket.py",
        "reports/__init__.py",
        "reports/templates/report.html.j2",
        "schema/diagnosis.schema.json",
        "cli.py",
    ):
        assert f"{PACKAGE}/{pattern}" in names, pattern
    assert any(n.startswith(f"{PACKAGE}/reports/templates/") and n.endswith(".j2") for n in names)
    assert any(n.startswith(DIST_INFO) and n.endswith("/LICENSE") for n in names)
    metadata = zipfile.ZipFile(built["wheel"]).read(f"{DIST_INFO}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert f"Version: {VERSION}" in metadata


def test_sdist_holds_the_license_and_the_three_folders(built):
    names = tarfile.open(built["sdist"]).getnames()
    top = f"{PACKAGE}-{VERSION}"
    for name in ("LICENSE", "pyproject.toml", "diagnose/__init__.py", "baselines/__init__.py", "reports/__init__.py"):
        assert f"{top}/{name}" in names, name
    assert f"{top}/diagnose/schema/diagnosis.schema.json" in names
    assert any(n.startswith(f"{top}/reports/templates/") and n.endswith(".j2") for n in names)


def _stub_wheel(folder: Path, name: str) -> Path:
    """A minimal wheel of distribution ``name`` installing top-level package ``name`` with a MARKER."""
    files = {
        f"{name}/__init__.py": f'MARKER = "stub {name}"\n',
        f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{name}-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{name}-1.0.dist-info/top_level.txt": f"{name}\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{name}-1.0.dist-info/RECORD,,")
    files[f"{name}-1.0.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


@pytest.fixture(scope="module")
def fresh(built, tmp_path_factory) -> dict:
    """A fresh venv with the built wheel (not editable) and stubs of the three clashing distributions."""
    root = tmp_path_factory.mktemp("fresh")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_project_site_packages.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    stubs = [_stub_wheel(root, name) for name in CLASHING]
    # --ignore-installed: this environment's editable signal-diagnostics is visible and must be left alone
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", built["wheel"], *stubs])
    work = root / "analysis"  # the user's folder: their own baselines.py and reports.py beside the script
    work.mkdir()
    (work / "baselines.py").write_text('USER = "my baselines"\n')
    (work / "reports.py").write_text('USER = "my reports"\n')
    return {"venv": venv, "python": python, "purelib": purelib, "work": work}


def test_wheel_installs_beside_stubs_of_the_clashing_names_and_both_work(fresh):
    script = textwrap.dedent(
        """
        import json
        import numpy as np
        import baselines, diagnose, reports
        import signal_diagnostics
        from signal_diagnostics.baselines import make
        from signal_diagnostics.reports import render

        rng = np.random.default_rng(0)
        X = rng.standard_normal((30, 12, 2)).astype(np.float32)
        y = np.repeat(["a", "b"], 15)
        health = signal_diagnostics.health_checks(X, y)
        print(json.dumps({
            "markers": [diagnose.MARKER, baselines.MARKER, reports.MARKER],
            "ours": signal_diagnostics.__file__,
            "baselines": make.__module__,
            "statuses": sorted({r.status for r in health}),
        }))
        """
    )
    out = json.loads(_run([fresh["python"], "-c", script], cwd=fresh["venv"]).strip().splitlines()[-1])
    assert out["markers"] == ["stub diagnose", "stub baselines", "stub reports"]
    assert Path(out["ours"]).is_relative_to(fresh["purelib"])  # the installed wheel, not the checkout
    assert out["baselines"].startswith("signal_diagnostics.baselines")
    assert set(out["statuses"]) <= {"pass", "warn", "fail"}


def test_script_beside_its_own_baselines_and_reports_runs_a_check(fresh):
    (fresh["work"] / "check.py").write_text(
        textwrap.dedent(
            """
            import json
            import baselines, reports  # the user's own files, next to this script
            import signal_diagnostics

            ds = signal_diagnostics.load("synthetic:bump?n=60&T=20&start=5&stop=15&amplitude=2&seed=0")
            res = signal_diagnostics.shuffle_test(ds, n_permutations=19, random_state=0)
            print(json.dumps({"user": [baselines.USER, reports.USER], "ours": signal_diagnostics.__file__,
                              "p": res.p_value, "observed": res.observed}))
            """
        )
    )
    out = json.loads(_run([fresh["python"], "check.py"], cwd=fresh["work"]).strip().splitlines()[-1])
    assert out["user"] == ["my baselines", "my reports"]
    assert Path(out["ours"]).is_relative_to(fresh["purelib"])
    assert out["p"] == pytest.approx(1 / 20)  # the bump is plain: no shuffle reaches it (p = 1 / (N + 1))
    assert out["observed"] > 0.8


@pytest.mark.parametrize("how", ["command", "module"])
def test_cli_runs_from_the_fresh_venv(fresh, how):
    head = [fresh["venv"] / "bin" / "diagnose"] if how == "command" else [fresh["python"], "-m", PACKAGE]
    out = _run([*head, "inspect", "aeon:JapaneseVowels"], cwd=fresh["work"])
    assert "JapaneseVowels" in out
    assert "640" in out  # 270 + 370 series, train and test joined


@pytest.mark.slow
def test_quick_report_on_the_builtin_data_from_the_fresh_venv(fresh, tmp_path):
    start = time.perf_counter()
    _run(
        [fresh["venv"] / "bin" / "diagnose", "report", "--quick", "--out", tmp_path / "out"],
        cwd=fresh["work"],
        timeout=3600,  # 234 s alone on 2 cores (README); 1472 s measured here beside other jobs
    )
    print(f"diagnose report --quick from the fresh venv: {time.perf_counter() - start:.0f} s")
    for name in ("report.html", "report.md", "diagnosis.json"):
        assert (tmp_path / "out" / name).stat().st_size > 0, name
    doc = json.loads((tmp_path / "out" / "diagnosis.json").read_text())
    assert doc["dataset"]["n_series"] == 640
    assert doc["verdicts"]["signal"]["level"] == "strong"
