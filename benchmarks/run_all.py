"""Run every benchmark script and write one Markdown table of their results.

Each benchmark script accepts ``--out FILE.json`` and writes a JSON object; lists of flat records
(under any key) become tables, scalars become a key/value list. Usage:

    python benchmarks/run_all.py --out benchmarks/results [--only shuffle_test,train_throughput]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = [
    "shuffle_test",
    "signal_japanese_vowels",
    "train_throughput",
    "attribution_cost",
    "workers",
    "compare_fpr",
    "labels_cost",
    "busy_machine",
    "balanced_power",
    "scale",
]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def table(records: list[dict]) -> str:
    cols = list(dict.fromkeys(k for r in records for k in r))
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |" for r in records]
    return "\n".join(lines)


def render(name: str, result: dict) -> str:
    parts = [f"### {name}"]
    scalars = {k: v for k, v in result.items() if not isinstance(v, (list, dict))}
    if scalars:
        parts.append(
            "\n".join(f"- {k}: {v:.4g}" if isinstance(v, float) else f"- {k}: {v}" for k, v in scalars.items())
        )
    for key, value in result.items():
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            parts.append(f"{key}:\n\n{table(value)}")
    return "\n\n".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = args.only.split(",") if args.only else SCRIPTS
    sections = [f"# Benchmarks\n\nMachine: {machine()}; run {time.strftime('%Y-%m-%d')}."]
    for name in names:
        script = HERE / f"{name}.py"
        if not script.exists():
            continue
        target = out / f"{name}.json"
        print(f"== {name}", flush=True)
        proc = subprocess.run([sys.executable, str(script), "--out", str(target)])
        if proc.returncode != 0 or not target.exists():
            sections.append(f"### {name}\n\nfailed (exit {proc.returncode})")
            continue
        sections.append(render(name, json.loads(target.read_text())))
    (out / "results.md").write_text("\n\n".join(sections) + "\n")
    print(f"wrote {out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
