"""Every level an answer is decided by lives in ``pipeline/verdicts/thresholds.py``, written once.

The checks, the models and the evaluation take their levels from there: a ``0.05`` or ``0.95`` written as a
number anywhere in ``checks/``, ``models/`` or ``evaluation/`` (strings and comments aside) is a second copy
of a level that would not move with the first.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = ROOT / "diagnose" / "pipeline" / "verdicts" / "thresholds.py"
STRAY = {0.05, 0.95}
NOT_A_LEVEL = "# not a level"


def _numbers(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of every number token in the module (strings, docstrings and comments excluded).

    A line that says ``# not a level`` is skipped: a number that only looks like one (a fit's starting point).
    """
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.NUMBER and NOT_A_LEVEL not in t.line]


def _value(text: str) -> float:
    import ast

    value = ast.literal_eval(text)
    return float(value) if isinstance(value, (int, float)) else float("nan")


@pytest.mark.parametrize("folder", ["checks", "models", "evaluation"])
def test_no_stray_level_literals(folder):
    stray = [
        f"{path.relative_to(ROOT)}:{line} {text}"
        for path in sorted((ROOT / "diagnose" / folder).rglob("*.py"))
        for line, text in _numbers(path)
        if _value(text) in STRAY
    ]
    assert stray == []


def test_the_scanner_sees_a_level_written_as_a_number(tmp_path):
    """The test above can fail: a module with the literal is caught, one with it only in text is not."""
    bad, fine = tmp_path / "bad.py", tmp_path / "fine.py"
    bad.write_text("def f(alpha=0.05):\n    return alpha\n")
    fine.write_text('"""alpha = 0.05"""\nALPHA = LEVEL  # 0.95\nSTART = [0.05, 1.0]  # not a level\n')
    assert [t for _, t in _numbers(bad)] == ["0.05"]
    assert [t for _, t in _numbers(fine)] == []


def test_thresholds_is_a_leaf_that_names_each_level_once():
    import ast

    tree = ast.parse(THRESHOLDS.read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and n.module != "__future__"]
    names = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
    assert len(names) == len(set(names)) and "ALPHA" in names
    # no other module of the package defines a name of its own with the same level's name
    others = [
        f"{path.relative_to(ROOT)}: {t.id}"
        for path in sorted((ROOT / "diagnose").rglob("*.py"))
        if path != THRESHOLDS
        for n in ast.parse(path.read_text()).body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name) and t.id in names
    ]
    assert others == []
