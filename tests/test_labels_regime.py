"""Known answers in the user's regime (issue 20, items 1, 2 and 7): one dominant class, weak signal.

Label issues and ceilings are given only where the out-of-fold model separates classes; class groups are
cliques of pairs shown alike with power, never chains.
"""

import numpy as np
import pytest

from signal_diagnostics.checks.ceiling import accuracy_ceilings
from signal_diagnostics.checks.labels import estimate_label_issues, label_issues
from signal_diagnostics.checks.pairs import class_pairs, maximal_cliques
from signal_diagnostics.data import synthetic
from signal_diagnostics.pipeline.verdicts.decide import recommendations
from signal_diagnostics.pipeline.verdicts.signal import classes_verdict, labels_verdict

pytest.importorskip("cleanlab")


def _dominant(amplitude: float, seed: int = 3):
    """8 classes, class 0 at 60%, 240 series, a class-specific bump of ``amplitude`` (0: pure noise)."""
    return synthetic.imbalanced(n=240, T=30, C=4, classes=8, majority=0.6, amplitude=amplitude, dropout=0.0, seed=seed)


def test_pure_noise_with_a_dominant_class_gives_no_share_no_suspects_and_no_ceiling():
    ds = _dominant(0.0)
    li = label_issues(ds.X, ds.y_codes, seeds=1, n_kernels=500, n_bootstrap=20).to_dict()
    assert li["share"] is None and li["n_issues"] is None and li["suspects"] == []
    assert not any(r["separable"] for r in li["separability"]) and "no class" in li["cannot_tell"]
    v = labels_verdict({"label_issues": li}).to_dict()
    assert v["level"] == "cannot tell" and "%" not in v["headline"] and "#" not in v["headline"]
    assert "separates no class" in v["sentence"]
    c = accuracy_ceilings(None, None, li, achieved=0.6)
    assert c["accuracy_ceiling"] is None and not any(x["source"] == "label_noise" for x in c["ceilings"])


def test_on_clean_weak_data_no_ceiling_equals_the_accuracy_reached():
    ds = _dominant(0.5)  # labels clean by construction; the model errs on overlapping classes
    li = label_issues(ds.X, ds.y_codes, seeds=1, n_kernels=500, n_bootstrap=20).to_dict()
    achieved = 1.0 - li["model_error"]
    c = accuracy_ceilings(None, None, li, achieved=achieved)
    assert c["accuracy_ceiling"] is None or abs(c["accuracy_ceiling"] - achieved) > 0.02, (c, achieved)
    if li["restates_error"]:  # the "wrong labels" are the model's errors: shown, but never a ceiling
        assert not next(x for x in c["ceilings"] if x["source"] == "label_noise")["holds"]


def test_injected_noise_on_weak_signal_is_recovered_or_not_claimed():
    ds = _dominant(1.5)
    rng = np.random.default_rng(1)
    y = ds.y_codes.copy()
    flip = rng.choice(len(y), 24, replace=False)  # 10% of the labels, moved to another class
    y[flip] = (y[flip] + rng.integers(1, 8, len(flip))) % 8
    res = label_issues(ds.X, y, seeds=1, n_kernels=500, n_bootstrap=50)
    claimed = res.share is not None and not res.restates_error
    if claimed:  # a confident share must contain the truth
        assert res.interval["low"] <= 0.10 <= res.interval["high"], res.interval
        v = labels_verdict({"label_issues": res.to_dict()}).to_dict()
        assert v["level"] in ("some", "many")
    else:
        assert labels_verdict({"label_issues": res.to_dict()}).to_dict()["level"] in ("cannot tell", "overlap")


def test_suspects_carry_the_users_ids_and_name_the_probability():
    y = np.repeat([0, 1, 2, 3], 25)
    P = np.full((100, 4), 0.02)
    P[np.arange(100), y] = 0.94
    P[:5] = [0.02, 0.94, 0.02, 0.02]
    ids = np.array([f"rec-{i:03d}" for i in range(100)])
    res = estimate_label_issues(y, P, ids=ids, n_bootstrap=10).to_dict()
    assert {s["id"] for s in res["suspects"]} == {f"rec-{i:03d}" for i in range(5)}
    v = labels_verdict({"label_issues": dict(res, restates_error=False)}).to_dict()
    assert "#rec-00" in v["evidence"]["method"] and "P(1) = 0.94" in v["evidence"]["method"]
    assert " p = " not in v["evidence"]["method"]


def test_npz_ids_become_the_datasets_ids(tmp_path):
    from signal_diagnostics.data.npz import load_npz

    path = tmp_path / "d.npz"
    np.savez(path, X=np.ones((3, 4, 1), np.float32), y=[0, 1, 0], ids=["a7", "b2", "c9"])
    assert load_npz(path).ids.tolist() == ["a7", "b2", "c9"]
    np.savez(path, X=np.ones((3, 4, 1), np.float32), y=[0, 1, 0])
    assert load_npz(path).ids.tolist() == ["0", "1", "2"]


def test_twins_among_separable_classes_with_a_dominant_class_are_the_only_group():
    ds = synthetic.twins(n=400, T=40, C=1, classes=4, majority=0.4, amplitude=1.5, twin=(2, 3), seed=0)
    cp = class_pairs(ds.X, ds.y_codes, classes=list("abcd"), n_kernels=500, n_permutations=99)
    assert cp.indistinguishable_groups == [["c", "d"]]
    by = {(r["a"], r["b"]): r for r in cp.pairs}
    assert by[("c", "d")]["status"] == "indistinguishable" and by[("c", "d")]["high"] < 0.6
    # pairs with the dominant class are not stuck at the majority-guess 0.50: the head is balanced
    assert all(by[("a", k)]["balanced_accuracy"] > 0.8 for k in "bcd")
    v = classes_verdict({"class_pairs": cp.to_dict()}).to_dict()
    assert v["level"] == "some" and v["headline"] == "Classes c and d cannot be told apart from each other."


def _pairs_doc(statuses: dict) -> dict:
    pairs = [
        {
            "a": a,
            "b": b,
            "balanced_accuracy": 0.5 if s != "apart" else 0.9,
            "low": 0.4,
            "high": 0.58 if s == "indistinguishable" else (0.75 if s == "too_few" else 0.95),
            "p_value": 0.5 if s != "apart" else 0.001,
            "q_value": 0.5 if s != "apart" else 0.003,
            "distinguishable": s == "apart",
            "status": s,
            "n_series": 200,
        }
        for (a, b), s in statuses.items()
    ]
    linked = np.zeros((3, 3), bool)
    for (a, b), s in statuses.items():
        linked["abc".index(a), "abc".index(b)] = linked["abc".index(b), "abc".index(a)] = s == "indistinguishable"
    return {
        "pairs": pairs,
        "indistinguishable_groups": maximal_cliques(list("abc"), linked),
        "alpha": 0.05,
        "power_rule": {"rule": "stated", "practical_balanced_accuracy": 0.6},
    }


def test_a_chain_never_becomes_a_group():
    chain = _pairs_doc({("a", "b"): "indistinguishable", ("b", "c"): "indistinguishable", ("a", "c"): "apart"})
    assert chain["indistinguishable_groups"] == [["a", "b"], ["b", "c"]]
    verdicts = {"classes": classes_verdict({"class_pairs": chain}).to_dict(), "signal": {"level": "weak"}}
    assert ["a", "b", "c"] not in verdicts["classes"]["evidence"]["groups"]
    recs = [r for r in recommendations({}, verdicts) if r["id"] == "inseparable_classes"]
    assert len(recs) == 1 and "with 200 series" in recs[0]["text"] and "Merge them" not in recs[0]["text"]
    assert "features" in recs[0]["text"]  # merging is never the only remedy


def test_pairs_not_told_apart_without_power_make_no_group_and_no_advice():
    few = _pairs_doc({("a", "b"): "too_few", ("b", "c"): "too_few", ("a", "c"): "apart"})
    assert few["indistinguishable_groups"] == []
    v = classes_verdict({"class_pairs": few}).to_dict()
    assert v["level"] == "too few" and "too few series" in v["headline"]
    assert not [
        r for r in recommendations({}, {"classes": v, "signal": {"level": "weak"}}) if r["id"] == "inseparable_classes"
    ]
