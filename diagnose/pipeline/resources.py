"""What a run may use of this machine: its cores, GPUs and memory, and each worker's share of them.

Every worker's thread pools (BLAS, OpenMP, numba, TensorFlow) are held to its share of the cores, as Dask's
nanny does for its workers, and the number of default workers is capped by an estimate of the heaviest
unit's memory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from signal_diagnostics.errors import DataError


def gpu_ids() -> list[str]:
    """IDs of the GPUs this process may use: CUDA_VISIBLE_DEVICES, else `nvidia-smi -L`."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [g for g in visible.split(",") if g.strip() not in ("", "-1")]
    try:
        import subprocess

        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(out.splitlines()) if line.startswith("GPU")]


# Thread pools a worker's share of the cores is given to, as Dask's nanny does for its workers:
# N processes each running N-thread BLAS / OpenMP / numba pools on N cores thrash (measured here:
# HistGradientBoosting fits 40x slower when two processes share two cores at full width).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
)
# Idle OpenMP threads sleep at once instead of spinning (libgomp spins up to GOMP_SPINCOUNT, Intel's
# runtime 200 ms by default): on a busy machine a spinning thread takes the core the straggler needs.
# Read when the OpenMP runtime loads; set for this process and inherited by its workers, unless set.
QUIET_OPENMP = {"OMP_WAIT_POLICY": "PASSIVE", "KMP_BLOCKTIME": "0"}
TF_INTEROP_THREADS = 2  # TensorFlow's pool for independent ops; its default (every core) doubles the threads

# Memory of the heaviest unit of `diagnose signal`, estimated from the data, as the larger of two
# measured shapes (benchmarks/signal_memory.py --units; each unit alone in a fresh process):
# - loading + health checks: a fixed part (Python, NumPy, scikit-learn imported) plus a multiple of
#   X's bytes: 0.40 GB at 5,000 x 500 x 3, 0.85 at 20,000, 3.2 at 100,000 (X 0.6 GB);
# - MiniRocket + ridge: fixed state (9,996 x 9,996 covariance) plus features per series, whatever T,
#   until its features are streamed in blocks: 1.21 GB at 5,000 series, 2.58 at 20,000, 3.1 at 100,000.
UNIT_BASE_BYTES = 0.3e9
UNIT_BYTES_PER_DATA_BYTE = 4.9
MINIROCKET_BASE_BYTES = 0.75e9
MINIROCKET_BYTES_PER_SERIES = 92e3
MINIROCKET_MAX_BYTES = 3.2e9
MEMORY_BUDGET_BYTES = 4e9  # the least the default workers may use together (or all available, if less)
MEMORY_VARIABLE = "DIAGNOSE_MEMORY_GB"  # overrides the budget


def available_cores() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup CPU quota (containers)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        n = os.cpu_count() or 1
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()[:2]
        if quota != "max":
            n = min(n, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


# Below this many values (series x timesteps x channels) a run defaults to 1 worker: a worker process
# spends seconds importing scikit-learn, aeon and numba before its first unit, more than the units
# of small data take (measured on a shared 2-core machine: `diagnose signal` on 40 x 12 x 1 with
# 19 permutations, 4.7 s in-process, 5.2 s on two workers; benchmarks/workers.py).
AUTO_PARALLEL_VALUES = 1_000_000


# A run that trains deep models goes parallel from this many values: a training unit then takes seconds
# with one core busy (a 16-unit BiLSTM on JapaneseVowels' 512 x 29 x 12: about 10 s), more than a
# worker's start; the quick report there took 191 s on 1 worker and 126 s on 2 (2 idle cores).
TRAINING_PARALLEL_VALUES = 100_000


def default_workers(ds, trains: bool = False) -> int:
    """Workers when none are asked for: every core for large data, several GPUs or a run that ``trains``
    deep models on :data:`TRAINING_PARALLEL_VALUES` values or more, else 1; fewer where that many of the
    heaviest unit would not fit in memory (:func:`memory_capped_workers`)."""
    big = ds.X.size >= (TRAINING_PARALLEL_VALUES if trains else AUTO_PARALLEL_VALUES)
    if big or len(gpu_ids()) > 1:
        return memory_capped_workers(available_cores(), ds.X.nbytes, len(ds.X))
    return 1


def quiet_openmp(environ=os.environ) -> None:
    """Let idle OpenMP threads sleep (``QUIET_OPENMP``), leaving the user's own settings alone."""
    for name, value in QUIET_OPENMP.items():
        environ.setdefault(name, value)


def unit_memory_bytes(data_bytes: float, n_series: int = 0) -> float:
    """The estimated peak memory of the heaviest unit on ``n_series`` series of ``data_bytes`` (X's ``nbytes``)."""
    return max(
        UNIT_BASE_BYTES + UNIT_BYTES_PER_DATA_BYTE * float(data_bytes),
        min(MINIROCKET_MAX_BYTES, MINIROCKET_BASE_BYTES + MINIROCKET_BYTES_PER_SERIES * int(n_series)),
    )


def memory_budget_bytes() -> float:
    """Memory the default workers may use together: ``DIAGNOSE_MEMORY_GB``, else a quarter of the
    available memory but at least 4 GB (never more than is available)."""
    if os.environ.get(MEMORY_VARIABLE):
        try:
            return float(os.environ[MEMORY_VARIABLE]) * 1e9
        except ValueError:
            raise DataError(
                f"{MEMORY_VARIABLE} must be a number of gigabytes; got {os.environ[MEMORY_VARIABLE]!r}"
            ) from None
    try:
        import psutil

        available = float(psutil.virtual_memory().available)
    except (ImportError, OSError):
        return MEMORY_BUDGET_BYTES
    return min(available, max(MEMORY_BUDGET_BYTES, available / 4))


def memory_capped_workers(workers: int, data_bytes: float, n_series: int = 0, budget: float | None = None) -> int:
    """``workers``, fewer where that many heaviest units would not fit in the memory budget (at least 1)."""
    budget = memory_budget_bytes() if budget is None else budget
    return max(1, min(int(workers), int(budget // unit_memory_bytes(data_bytes, n_series))))


def init_worker(threads: int, gpu_queue=None) -> None:
    """Process-pool initializer: this worker's share of the cores and, for GPU units, one GPU."""
    for name in THREAD_VARIABLES:  # read by libraries loaded from now on
        os.environ[name] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(min(threads, TF_INTEROP_THREADS))
    quiet_openmp()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)  # libraries already loaded (numpy's BLAS)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    if gpu_queue is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu_queue.get()


def run_limited(threads: int, fn: Callable, *args) -> Any:
    """``fn(*args)`` with every BLAS / OpenMP pool loaded by then (and numba's) held to ``threads``.

    Pools loaded during the unit start at the width the environment gives them (:func:`init_worker`).
    """
    numba = sys.modules.get("numba")
    before = None
    if numba is not None:
        try:
            before = numba.get_num_threads()
            numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        except Exception:  # numba's threading layer may be unavailable; the unit still runs
            before = None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return fn(*args)
    try:
        with threadpool_limits(threads):
            return fn(*args)
    finally:
        if before is not None:
            numba.set_num_threads(before)


def workers_can_start() -> bool:
    """Whether worker processes can start from this program: a spawned worker imports the main module again, so a
    script must keep its run under ``if __name__ == "__main__":`` (``python -m``, the ``diagnose`` command, a
    notebook and the interpreter are safe). A script is read for that guard, not run."""
    import ast
    from pathlib import Path

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if getattr(main, "__spec__", None) is not None or not path:
        return True
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    return any(isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in tree.body)


__all__ = [
    "available_cores",
    "gpu_ids",
    "init_worker",
    "memory_budget_bytes",
    "memory_capped_workers",
    "quiet_openmp",
    "run_limited",
    "unit_memory_bytes",
    "workers_can_start",
    "THREAD_VARIABLES",
    "QUIET_OPENMP",
]
