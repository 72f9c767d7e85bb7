"""Pairwise class tests: two classes generated identical are reported indistinguishable, the rest not."""

import numpy as np

from signal_diagnostics.checks.pairs import class_pairs, per_class_recall, wilson


def test_two_identical_classes_form_the_only_indistinguishable_group():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 60)
    X = rng.standard_normal((240, 30, 1)).astype(np.float32)
    X[:, 10:20, 0] += 1.5 * np.array([0.0, 1.0, 2.0, 2.0])[y][:, None]  # classes c and d are generated identical
    res = class_pairs(X, y, classes=list("abcd"), n_kernels=1000, n_permutations=99)
    assert res.indistinguishable_groups == [["c", "d"]]
    by_pair = {(r["a"], r["b"]): r for r in res.pairs}
    assert not by_pair[("c", "d")]["distinguishable"] and by_pair[("c", "d")]["balanced_accuracy"] < 0.65
    assert all(r["distinguishable"] and r["balanced_accuracy"] > 0.85 for k, r in by_pair.items() if k != ("c", "d"))
    assert res.matrix[2][3] == res.matrix[3][2] and res.matrix[0][0] is None
    assert res.to_dict()["indistinguishable"][2][3] is True


def test_per_class_recall_intervals_contain_the_recall():
    scores = {"confusion": [[45, 5], [20, 30]], "repeats": 1}
    rows = per_class_recall(scores, ["a", "b"])
    assert [r["recall"] for r in rows] == [0.9, 0.6]
    assert all(r["low"] < r["recall"] < r["high"] for r in rows)
    low, high = wilson(0, 10)
    assert low == 0.0 and 0.2 < high < 0.35  # Wilson's upper bound for 0/10 is 0.278


def test_classes_verdict_names_the_indistinguishable_group():
    from signal_diagnostics.pipeline.verdicts.signal import classes_verdict

    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 40)
    X = rng.standard_normal((120, 20, 1)).astype(np.float32)
    X[:, 5:15, 0] += 2.0 * np.array([0.0, 1.0, 1.0])[y][:, None]
    cp = class_pairs(X, y, classes=["rest", "left", "right"], n_kernels=500, n_permutations=49).to_dict()
    v = classes_verdict({"class_pairs": cp}).to_dict()
    assert v["level"] == "some" and v["headline"] == "Classes left and right cannot be told apart from each other."
    assert "left vs right" in v["evidence"]["method"] and v["evidence"]["groups"] == [["left", "right"]]
    assert classes_verdict({}).to_dict()["level"] is None


def test_pairs_get_the_permutations_their_number_needs_to_be_told_apart():
    # 6 classes, 15 pairs; class 0 alone differs, so 5 pairs are told apart by every fit. At alpha = 0.01
    # BH needs p <= 5 * 0.01 / 15 = 0.0033 for them, which 199 permutations (smallest p 0.005) cannot give.
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(6), 20)
    X = rng.standard_normal((120, 30, 1)).astype(np.float32)
    X[y == 0, 10:20, 0] += 3.0
    res = class_pairs(X, y, n_kernels=500, n_permutations=199, alpha=0.01)
    assert res.n_permutations == 1500  # 15 / 0.01
    by_pair = {(r["a"], r["b"]): r for r in res.pairs}
    assert all(by_pair[("0", str(k))]["distinguishable"] for k in range(1, 6))
    assert all(by_pair[("0", str(k))]["p_value"] == 1 / 1501 for k in range(1, 6))


def test_pairs_that_are_noise_stop_early_and_pairs_told_apart_draw_every_permutation():
    rng = np.random.default_rng(2)
    y = np.repeat(np.arange(4), 25)
    X = rng.standard_normal((100, 30, 1)).astype(np.float32)
    X[y == 0, 10:20, 0] += 3.0  # class 0 alone differs; classes 1, 2 and 3 are the same noise
    res = class_pairs(X, y, n_kernels=500, n_permutations=999)
    by_pair = {(r["a"], r["b"]): r for r in res.pairs}
    assert res.sequential_h == 20 and res.permutations_max == 999
    for k in range(1, 4):
        assert by_pair[("0", str(k))]["permutations_drawn"] == 999 and by_pair[("0", str(k))]["p_value"] == 1 / 1000
    noise = [by_pair[(str(a), str(b))] for a in range(1, 4) for b in range(a + 1, 4)]
    assert np.mean([r["permutations_drawn"] for r in noise]) <= 999 / 3
    for r in noise:  # p = h / drawn when stopped early
        assert r["permutations_drawn"] == 999 or r["p_value"] == 20 / r["permutations_drawn"]
    assert "stops early" in res.method
