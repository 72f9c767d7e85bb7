"""The cluster-based permutation test over time: equal to MNE's, a planted window and nothing else."""

import numpy as np
import pytest

from signal_diagnostics.checks.step_tests import kruskal
from signal_diagnostics.checks.timemap import cluster_test, timestep_signal
from signal_diagnostics.data import synthetic


def test_clusters_and_masses_equal_mne_and_p_values_agree_within_monte_carlo_error():
    mne = pytest.importorskip("mne")
    import scipy.sparse as sp
    from scipy import stats

    ds = synthetic.bump(n=120, T=30, C=2, classes=3, start=10, stop=20, channel=1, amplitude=0.8, seed=3)
    X, y = ds.X.astype(float), ds.y_codes

    def stat_fun(*groups):  # our vectorised per-cell statistic, as MNE's stat_fun
        V = np.concatenate(groups)
        onehot = np.repeat(np.eye(len(groups)), [len(g) for g in groups], axis=0)
        counts = np.repeat(onehot.sum(axis=0)[:, None], V.shape[1], axis=1)
        return kruskal(V, onehot, counts)[0]

    threshold = stats.chi2.isf(0.05, 2)  # p < 0.05 with 3 classes
    for adjacency, mne_adjacency in (("time", sp.coo_matrix((2, 2))), ("lattice", None)):
        F, masks, pv, _ = mne.stats.permutation_cluster_test(
            [X[y == k] for k in range(3)],
            threshold=threshold,
            n_permutations=1000,
            stat_fun=stat_fun,
            adjacency=mne_adjacency,
            tail=1,
            out_type="mask",
            seed=0,
            verbose=False,
        )
        theirs = sorted(
            (int(np.argwhere(m)[:, 0].min()), int(np.argwhere(m)[:, 0].max()) + 1, float(F[m].sum()), float(p))
            for m, p in zip(masks, pv)
        )
        ours = sorted(
            (c["start"], c["stop"], c["mass"], c["p_value"])
            for c in cluster_test(X, y, ds.lengths, n_permutations=1000, adjacency=adjacency).clusters
        )
        assert [(a, b) for a, b, _, _ in ours] == [(a, b) for a, b, _, _ in theirs]
        np.testing.assert_allclose([m for _, _, m, _ in ours], [m for _, _, m, _ in theirs], rtol=1e-9)
        np.testing.assert_allclose([p for *_, p in ours], [p for *_, p in theirs], atol=0.08)


def test_timestep_map_keeps_bh_windows_and_adds_clusters():
    ds = synthetic.bump(n=200, T=40, C=3, start=15, stop=25, channel=0, amplitude=1.0, seed=0)
    d = timestep_signal(ds.X, ds.y_codes, ds.lengths, n_permutations=200).to_dict()
    assert d["significant_windows"][0]["words"] == "channel 0, steps 15-24"
    best = d["clusters"][0]
    assert (best["channel"], best["start"], best["stop"], best["significant"]) == (0, 15, 25, True)
    assert best["p_value"] == pytest.approx(1 / 201) and d["cluster_alpha"] == 0.05
    assert timestep_signal(ds.X, ds.y_codes, ds.lengths, n_permutations=0).clusters is None


@pytest.mark.slow
def test_planted_window_found_alone_and_noise_rarely_gives_a_window():
    alone = 0
    for seed in range(10):
        ds = synthetic.bump(n=200, T=40, C=3, start=15, stop=25, channel=0, amplitude=1.0, seed=seed)
        found = [c for c in cluster_test(ds.X, ds.y_codes, ds.lengths, random_state=seed).clusters if c["significant"]]
        alone += bool(found) and all(c["channel"] == 0 and c["start"] < 25 and c["stop"] > 15 for c in found)
    assert alone >= 9
    false_windows = 0
    for seed in range(20):
        ds = synthetic.noise(n=200, T=40, C=3, seed=seed)
        false_windows += any(
            c["significant"] for c in cluster_test(ds.X, ds.y_codes, ds.lengths, random_state=seed).clusters
        )
    assert false_windows <= 1
