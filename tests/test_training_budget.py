"""A training budget the data size cannot starve, and a record that says whether training was enough."""

from __future__ import annotations

import numpy as np
import pytest

from signal_diagnostics.data import synthetic

TINY = dict(units=4, depth=1)


@pytest.fixture(scope="module")
def small():
    return synthetic.bump(n=60, T=12, C=2, classes=2, start=4, stop=8, amplitude=2.0, seed=1)


def test_min_updates_raises_the_epoch_cap_on_small_data(small):
    from signal_diagnostics.models.training import fit

    # 60 series, 40 held out for validation at least (capped at 30%: 18), 42 left: 1 update per epoch at batch 64
    trained = fit(
        "bilstm",
        small.X,
        small.y_codes,
        n_classes=2,
        epochs=2,
        batch_size=64,
        hyper=TINY,
        min_updates=6,
        patience_updates=100,
        seed=0,
    )
    r = trained.record
    assert r["updates_per_epoch"] == 1
    assert r["epochs_budget"] == 6 and r["patience_epochs"] == 100
    assert r["epochs_run"] == 6 and r["updates"] == 6  # patience longer than the budget: it runs to the cap
    assert 1 <= r["restored_epoch"] <= 6 and r["stopped_early"] is False


def test_validation_split_holds_enough_series_to_stop_on():
    from signal_diagnostics.models.training import MIN_VALIDATION, _validation_split

    y = np.arange(200) % 2
    train, val = _validation_split(y, 0.15, seed=0)
    assert len(val) == MIN_VALIDATION  # 15% would be 30
    train, val = _validation_split(np.arange(1000) % 4, 0.15, seed=0)
    assert len(val) == 150


@pytest.mark.parametrize(
    "val_loss, stopped, still",
    [
        ([1.0, 0.9, 0.8, 0.7, 0.6], False, True),  # best at the last epoch, budget used up: still improving
        ([1.0, 0.5, 0.6, 0.7, 0.8], True, False),  # early stopping found a minimum
        ([1.0, 0.5, 0.6, 0.7, 0.8], False, False),  # ran to the cap, but the best epoch lies far back
    ],
)
def test_training_record_says_whether_validation_loss_was_still_falling(val_loss, stopped, still):
    from signal_diagnostics.models.training import training_record

    r = training_record(
        {"loss": [1.0] * 5, "val_loss": val_loss}, budget=5, per_epoch=3, patience_epochs=4, stopped_early=stopped
    )
    assert r["still_improving"] is still
    assert r["restored_epoch"] == int(np.argmin(val_loss)) + 1 and r["updates"] == 15


def test_training_summary_flags_a_model_whose_runs_were_still_improving():
    from signal_diagnostics.pipeline.deep_records import training_summary

    runs = [
        {
            "epochs_budget": 30,
            "epochs_run": 30,
            "restored_epoch": 30,
            "updates": 90,
            "updates_per_epoch": 3,
            "still_improving": s,
        }
        for s in (True, True, False)
    ]
    t = training_summary(runs)
    assert t["still_improving_share"] == pytest.approx(2 / 3) and t["possibly_undertrained"] is True
    assert training_summary([{**r, "still_improving": False} for r in runs])["possibly_undertrained"] is False
    assert training_summary([{"epochs_run": 3, "still_improving": None}])["possibly_undertrained"] is None


def attention_linear(input_shape, n_classes, **hyper):
    """The zoo's BiLSTM + SeqSelfAttention(multiplicative) without a score activation."""
    from signal_diagnostics.models import zoo

    return zoo.bilstm_attention(input_shape, n_classes, attention_activation=None, **hyper)


def attention_sigmoid(input_shape, n_classes, **hyper):
    from signal_diagnostics.models import zoo

    return zoo.bilstm_attention(input_shape, n_classes, attention_activation="sigmoid", **hyper)


@pytest.mark.slow
def test_default_compare_says_why_attention_is_uniform_and_never_blames_a_bounded_layer_on_training():
    """A sigmoid layer is near-uniform by construction; a linear one is reported as focusing, as possibly
    under-trained, or as averaging only when its training record shows it was not still improving."""
    from signal_diagnostics.pipeline.deep import compare_models
    from signal_diagnostics.pipeline.verdicts.decide import decide

    # 160 series, 2 folds, batch 64: 80 training series, 1-2 updates an epoch; "20 epochs" alone would be ~30 updates
    ds = synthetic.bump(n=160, T=30, C=2, classes=2, start=10, stop=16, amplitude=1.0, seed=2)
    doc = {
        "dataset": {"n_classes": 2},
        "deep": compare_models(
            ds, [attention_linear, attention_sigmoid], folds=2, seeds=1, epochs=20, hyper={"units": 16}
        ).to_dict(),
    }  # the default training budget
    weights = {w["model"]: w for w in decide(doc)["attention"]["evidence"]["weights"]}
    training = {m["name"]: m["training"] for m in doc["deep"]["models"]}
    assert weights["attention_sigmoid"]["kind"] == "near-uniform by construction"
    linear, record = weights["attention_linear"], training["attention_linear"]
    assert record["epochs_budget"] * record["updates_per_epoch"] >= 300  # the epoch cap was raised to 300 updates
    if linear["kind"] == "near-uniform":  # "learned to average" only for a model that had stopped improving
        assert record["possibly_undertrained"] is False
    elif linear["kind"] == "near-uniform, possibly under-trained":
        assert record["possibly_undertrained"] is True
    else:
        assert linear["kind"] == "focused" and linear["normalized_entropy"] < 0.95
