"""The numbers are pinned: Diagnosis documents stored before the code moved are reproduced exactly.

Each case is a whole ``diagnose.report`` run (timing fields stripped, ``diagnose.pipeline.document.without_timing``;
the tool version is not a number; floats agree to :data:`FLOAT_TOLERANCE`). The stored documents in
``tests/fixtures/pinned/`` were written by the code before the layered layout (issue 12) with

    python tests/test_pinned_numbers.py [CASE ...]

and must only be rewritten when a change is meant to move the numbers (say so in the commit).
"""
from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import pytest

PINNED = Path(__file__).parent / "fixtures" / "pinned"
# name -> (source, profile, options); "slow" cases run with -m slow
CASES = {
    "bump_signal": ("synthetic:bump?n=120&T=30&C=2&seed=3", "quick", {"deep": False, "permutations": 99}),
    "level_quick": ("synthetic:level?n=160&T=30&C=3&classes=4&amplitude=0.3&seed=1", "quick", {"epochs": 4}),
    "shift_quick": ("synthetic:shift?n=120&T=30&seed=2", "quick", {"epochs": 4}),
    "noise_quick": ("synthetic:noise?n=120&T=30&C=2&classes=3&seed=4", "quick", {"epochs": 4}),
    "japanese_vowels_quick": ("aeon:JapaneseVowels", "quick", {}),
}
SLOW = {"level_quick", "shift_quick", "noise_quick", "japanese_vowels_quick"}
UNPINNED = ("tool",)  # the version string is not a result
# Floats agree to this relative (and absolute) tolerance: a move may change the order of a sum, and with it
# the last bits; every decision, count, label and string must be identical.
FLOAT_TOLERANCE = 1e-9
# Keras numbers default layer names per process ("flatten", "flatten_2", ...): which number a lint finding
# names depends on the models built before it in the same process, not on the code, so it is not pinned.
KERAS_NUMBER = re.compile(r"\b([a-z]+(?:_[a-z]+)*)_\d+\b")


def diagnosis(name: str) -> dict:
    """The case's Diagnosis document as plain JSON, timing and tool fields removed."""
    import diagnose
    from diagnose.pipeline.document import without_timing

    source, profile, options = CASES[name]
    doc = diagnose.report(source, profile=profile, cache=False, progress=False, **options).to_dict()
    doc = json.loads(json.dumps(without_timing(doc)))  # the stored form: tuples as lists, NaN as null
    for key in UNPINNED:
        doc.pop(key, None)
    return doc


def _differences(got, want, path="", out=None):
    out = [] if out is None else out
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(want) | set(got)):
            if key not in got or key not in want:
                out.append(f"{path}/{key}: {'missing' if key not in got else 'new'}")
            else:
                _differences(got[key], want[key], f"{path}/{key}", out)
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (g, w) in enumerate(zip(got, want)):
            _differences(g, w, f"{path}[{i}]", out)
    elif isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if not math.isclose(got, want, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE):
            out.append(f"{path}: {got!r} != {want!r}")
    elif isinstance(want, str) and isinstance(got, str) and "/lint" in path:
        if KERAS_NUMBER.sub(r"\1", got) != KERAS_NUMBER.sub(r"\1", want):
            out.append(f"{path}: {got[:80]} != {want[:80]}")
    elif got != want:
        out.append(f"{path}: {str(got)[:80]} != {str(want)[:80]}")
    return out


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in CASES])
def test_diagnosis_is_the_pinned_one(name):
    want = json.loads((PINNED / f"{name}.json").read_text())
    diffs = _differences(diagnosis(name), want)
    assert not diffs, f"{len(diffs)} differences from the pinned document, first: " + "; ".join(diffs[:8])


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy
    PINNED.mkdir(parents=True, exist_ok=True)
    for case in sys.argv[1:] or list(CASES):
        (PINNED / f"{case}.json").write_text(json.dumps(diagnosis(case), indent=1, sort_keys=True) + "\n")
        print("pinned", case, flush=True)
