"""One executor: identical numbers in-process, in local processes and on a Dask LocalCluster; cache resumes."""

import io
import json

import numpy as np
import pytest

from signal_diagnostics.pipeline.cache import Cache, fingerprint
from signal_diagnostics.pipeline.executor import Executor, Unit


def fold_score(X, y, fold, seed):
    """A unit whose randomness comes from its own arguments."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import StratifiedKFold

    train, test = list(StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y))[fold]
    model = SGDClassifier(random_state=seed + fold).fit(X[train], y[train])
    return {"fold": fold, "score": float(model.score(X[test], y[test])), "coef": model.coef_.ravel()[:3]}


def _units(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((90, 5))
    y = (X[:, 0] + 0.5 * rng.standard_normal(90) > 0).astype(int)
    return [
        Unit(key={"unit": "fold", "fold": f, "seed": s}, fn=fold_score, args=(X, y, f, s))
        for s in (0, 1)
        for f in range(3)
    ]


@pytest.fixture(scope="module")
def pool():
    """Two local worker processes, started once (the pool lives as long as its executor)."""
    with Executor("processes", n_workers=2) as ex:
        yield ex


@pytest.fixture(scope="module")
def cluster():
    """A real dask.distributed LocalCluster with two worker processes."""
    pytest.importorskip("dask.distributed")
    with Executor("dask", scheduler="local", n_workers=2) as ex:
        yield ex.start()


def test_processes_give_the_same_numbers_as_in_process(pool):
    local = Executor("inprocess").map(_units())
    pooled = pool.map(_units())
    assert pooled == local
    assert [r["fold"] for r in local] == [0, 1, 2, 0, 1, 2]


def test_dask_local_cluster_gives_the_same_numbers(cluster):
    local = Executor("inprocess").map(_units())
    assert cluster.map(_units()) == local


def test_cache_skips_finished_units_and_returns_identical_results(tmp_path):
    first = Executor(cache=Cache(tmp_path, "data")).map(_units())
    again = Executor(cache=Cache(tmp_path, "data"))
    second = again.map(_units())
    assert second == first
    assert again.computed == 0 and again.cache.hits == 6


def test_changed_data_fingerprint_recomputes(tmp_path):
    Executor(cache=Cache(tmp_path, "data-a")).map(_units())
    other = Executor(cache=Cache(tmp_path, "data-b"))
    other.map(_units())
    assert other.computed == 6


def test_corrupt_entry_is_detected_and_recomputed(tmp_path):
    ex = Executor(cache=Cache(tmp_path, "data"))
    first = ex.map(_units())
    victim = sorted(tmp_path.rglob("*.json"))[0]
    entry = json.loads(victim.read_text())
    entry["value"]["score"] = -1.0  # silently damaged: checksum no longer matches
    victim.write_text(json.dumps(entry))
    sorted(tmp_path.rglob("*.json"))[1].write_text("{truncated")
    again = Executor(cache=Cache(tmp_path, "data"))
    assert again.map(_units()) == first
    assert again.computed == 2


def _shifted_score(X, y, fold, seed, shift=0.0):
    return fold_score(X + shift, y, fold, seed)


def test_a_unit_whose_arguments_change_under_the_same_key_is_recomputed(tmp_path):
    """The cache key is derived from the call too: an argument added to a unit, or a value changed, while its
    hand-written key stays the same, misses the cache instead of reading a stale entry."""
    X, y = np.random.default_rng(0).standard_normal((60, 4)), np.repeat([0, 1], 30)
    key = {"unit": "fold", "fold": 0, "seed": 0}  # the same hand-written key every time

    def run(*args):
        ex = Executor(cache=Cache(tmp_path, "data"))
        out = ex.map([Unit(key=key, fn=_shifted_score, args=args)])[0]
        return out, ex.computed

    first, computed = run(X, y, 0, 0)
    assert computed == 1 and run(X, y, 0, 0) == (first, 0)  # the same call: read back
    assert run(X, y, 0, 0, 0.0)[1] == 1  # an argument added: a miss, even with the same value
    assert run(X, y, 0, 1)[1] == 1  # a value changed
    assert run(X[::-1].copy(), y, 0, 0)[1] == 1  # an array changed, same shape
    assert run(X, y, 0, 0) == (first, 0)  # the original entry is still there


def test_fingerprint_changes_with_the_data():
    X = np.zeros((3, 4, 1), np.float32)
    y = np.array([0, 1, 0])
    assert fingerprint(X, y) == fingerprint(X.copy(), y.copy())
    X2 = X.copy()
    X2[0, 0, 0] = 1
    assert fingerprint(X2, y) != fingerprint(X, y)
    assert fingerprint(X, y, None) != fingerprint(X, y, np.arange(3))


# --- every unit of a diagnosis on one executor ---------------------------------------------------


def _signal_document(executor):
    import signal_diagnostics
    from signal_diagnostics.pipeline.assemble import run_signal_document
    from signal_diagnostics.pipeline.config import Config

    ds = signal_diagnostics.load("synthetic:bump?n=60&T=20&start=5&stop=12")
    cfg = Config(folds=3, n_permutations=19, curve_repeats=2, baselines=["chance_prior", "logistic", "minirocket"])
    return run_signal_document(ds, cfg, executor=executor)


@pytest.fixture(scope="module")
def in_process_signal():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # same numbers; far faster on a busy 2-core machine
        return _signal_document(Executor("inprocess"))


def test_signal_section_is_identical_in_local_processes(in_process_signal, pool):
    from signal_diagnostics.pipeline.document import without_timing

    before = pool.computed
    pooled = _signal_document(pool)
    assert (
        pool.computed - before == 3 + 1 + 1 + 1 + 1 + 2
    )  # baselines, shuffle test, ceiling, timestep map, curve, labels, pairs
    assert pooled["errors"] == {} and in_process_signal["errors"] == {}
    assert without_timing(pooled) == without_timing(in_process_signal)


def test_signal_section_is_identical_on_a_dask_local_cluster(in_process_signal, cluster):
    from signal_diagnostics.pipeline.document import without_timing

    distributed = _signal_document(cluster)
    assert distributed["errors"] == {}
    assert without_timing(distributed) == without_timing(in_process_signal)


def flaky(x, fail):
    if fail:
        raise ValueError(f"unit {x} failed")
    return {"x": x}


def test_a_failed_unit_is_returned_as_an_error_and_retried_next_run(tmp_path):
    from signal_diagnostics.pipeline.executor import UnitError

    units = [Unit(key={"x": x}, fn=flaky, args=(x, x == 1)) for x in range(3)]
    ex = Executor(cache=Cache(tmp_path, "data"))
    got = ex.map(units, errors="return")
    assert got[0] == {"x": 0} and got[2] == {"x": 2}
    assert isinstance(got[1], UnitError) and got[1].message == "ValueError: unit 1 failed"
    assert "Traceback" in got[1].traceback
    assert (ex.computed, ex.failed) == (2, 1)
    again = Executor(cache=Cache(tmp_path, "data"))
    again.map([Unit(key={"x": x}, fn=flaky, args=(x, False)) for x in range(3)])
    assert again.computed == 1  # only the failed one


def test_a_failed_unit_raises_by_default():
    with pytest.raises(ValueError, match="unit 1 failed"):
        Executor().map([Unit(key={"x": x}, fn=flaky, args=(x, x == 1)) for x in range(3)])


def test_progress_counts_cached_units_as_done_per_label(tmp_path):
    units = [Unit(key={"x": x}, fn=flaky, args=(x, False), label="even" if x % 2 == 0 else "odd") for x in range(4)]
    Executor(cache=Cache(tmp_path, "data")).map(units[:2])
    calls = []
    Executor(cache=Cache(tmp_path, "data")).map(units, progress=lambda *a: calls.append(a))
    assert calls[:2] == [(1, 2, "even"), (1, 2, "odd")]  # the cached half, at the start
    assert calls[2:] == [(2, 2, "even"), (2, 2, "odd")]


@pytest.mark.parametrize("address", ["tcp://10.0.0.5", "http://host:8786", "localhost:8786", "", "tcp://h:port"])
def test_a_malformed_scheduler_address_is_refused(address):
    from signal_diagnostics.errors import DataError
    from signal_diagnostics.pipeline.executor import check_scheduler

    with pytest.raises(DataError, match="'local' or tcp://HOST:PORT"):
        check_scheduler(address)
    assert check_scheduler("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"


def test_missing_dask_names_the_extra_to_install(monkeypatch):
    import importlib.util

    from signal_diagnostics.errors import DataError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in ("dask", "distributed") else real(name, *a)
    )
    with pytest.raises(DataError, match=r"install signal-diagnostics\[dask\]"):
        Executor("dask", scheduler="local")


def _environment(name: str):
    import os

    return os.environ.get(name)


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return max((p["num_threads"] for p in threadpool_info()), default=1)


def _loaded(name: str) -> bool:
    import sys

    return name in sys.modules


def test_a_fresh_worker_loads_scikit_learn_before_its_first_unit_so_units_time_their_own_work():
    # the first unit of a fresh worker measured 2 s for a 0.05 s chance baseline: scikit-learn's import
    from signal_diagnostics.pipeline.unit_progress import WORKER_IMPORTS

    with Executor("processes", n_workers=1) as ex:
        loaded = ex.map([Unit(key={"loaded": name}, fn=_loaded, args=(name,)) for name in WORKER_IMPORTS])
    assert loaded == [True] * len(WORKER_IMPORTS)


def test_a_unit_runs_with_its_thread_pools_held_to_the_cores_given():
    from signal_diagnostics.pipeline.resources import run_limited

    assert run_limited(1, _blas_threads) == 1


def test_workers_get_a_share_of_the_cores_and_quiet_openmp(pool):
    from signal_diagnostics.pipeline.resources import available_cores

    share = max(1, available_cores() // 2)
    env = pool.map(
        [
            Unit(key={"env": name}, fn=_environment, args=(name,))
            for name in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "KMP_BLOCKTIME")
        ]
    )
    assert env == [str(share), "PASSIVE", "0"]
    assert pool.map([Unit(key={"blas": 1}, fn=_blas_threads), Unit(key={"blas": 2}, fn=_blas_threads)]) == [share] * 2


def test_default_workers_are_capped_by_the_memory_the_heaviest_unit_needs():
    from signal_diagnostics.pipeline.resources import memory_capped_workers, unit_memory_bytes

    x_bytes = 100_000 * 500 * 3 * 4  # the 100,000 x 500 x 3 float32: ~3.2 GB per unit
    assert 2.8e9 < unit_memory_bytes(x_bytes, 100_000) < 4e9
    assert memory_capped_workers(16, x_bytes, 100_000, budget=4e9) == 1
    assert memory_capped_workers(16, x_bytes, 100_000, budget=16e9) == 4
    # many short series: MiniRocket's features, not X, decide (0.75 GB + 92 kB a series, at most 3.2 GB)
    assert unit_memory_bytes(1e6, 100_000) > unit_memory_bytes(1e6, 100) > 0.7e9
    assert memory_capped_workers(16, 1e6, 20_000, budget=4e9) == 1
    assert memory_capped_workers(16, 1e6, 1_000, budget=4e9) == 4
    assert memory_capped_workers(2, 1e12, budget=4e9) == 1  # never fewer than one


def test_the_memory_budget_can_be_set_and_a_bad_one_is_refused(monkeypatch):
    from signal_diagnostics.errors import DataError
    from signal_diagnostics.pipeline.resources import memory_budget_bytes

    monkeypatch.setenv("DIAGNOSE_MEMORY_GB", "12")
    assert memory_budget_bytes() == 12e9
    monkeypatch.setenv("DIAGNOSE_MEMORY_GB", "lots")
    with pytest.raises(DataError, match="DIAGNOSE_MEMORY_GB"):
        memory_budget_bytes()


def counting_unit(steps):
    """A unit that reports its own progress from inside, step by step."""
    from signal_diagnostics.pipeline.unit_progress import inner_progress

    tick = inner_progress("steps")
    for k in range(1, steps + 1):
        if tick is not None:
            tick(k, steps)
    return steps


@pytest.mark.parametrize("kind", ["inprocess", "processes"])
def test_units_report_their_inner_progress_to_the_parent_also_from_worker_processes(kind, pool):
    seen = []
    units = [Unit(key={"task": "count", "k": k}, fn=counting_unit, args=(3 + k,), label="counting") for k in range(2)]
    ex = pool if kind == "processes" else Executor("inprocess")
    assert ex.map(units, progress=lambda d, t, lab: seen.append((d, t, lab))) == [3, 4]
    inner = [s for s in seen if s[2] == "counting: steps"]
    assert (3, 3, "counting: steps") in inner and (4, 4, "counting: steps") in inner
    assert (2, 2, "counting") in seen


def gil_holding_unit(length: int) -> int:
    """Hold the GIL for seconds: catastrophic backtracking in ``re`` is C code that never releases it (as aeon's
    numba MiniRocket transform holds it for minutes at 32,000 series)."""
    import re

    return int(re.match(r"(a+)+$", "a" * length + "b") is None)


def _gil_length(seconds: float) -> int:
    """The input length that holds the GIL about ``seconds`` (time doubles per character)."""
    import time

    t0 = time.perf_counter()
    gil_holding_unit(16)
    per = max(time.perf_counter() - t0, 1e-5)
    return 16 + int(np.ceil(np.log2(seconds / per)))


@pytest.mark.parametrize("kind", ["inprocess", "processes"])
def test_the_heartbeat_goes_on_while_a_unit_holds_the_gil_only_when_the_unit_runs_in_a_worker(kind):
    """The run sends a long planned run's units to one worker process (run.ISOLATE_S): in this process a unit
    holding the GIL silences the heartbeat thread; in a worker the parent beats on."""
    import re
    import time

    from signal_diagnostics.progress import ProgressLines

    length = _gil_length(3.0)
    with Executor(kind, n_workers=1) as ex:
        ex.map([Unit(key={"task": "warm"}, fn=gil_holding_unit, args=(4,))])  # the worker started
        out = io.StringIO()
        show = ProgressLines(out, every=60, heartbeat=0.3)
        t0 = time.monotonic()
        ex.map([Unit(key={"task": "hold"}, fn=gil_holding_unit, args=(length,), label="holding")], progress=show)
        held = time.monotonic() - t0
        show.close()
    stamps = [float(m.group(1)) for m in re.finditer(r"^\[\s*(\d+\.\d) s\]", out.getvalue(), re.M)]
    gaps = np.diff([0.0, *stamps, held])
    assert held > 1.5, held
    if kind == "processes":
        assert gaps.max() <= 0.3 + 0.7, out.getvalue()
    else:
        assert gaps.max() > 1.0, out.getvalue()  # the control: the problem the worker process solves


def _sleep(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


@pytest.mark.parametrize("kind", ["inprocess", "processes"])
def test_the_heartbeat_names_the_unit_a_worker_began_and_the_rest_as_queued(kind):
    from signal_diagnostics.progress import ProgressLines

    with Executor(kind, n_workers=1) as ex:
        ex.map([Unit(key={"task": "warm"}, fn=_sleep, args=(0.0,))])  # the worker started
        out = io.StringIO()
        show = ProgressLines(out, every=60, heartbeat=0.3)
        units = [Unit(key={"task": lab}, fn=_sleep, args=(1.2,), label=lab) for lab in ("first", "second")]
        ex.map(units, progress=show)
        show.close()
    beats = [line for line in out.getvalue().splitlines() if "still working on" in line]
    assert any("on first (" in b and b.endswith("queued: second") for b in beats), out.getvalue()
    assert any(b.rstrip().endswith(")") and "on second (" in b for b in beats), out.getvalue()
