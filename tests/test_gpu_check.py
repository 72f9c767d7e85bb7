"""benchmarks/gpu_check.py passes its CPU dry run and writes the JSON that docs/gpu-check.md documents."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_gpu_check_dry_run_passes_on_the_cpu(tmp_path):
    out = tmp_path / "gpu_check.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--cpu", "--no-aeon", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["passed"] and result["failures"] == [] and result["mode"] == "cpu"
    runs = result["throughput"]["runs"]
    for backend in ("torch", "jax"):
        mine = [r for r in runs if r["backend"] == backend]
        if importlib.util.find_spec(backend) is None:
            assert [r["status"] for r in mine] == ["skipped"]
            continue
        assert [r["precision"] for r in mine] == ["float32", "mixed_float16"]
        assert all(r["status"] == "pass" and r["samples_per_s"] > 0 for r in mine)
        assert all(r["bilstm_layer"] == "MaskedBidirectionalLSTM" for r in mine)  # no mask reaches the LSTMs
    compare = result["compare"]
    assert compare["status"] == "pass" and compare["models"] == ["bilstm", "bilstm_attention"]
    assert compare["dataset"].startswith("synthetic:imbalanced")

    documented = set(re.findall(r"^\| `([a-z_]+)`", (ROOT / "docs" / "gpu-check.md").read_text(), re.M))
    produced = set(result) | set(result["throughput"]) | set(compare) | set(result["machine"])
    produced |= {k for r in runs + [result["throughput"]["reference"]] for k in r}
    assert produced <= documented, f"undocumented fields: {sorted(produced - documented)}"
