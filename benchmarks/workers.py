"""`diagnose signal` on 1 worker vs 2 workers, then again with a warm unit cache.

Each run is the command line itself (`python -m signal_diagnostics signal DATA --workers N --cache DIR`), so the
times include starting the worker processes. Run 1 and run 2 start from an empty cache; run 3 repeats
run 2 with its cache, as a resumed or repeated command would. Every run's Diagnosis is compared with
run 1's, timing fields aside (``signal_diagnostics.pipeline.document.without_timing``): the executor must not change a
number. A warm-up run first compiles and caches MiniRocket's numba kernels, so no timed run pays for
that. With ``--report`` the timed command is ``diagnose report --quick`` (deep models and
attributions too) instead. Usage:

    python benchmarks/workers.py [--data aeon:JapaneseVowels] [--n-permutations 1000] [--report] [--out result.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUMMARY = re.compile(r"cache .*: (\d+) unit\(s\) reused, (\d+) computed")


def run(command: list[str], workers: int, cache: Path, out: Path) -> dict:
    """Time one command line; return its seconds, unit counts and Diagnosis."""
    argv = [sys.executable, "-m", "signal_diagnostics", *command, "--workers", str(workers), "--cache", str(cache)]
    argv += ["--out", str(out)] if command[0] == "report" else ["--json", str(out / "diagnosis.json")]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    found = SUMMARY.search(proc.stderr)
    reused, computed = map(int, found.groups()) if found else (None, None)
    return {
        "seconds": seconds,
        "reused": reused,
        "computed": computed,
        "doc": json.loads((out / "diagnosis.json").read_text()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="aeon:JapaneseVowels", help="data source (default: aeon:JapaneseVowels)")
    ap.add_argument("--n-permutations", type=int, default=1000, help="label shuffles (signal; default: 1000)")
    ap.add_argument("--report", action="store_true", help="time `report --quick` (deep models too) instead of signal")
    ap.add_argument("--out", default=None, help="write the result here (JSON)")
    args = ap.parse_args()

    from signal_diagnostics.pipeline.document import without_timing

    if args.report:
        command, name = ["report", args.data, "--quick"], "diagnose report --quick"
    else:
        command, name = ["signal", args.data, "--n-permutations", str(args.n_permutations)], "diagnose signal"
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        tmp = Path(tmp)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "signal_diagnostics",
                "signal",
                "synthetic:bump?n=40&T=12&start=3&stop=8",
                "--n-permutations",
                "9",
                "--workers",
                "1",
                "--no-cache",
            ],
            capture_output=True,
            check=True,
        )
        plan = [
            ("1 worker, empty cache", 1, "c1"),
            ("2 workers, empty cache", 2, "c2"),
            ("2 workers, warm cache", 2, "c2"),
        ]
        rows, first = [], None
        for i, (what, workers, cache) in enumerate(plan):
            got = run(command, workers, tmp / cache, tmp / f"out{i}")
            first = first or got
            rows.append(
                {
                    "run": what,
                    "workers": workers,
                    "seconds": round(got["seconds"], 2),
                    "units_computed": got["computed"],
                    "units_reused": got["reused"],
                    "identical_to_run_1": without_timing(got["doc"]) == without_timing(first["doc"]),
                }
            )
            print(f"{what:<26}{got['seconds']:>9.1f} s  computed {got['computed']}, reused {got['reused']}", flush=True)

    result = {
        "command": f"{name} {args.data}" + ("" if args.report else f" --n-permutations {args.n_permutations}"),
        "cpu_cores": os.cpu_count(),
        "speedup_2_workers": rows[0]["seconds"] / rows[1]["seconds"],
        "speedup_warm_cache": rows[0]["seconds"] / rows[2]["seconds"],
        "all_identical": all(r["identical_to_run_1"] for r in rows),
        "runs": rows,
    }
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 0 if result["all_identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
