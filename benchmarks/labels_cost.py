"""Added cost of each part of issue 14 on JapaneseVowels: label issues, class pairs, cluster windows, baselines.

Each part runs once, in this process, after one small warm-up fit that loads (or compiles) aeon's numba
kernels, so the figures are what a run adds on top of today's ``diagnose signal``. The baselines run on
the same 5 folds as ``diagnose signal``; MiniRocket is timed as the reference. QUANT and
MultiRocket-Hydra run only when PyTorch is installed. Usage:

    python benchmarks/labels_cost.py [--data aeon:JapaneseVowels] [--out result.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return round(time.perf_counter() - t0, 2), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="aeon:JapaneseVowels")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    import numpy as np

    import signal_diagnostics
    from signal_diagnostics import baselines
    from signal_diagnostics.baselines.multirocket import torch_available
    from signal_diagnostics.checks.labels import label_issues
    from signal_diagnostics.checks.pairs import class_pairs
    from signal_diagnostics.checks.timemap import cluster_test, timestep_signal
    from signal_diagnostics.evaluation.scores import evaluate
    from signal_diagnostics.evaluation.splits import make_splits
    from signal_diagnostics.pipeline.config import LABEL_SETTINGS, Config

    ds = signal_diagnostics.load(args.data)
    X, y, classes = ds.X, ds.y_codes, [str(c) for c in ds.classes.tolist()]
    baselines.make("minirocket").fit(X[:40], np.arange(40) % 2)  # warm-up: numba kernels
    baselines.make("multirocket").fit(X[:40], np.arange(40) % 2)
    rows = []

    def add(part, profile, seconds, **figures):
        rows.append({"part": part, "profile": profile, "seconds": seconds, **figures})
        print(rows[-1], flush=True)

    for profile, (seeds, kernels, pair_kernels) in LABEL_SETTINGS.items():
        perms = Config.for_profile("quick" if profile == "quick" else "full").n_permutations  # the run's permutations
        s, li = timed(lambda: label_issues(X, y, classes=classes, seeds=seeds, n_kernels=kernels))
        add(
            "label_issues",
            profile,
            s,
            n_issues=li.n_issues,
            share=round(li.share, 4),
            interval=[round(li.interval["low"], 4), round(li.interval["high"], 4)],
            model_error=round(li.model_error, 4),
            restates_error=li.restates_error,
        )
        s, cp = timed(lambda: class_pairs(X, y, classes=classes, n_permutations=perms, n_kernels=pair_kernels))
        add(
            "class_pairs",
            profile,
            s,
            pairs=len(cp.pairs),
            indistinguishable_groups=cp.indistinguishable_groups,
            lowest_pair=min(cp.pairs, key=lambda p: p["balanced_accuracy"])["balanced_accuracy"],
        )
    s, _ = timed(lambda: timestep_signal(X, y, ds.lengths, n_permutations=0))
    add("timestep_map (BH cells only)", "all", s)
    s, ct = timed(lambda: cluster_test(X, y, ds.lengths, n_permutations=1000))
    add("cluster test (1000 permutations)", "all", s, windows=[c["words"] for c in ct.clusters if c["significant"]])
    splits = make_splits(y, folds=5, random_state=0)
    names = ["minirocket", "multirocket"] + (["quant", "multirocket_hydra"] if torch_available() else [])
    for name in names:
        s, r = timed(lambda: evaluate(baselines.make(name), X, y, splits, name=name))
        add(
            f"baseline {name} (5-fold CV)",
            "all",
            s,
            balanced_accuracy=round(r.balanced_accuracy, 4),
            accuracy=round(r.accuracy, 4),
        )
    result = {"data": args.data, "cpu_cores": os.cpu_count(), "torch": torch_available(), "rows": rows}
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
