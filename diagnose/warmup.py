"""Compile aeon's numba kernels once, on tiny data, so the first real run does not pay for it silently.

aeon's MiniRocket and DTW kernels are numba functions compiled on first use and cached on disk
(``cache=True``; in ``NUMBA_CACHE_DIR`` when set, else beside aeon's sources). ``make install`` runs
``python -m signal_diagnostics.warmup`` once; later runs read the cache.

Examples
--------
>>> seconds = warm(verbose=False)  # doctest: +SKIP
"""

from __future__ import annotations

import sys
import time

import numpy as np


def warm(verbose: bool = True) -> float:
    """Fit and apply the numba-backed baselines (MiniRocket, 1-NN DTW) on 12 tiny series; return seconds."""
    from signal_diagnostics import baselines

    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 16, 2)).astype(np.float32)
    X[::3, 12:] = 0.0  # some padding: the unequal-length paths compile too
    y = np.arange(12) % 2
    if verbose:
        print(
            "compiling aeon's numba kernels once (MiniRocket, DTW); later runs reuse the cache ...",
            file=sys.stderr,
            flush=True,
        )
    start = time.perf_counter()
    for name in ("minirocket", "dtw_1nn"):
        baselines.make(name, random_state=0).fit(X, y).predict(X)
    seconds = time.perf_counter() - start
    if verbose:
        print(f"numba kernels ready in {seconds:.0f} s", file=sys.stderr)
    return seconds


if __name__ == "__main__":
    warm()
