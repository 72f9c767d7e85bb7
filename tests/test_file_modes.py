"""Files a colleague can read: every file a run writes gets the mode of a newly created file.

The document and the cache entries are written atomically through ``mkstemp`` (0600 on its own); the
report is rendered in a ``mkdtemp`` folder (0700) and moved into place. All of them must end with
``0o666 & ~umask`` (files) or ``0o777 & ~umask`` (folders), whatever the umask.
"""

import os
import stat
from pathlib import Path

import pytest
from conftest import planted_bump

import signal_diagnostics
from signal_diagnostics.pipeline.document import current_umask, write_atomic

FAST = {"n_permutations": 19, "baselines": ["chance_prior", "logistic"], "curve_repeats": 2, "progress": False}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class _Umask:
    """Set the process umask for a block and restore it after."""

    def __init__(self, mask: int):
        self.mask = mask

    def __enter__(self):
        self.old = os.umask(self.mask)

    def __exit__(self, *exc):
        os.umask(self.old)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_current_umask_reads_the_umask_and_leaves_it_unchanged(mask):
    with _Umask(mask):
        assert current_umask() == mask
        assert current_umask() == mask  # reading did not change it


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_atomic_write_gives_an_ordinary_file_mode(tmp_path, mask):
    with _Umask(mask):
        path = write_atomic(tmp_path / "doc.json", "{}\n")
    assert path.read_text() == "{}\n"
    assert _mode(path) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["doc.json"]  # no temporary file left behind


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_report_document_figures_and_cache_share_the_umask_mode(tmp_path, mask):
    out = tmp_path / "report"
    with _Umask(mask):
        signal_diagnostics.report(
            planted_bump(n=40, T=16, start=6, stop=10), out=out, profile="quick", deep=False, **FAST
        )
    file_mode, dir_mode = 0o666 & ~mask, 0o777 & ~mask
    pngs = sorted((out / "figures").glob("*.png"))
    cached = sorted((out / ".cache").rglob("*.json"))
    assert pngs and cached  # the run drew figures and cached its units
    for path in [out / "diagnosis.json", out / "report.html", out / "report.md", *pngs, *cached]:
        assert _mode(path) == file_mode, f"{path.relative_to(out)}: {oct(_mode(path))} != {oct(file_mode)}"
    for folder in [out, out / "figures"]:
        assert _mode(folder) == dir_mode, f"{folder.name}: {oct(_mode(folder))} != {oct(dir_mode)}"
    assert _mode(out / "diagnosis.json") == _mode(out / "report.html")  # the complaint, stated directly
