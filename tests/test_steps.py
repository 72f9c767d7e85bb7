"""Steps declared as data (issue 23): a check reaches the run, the plan, the cost model and the document through
one ``Step`` in ``pipeline/steps.py``; its cache key comes from the arguments it receives."""

import json
from dataclasses import replace

import jsonschema
import numpy as np
import pytest

from signal_diagnostics.data import synthetic
from signal_diagnostics.pipeline import cost, steps
from signal_diagnostics.pipeline.config import Config
from signal_diagnostics.pipeline.document import SCHEMA_PATH
from signal_diagnostics.pipeline.plan import make_plan
from signal_diagnostics.pipeline.resources import UNIT_BASE_BYTES, UNIT_BYTES_PER_DATA_BYTE
from signal_diagnostics.pipeline.signal_units import signal_calls, step_call
from signal_diagnostics.results import CheckResult


def class_sizes(X: np.ndarray, y: np.ndarray, smallest: int) -> dict:
    """A toy check (and its unit): series per class code, and which classes have fewer than ``smallest``."""
    counts = np.bincount(np.asarray(y))
    return {"counts": counts.tolist(), "small": np.flatnonzero(counts < smallest).tolist(), "n": int(len(y))}


TOY = steps.Step(
    name="class_sizes",
    label="class sizes",
    task="signal.class_sizes",
    unit=class_sizes,
    arguments=lambda g: {"X": g.X, "y": g.y, "smallest": 25},
    work=lambda n, shape: 1e-3 * n * shape["K"],  # seconds at the reference rates
    constants=(1.5, 2.0),
    section="class_sizes",
    held=lambda n, shape: 8.0 * n,
    kind="permutation",
)


def class_sizes_check(X: np.ndarray, y: np.ndarray, smallest: int = 25) -> CheckResult:
    """The same toy written as a check: a Result, and a parameter with a default."""
    counts = np.bincount(np.asarray(y))
    small = int(np.sum(counts < smallest))
    return CheckResult("class_sizes", "warn" if small else "pass", counts.tolist(), f"{small} small classes")


CHEAP = dict(n_permutations=19, baselines=["chance_prior", "logistic"], learning_curve=False, label_checks=False)


@pytest.fixture
def toy_step(monkeypatch):
    monkeypatch.setattr(steps, "STEPS", (*steps.STEPS, TOY))
    return TOY


def _data():
    """The user's regime, small: 80 series, class 0 at 60 % (48, 16, 16), a weak bump, padding."""
    return synthetic.imbalanced(n=80, T=20, C=2, classes=3, majority=0.6, start=5, stop=10, seed=4)


def test_a_step_added_to_the_declarations_runs_and_reaches_its_section_the_plan_and_the_cost(toy_step):
    from signal_diagnostics.pipeline.assemble import run_signal_document

    ds = _data()
    doc = run_signal_document(ds, Config(**CHEAP))
    assert doc["signal"]["class_sizes"] == {"counts": [48, 16, 16], "small": [1, 2], "n": 80}
    predicted = doc["cost"]["units"]["class_sizes"]
    work = 1e-3 * 80 * 3
    assert predicted["predicted_s"] == round((1.5 + 2.0 * work) * cost.WALL_PER_CPU, 2)
    memory = UNIT_BASE_BYTES + UNIT_BYTES_PER_DATA_BYTE * 80 * 20 * 2 * 4 + 8.0 * 80  # the data, and what it holds
    assert predicted["predicted_mb"] == round(memory / 1e6)
    assert predicted["n_used"] == 80 and predicted["measured_s"] is not None
    assert list(doc["cost"]["units"])[-1] == "class_sizes"
    assert "class_sizes" not in (doc.get("errors") or {})
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text()))


def test_a_declared_step_is_planned_by_its_kind_and_keyed_by_its_arguments(toy_step):
    ds = synthetic.imbalanced(n=3_000, T=60, C=4, classes=8, majority=0.6, start=20, stop=30, seed=1)
    cfg = Config(**{**CHEAP, "budget": 0.2})
    plan = make_plan(ds, cfg, workers=1, cores=2)
    assert list(plan.predicted)[-1] == "class_sizes"
    # a permutation step shares the permutation units' subsample when the budget needs it
    assert plan.sizes["class_sizes"] == plan.sizes["shuffle_test"] < 3_000
    assert "budget" in plan.to_dict()["units"]["class_sizes"]["reason"]
    call = next(c for c in signal_calls(ds, cfg, plan) if c.name == "class_sizes")
    keep = plan.indices("class_sizes", ds.y_codes, ds.groups)
    assert call.key == {"task": "signal.class_sizes", "smallest": 25, "n_used": len(keep), "subsample_seed": 0}
    assert call.fn is class_sizes and np.array_equal(call.args[1], ds.y_codes[keep])  # the subsample's labels


def test_a_step_turned_off_by_its_switch_neither_runs_nor_costs(monkeypatch):
    monkeypatch.setattr(steps, "STEPS", (*steps.STEPS, replace(TOY, switch="label_checks")))
    ds = _data()
    plan = make_plan(ds, Config(**CHEAP), workers=1, cores=2)
    assert "class_sizes" not in plan.predicted
    assert all(c.name != "class_sizes" for c in signal_calls(ds, Config(**CHEAP), plan))


def test_a_check_returning_a_result_is_its_own_unit_and_its_defaults_may_be_left_out(monkeypatch):
    from signal_diagnostics.pipeline.assemble import run_signal_document

    check = replace(TOY, unit=class_sizes_check, arguments=lambda g: {"X": g.X, "y": g.y})
    monkeypatch.setattr(steps, "STEPS", (*steps.STEPS, check))
    doc = run_signal_document(_data(), Config(**CHEAP))
    assert doc["signal"]["class_sizes"] == {
        "check": "class_sizes",
        "status": "warn",
        "value": [48, 16, 16],
        "message": "2 small classes",
    }
    assert steps.find("ceiling").unit.__module__.endswith("checks.ceiling")  # the declared checks too


def test_a_step_whose_arguments_miss_a_parameter_of_its_unit_is_refused():
    bad = replace(TOY, arguments=lambda g: {"X": g.X, "y": g.y})
    ds = _data()
    with pytest.raises(TypeError, match="smallest"):
        step_call(bad, ds, Config(**CHEAP), make_plan(ds, Config(**CHEAP), workers=1, cores=2))


def test_the_declared_units_keep_their_cache_keys():
    """The key is derived from the arguments but the series; these are the fields the cache was written with."""
    ds = _data()
    cfg = Config(n_permutations=19, baselines=["logistic"])
    keys = {c.name: c.key for c in signal_calls(ds, cfg, make_plan(ds, cfg, workers=1, cores=2))}
    assert keys["shuffle_test"] == {
        "task": "signal.shuffle_test",
        "heads": keys["shuffle_test"]["heads"],
        "n_permutations": 19,
        "folds": cfg.folds,
        "random_state": 0,
    }
    assert keys["baseline:logistic"] == {
        "task": "signal.baseline",
        "name": "logistic",
        "folds": cfg.folds,
        "repeats": cfg.repeats,
        "random_state": 0,
    }
    assert keys["timestep_map"] == {
        "task": "signal.timestep_map",
        "test": "kruskal",
        "n_permutations": 19,
        "random_state": 0,
    }
    assert set(keys["label_issues"]) == {
        "task",
        "folds",
        "seeds",
        "kernels",
        "random_state",
        "classes",
        "shared_features",
    }
    assert set(keys["class_pairs"]) == {"task", "folds", "n_permutations", "kernels", "random_state", "classes"}


def test_every_declared_step_has_a_known_kind_and_a_unit_taking_exactly_its_arguments():
    ds = _data()
    cfg, plan = Config(n_permutations=19), make_plan(ds, Config(n_permutations=19), workers=1, cores=2)
    for step in steps.STEPS:
        assert step.kind in steps.KINDS, step.name
        if step.unit is not None and step is not steps.BASELINE:
            step_call(step, ds, cfg, plan, model="minirocket")  # raises on a mismatch
    for step in steps.BASELINES.values():
        assert step_call(step, ds, cfg, plan).args[0] == step.model
