"""Label issues: injected label noise recovered by confident learning."""

import numpy as np
import pytest

from signal_diagnostics.checks.labels import estimate_label_issues, label_issues
from signal_diagnostics.data import synthetic

pytest.importorskip("cleanlab")


def _flip(y: np.ndarray, rate: float, K: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(y), int(round(rate * len(y))), replace=False)
    out = y.copy()
    out[idx] = (out[idx] + rng.integers(1, K, len(idx))) % K
    return out, idx


def test_injected_label_noise_is_recovered_within_its_interval():
    ds = synthetic.bump(n=300, T=30, C=1, classes=3, amplitude=3.0, seed=0)  # near-perfectly separable
    clean = label_issues(ds.X, ds.y_codes, seeds=2, n_kernels=1000, n_bootstrap=100)
    assert clean.share <= 0.02
    for rate in (0.05, 0.10, 0.20):
        y, flipped = _flip(ds.y_codes, rate, 3, seed=1)
        res = label_issues(ds.X, y, seeds=2, n_kernels=1000, n_bootstrap=100)
        assert res.interval["low"] <= rate <= res.interval["high"], (rate, res.interval)
        assert abs(res.share - clean.share - rate) <= 0.03
        suspects = {s["index"] for s in res.suspects}
        assert len(suspects & set(flipped.tolist())) >= 0.9 * len(suspects)  # the suspects are the flipped ones


def test_issues_close_to_the_model_error_are_flagged_as_restating_it():
    y = np.repeat([0, 1, 2, 3], 50)
    P = np.full((200, 4), 0.05)
    P[np.arange(200), y] = 0.85
    P[:20] = [0.05, 0.85, 0.05, 0.05]  # 20 series of class 0 confidently look like class 1
    res = estimate_label_issues(y, P, classes=list("abcd"), n_bootstrap=50)
    assert res.n_issues == 20 and res.model_error == pytest.approx(0.10)
    assert res.restates_error and "cannot tell" in res.message
    assert res.suspects[0]["given"] == "a" and res.suspects[0]["likely"] == "b"
    noise = np.asarray(res.noise_matrix)
    np.testing.assert_allclose(noise.sum(axis=0), 1.0)
    assert noise[0, 1] > 0.2 and noise[1, 0] < 0.01  # P(given a | true b): true b's labelled a, not the reverse
    d = res.to_dict()
    assert set(d["interval"]) == {"low", "high", "method"} and isinstance(d["restates_error"], bool)


def test_balanced_weights_trade_majority_recall_for_minority_recall():
    from signal_diagnostics.checks.labels import balanced_weights_effect

    y = np.r_[np.zeros(90, int), np.ones(10, int)]
    P = np.column_stack([np.full(100, 0.95), np.full(100, 0.05)])
    # the minority never wins the plain argmax, but wins once divided by its prior
    P[90:] = [0.6, 0.4]
    eff = balanced_weights_effect(y, P, ["major", "minor"])
    assert eff["recall"] == [1.0, 0.0] and eff["recall_balanced"] == [1.0, 1.0]
    assert eff["balanced_accuracy_balanced"] > eff["balanced_accuracy"]


def test_labels_verdict_levels():
    from signal_diagnostics.pipeline.verdicts.signal import labels_verdict

    y = np.repeat([0, 1, 2, 3], 50)
    P = np.full((200, 4), 0.05)
    P[np.arange(200), y] = 0.85
    clean = estimate_label_issues(y, P, n_bootstrap=20).to_dict()
    assert labels_verdict({"label_issues": clean}).to_dict()["level"] == "clean"
    P[:20] = [0.05, 0.85, 0.05, 0.05]
    overlap = estimate_label_issues(y, P, n_bootstrap=20).to_dict()
    v = labels_verdict({"label_issues": overlap}).to_dict()
    assert v["level"] == "overlap" and "20 of 200 series" in v["evidence"]["method"] and v["evidence"]["n_issues"] == 20
    some = dict(overlap, restates_error=False)
    assert labels_verdict({"label_issues": some}).to_dict()["level"] == "many"
    assert labels_verdict({}).to_dict()["level"] is None


def test_with_groups_the_bootstrap_resamples_whole_groups():
    # 20 groups of 10; two whole groups carry the wrong label, so the wrong labels come in clusters.
    y = np.repeat([0, 1], 100)
    groups = np.repeat(np.arange(20), 10)
    P = np.column_stack([np.where(y == 0, 0.9, 0.1), np.where(y == 0, 0.1, 0.9)])
    y_given = y.copy()
    y_given[groups == 0], y_given[groups == 19] = 1, 0
    series = estimate_label_issues(y_given, P, n_bootstrap=200)
    grouped = estimate_label_issues(y_given, P, groups=groups, n_bootstrap=200)
    assert series.n_issues == grouped.n_issues == 20
    width = lambda r: r.interval["high"] - r.interval["low"]
    assert width(grouped) > 2 * width(series)  # binomial over 20 groups, not over 200 series
    assert "resamples of the groups" in grouped.interval["method"]
    assert grouped.interval["low"] <= grouped.share <= grouped.interval["high"]


def test_one_minirocket_transform_per_seed_serves_its_folds_and_sees_no_held_out_label(monkeypatch):
    from signal_diagnostics.baselines import minirocket
    from signal_diagnostics.checks.labels import out_of_fold_probabilities
    from signal_diagnostics.evaluation.splits import make_splits

    fitted = []
    fit = minirocket.MiniRocketFeatures.fit

    def counting(self, X, y=None, rows=None):
        fitted.append(len(X) if rows is None else len(rows))
        return fit(self, X, y, rows=rows)

    monkeypatch.setattr(minirocket.MiniRocketFeatures, "fit", counting)
    ds = synthetic.imbalanced(n=150, T=20, C=3, start=5, stop=12)
    y = ds.y_codes
    P = out_of_fold_probabilities(ds.X, y, folds=3, seeds=2, n_kernels=840)
    assert fitted == [150, 150]  # once per seed, on every series (label-free)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    fitted.clear()
    out_of_fold_probabilities(ds.X, y, folds=3, seeds=2, n_kernels=840, share_features=False)
    assert len(fitted) == 6 and max(fitted) < 150  # per fold, on its training series
    # a held-out series' probabilities do not move when the held-out labels change
    from signal_diagnostics.checks.labels import calibrated_fold, shared_features

    F = shared_features(ds.X, 840, seed=0)
    tr, te = next(iter(make_splits(y, folds=3, random_state=0)))
    relabelled = y.copy()
    relabelled[te] = np.roll(y[te], 1)
    a = calibrated_fold(ds.X, y, tr, te, 8, 840, 0, features=F)
    b = calibrated_fold(ds.X, relabelled, tr, te, 8, 840, 0, features=F)
    np.testing.assert_array_equal(a, b)


def test_result_is_short_json_ready_and_escapes_class_names_in_html():
    import json

    from signal_diagnostics.checks.labels import LabelIssuesResult
    from signal_diagnostics.results import Result

    y = np.repeat([0, 1, 2, 3], 25)
    P = np.full((100, 4), 0.02)
    P[np.arange(100), y] = 0.94
    P[:5] = [0.02, 0.94, 0.02, 0.02]
    res = estimate_label_issues(y, P, classes=["<script>", "b", "c", "d"], n_bootstrap=20)
    assert isinstance(res, LabelIssuesResult) and isinstance(res, Result)
    assert len(repr(res)) < 600 and "n_issues=5" in repr(res) and "noise_matrix" not in repr(res)
    assert json.loads(json.dumps(res.to_dict())) == res.to_dict()
    html = res._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_dataset_of_named_labels_gives_the_coded_estimate_under_its_own_names():
    from signal_diagnostics.data.dataset import Dataset

    ds = synthetic.bump(n=90, T=20, C=1, classes=3, start=5, stop=12, amplitude=1.0, seed=2)
    args = dict(folds=3, seeds=1, n_kernels=168, n_bootstrap=20)
    coded = label_issues(ds.X, ds.y_codes, **args).to_dict()
    named = label_issues(Dataset(ds.X, np.array(["x", "y", "z"])[ds.y_codes], lengths=ds.lengths), **args).to_dict()
    assert coded["classes"] == ["0", "1", "2"] and named["classes"] == ["x", "y", "z"]
    for key in ("n_issues", "share", "interval", "noise_matrix", "model_error", "health_score"):
        assert named[key] == coded[key], key
    assert [s["index"] for s in named["suspects"]] == [s["index"] for s in coded["suspects"]]


def test_label_issues_report_each_transform_and_fold_then_each_bootstrap_resample():
    """So a long label-issue unit is never silent: at 8,000 series it ran 11 min with only the heartbeat."""
    ds = synthetic.bump(n=120, T=30, C=1, classes=3, amplitude=3.0, seed=0)
    seen = []
    label_issues(ds.X, ds.y_codes, seeds=2, folds=3, n_kernels=500, n_bootstrap=20, progress=lambda *a: seen.append(a))
    head = [a for a in seen if len(a) == 2]
    boot = [a for a in seen if len(a) == 3]
    assert head == [(k, 8) for k in range(1, 9)]  # per seed: its transform, then its 3 folds
    assert [a[:2] for a in boot] == [(k, 20) for k in range(1, 21)] and {a[2] for a in boot} == {"bootstrap resamples"}
