"""Permutations that respect groups, and why the cluster test needs them."""

import numpy as np

from signal_diagnostics.checks.timemap import cluster_test
from signal_diagnostics.evaluation.exchange import Relabeller


def test_labels_move_between_whole_groups_or_within_mixed_groups():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(6), 5)
    one_label = Relabeller(np.repeat([0, 1, 0, 1, 0, 1], 5), groups)
    drawn = one_label.draw(rng)
    assert one_label.scheme == "between groups"
    assert all(len(set(drawn[groups == g])) == 1 for g in range(6)) and np.bincount(drawn).tolist() == [15, 15]
    mixed_y = np.tile([0, 1, 1, 0, 1], 6)
    mixed = Relabeller(mixed_y, groups)
    drawn = mixed.draw(rng)
    assert mixed.scheme == "within groups"
    assert all(sorted(drawn[groups == g]) == sorted(mixed_y[groups == g]) for g in range(6))
    assert Relabeller(mixed_y).scheme == "series"


def test_subject_effects_give_no_window_once_permutations_respect_subjects():
    rng = np.random.default_rng(1)
    subjects = np.repeat(np.arange(8), 15)  # 8 subjects, each with its own offset in steps 5-14
    y = subjects % 2  # each subject holds one class; the class itself changes nothing
    X = rng.standard_normal((120, 20, 1)).astype(np.float32)
    X[:, 5:15, 0] += rng.normal(0, 1.0, 8)[subjects][:, None]
    naive = cluster_test(X, y, n_permutations=199, random_state=0)["clusters"]
    grouped = cluster_test(X, y, n_permutations=199, groups=subjects, random_state=0)
    assert any(c["significant"] for c in naive)  # series-level shuffles mistake subjects for classes
    assert not any(c["significant"] for c in grouped["clusters"]) and "between groups" in grouped["method"]
