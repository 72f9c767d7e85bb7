"""One executor: identical numbers in-process, in local processes and on a Dask LocalCluster; cache resumes."""
import json

import numpy as np
import pytest

from diagnose.cache import Cache, fingerprint
from diagnose.executor import Executor, Unit


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
    return [Unit(key={"unit": "fold", "fold": f, "seed": s}, fn=fold_score, args=(X, y, f, s))
            for s in (0, 1) for f in range(3)]


def test_processes_give_the_same_numbers_as_in_process():
    local = Executor("inprocess").map(_units())
    pooled = Executor("processes", n_workers=2).map(_units())
    assert pooled == local
    assert [r["fold"] for r in local] == [0, 1, 2, 0, 1, 2]


def test_dask_local_cluster_gives_the_same_numbers():
    pytest.importorskip("dask.distributed")
    local = Executor("inprocess").map(_units())
    with Executor("dask", scheduler="local", n_workers=2) as ex:
        distributed = ex.map(_units())
    assert distributed == local


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


def test_fingerprint_changes_with_the_data():
    X = np.zeros((3, 4, 1), np.float32)
    y = np.array([0, 1, 0])
    assert fingerprint(X, y) == fingerprint(X.copy(), y.copy())
    X2 = X.copy()
    X2[0, 0, 0] = 1
    assert fingerprint(X2, y) != fingerprint(X, y)
    assert fingerprint(X, y, None) != fingerprint(X, y, np.arange(3))
