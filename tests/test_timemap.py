"""The where-in-time map: per timestep x channel tests across classes, BH-corrected."""

import json
import time

import numpy as np
import pytest
from scipy import stats

from signal_diagnostics.checks.timemap import timestep_signal
from signal_diagnostics.data import synthetic


def test_bump_window_is_found_on_the_planted_channel_and_steps():
    ds = synthetic.bump(n=300, T=40, C=3, start=15, stop=25, channel=1, amplitude=1.5, seed=3)
    m = timestep_signal(ds.X, ds.y_codes, ds.lengths)
    planted = ds.meta["planted"]
    on_channel = [w for w in m.significant_windows if w["channel"] == 1]
    assert len(on_channel) == 1
    w = on_channel[0]
    assert abs(w["start"] - planted["start"]) <= 1 and abs(w["stop"] - planted["stop"]) <= 1
    outside = m.significant.copy()
    outside[planted["start"] : planted["stop"], 1] = False
    assert outside.sum() <= 2


def test_window_words_name_channel_and_inclusive_steps():
    ds = synthetic.bump(n=300, start=15, stop=25, channel=2, amplitude=2.0, seed=1)
    m = timestep_signal(ds.X, ds.y_codes, ds.lengths)
    assert m.significant_windows[0]["words"] == "channel 2, steps 15-24"
    assert "channel 2, steps 15-24" in m.summary


def test_pure_noise_has_almost_no_significant_cells():
    ds = synthetic.noise(n=300, T=40, C=3, classes=3, seed=5)
    m = timestep_signal(ds.X, ds.y_codes, ds.lengths)
    assert m.significant.sum() <= 2
    assert np.nanmin(m.q_value) > 0.01


def test_padded_values_are_ignored():
    rng = np.random.default_rng(0)
    n, T = 200, 30
    y = np.repeat([0, 1], n // 2)
    X = rng.standard_normal((n, T, 1)) + 3.0  # zeros would be far below every real value
    lengths = np.full(n, T)
    lengths[(y == 1) & (np.arange(n) % 2 == 0)] = 20  # half of class 1 is padded from step 20
    X[np.arange(T)[None, :] >= lengths[:, None]] = 0.0
    ignored = timestep_signal(X, y, lengths)
    counted = timestep_signal(X, y, np.full(n, T))
    assert counted.significant[20:, 0].all()  # counting the padding would call these steps significant
    assert not ignored.significant[20:, 0].any()
    assert ignored.n_values[25] == n - n // 4


@pytest.mark.parametrize("test, scipy_test", [("kruskal", stats.kruskal), ("anova", stats.f_oneway)])
def test_each_cell_matches_scipy_on_its_real_values(test, scipy_test):
    ds = synthetic.imbalanced(n=200, T=20, C=3, classes=4, start=5, stop=10, seed=2)
    X = ds.X.astype(np.float64)
    m = timestep_signal(X, ds.y_codes, ds.lengths, test=test)
    for t in (0, 7, 15, 19):
        for c in range(3):
            keep = ds.lengths > t
            groups = [X[keep & (ds.y_codes == k), t, c] for k in range(4)]
            ref = scipy_test(*[g for g in groups if len(g)])
            assert m.statistic[t, c] == pytest.approx(ref.statistic, rel=1e-8)
            assert m.p_value[t, c] == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)


def test_cells_where_one_class_has_data_get_p_one():
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], 50)
    lengths = np.where(y == 0, 20, 10)
    X = rng.standard_normal((100, 20, 2))
    m = timestep_signal(X, y, lengths)
    assert np.all(m.p_value[10:] == 1.0)
    assert np.all(np.isnan(m.statistic[10:]))


def test_q_values_are_benjamini_hochberg_over_all_cells():
    from statsmodels.stats.multitest import multipletests

    ds = synthetic.bump(n=120, amplitude=0.8, seed=4)
    m = timestep_signal(ds.X, ds.y_codes, ds.lengths)
    expected = multipletests(m.p_value.ravel(), method="fdr_bh")[1].reshape(m.p_value.shape)
    np.testing.assert_allclose(m.q_value, expected)


def test_to_dict_is_plain_json_with_contract_keys():
    ds = synthetic.bump(n=100, variable_length=True, seed=0)
    d = timestep_signal(ds.X, ds.y_codes, ds.lengths).to_dict()
    assert {"test", "statistic", "q_value", "significant_windows", "summary"} <= set(d)
    assert len(d["q_value"]) == ds.n_timesteps and len(d["q_value"][0]) == ds.n_channels
    json.dumps(d, allow_nan=False)


def test_two_thousand_cells_with_a_thousand_series_take_under_two_seconds():
    ds = synthetic.bump(n=1000, T=200, C=10, amplitude=0.5, seed=0)
    timestep_signal(ds.X[:50], ds.y_codes[:50])  # warm imports
    t = time.perf_counter()
    timestep_signal(ds.X, ds.y_codes, ds.lengths, n_permutations=0)  # the map alone; clusters: test_timemap_clusters
    assert time.perf_counter() - t < 2.0


@pytest.mark.parametrize("test", ["kruskal", "anova"])
def test_map_computed_in_blocks_of_cells_equals_the_whole_map(monkeypatch, test):
    import signal_diagnostics.checks.timemap as timemap

    ds = synthetic.bump(n=120, T=20, C=3, classes=3, start=5, stop=9, amplitude=1.0, variable_length=True, seed=3)
    whole = timestep_signal(ds.X, ds.y_codes, ds.lengths, test=test)
    monkeypatch.setattr(timemap, "CELL_BLOCK_VALUES", 120 * 7)  # 7 cells at a time, blocks cross timesteps
    blocked = timestep_signal(ds.X, ds.y_codes, ds.lengths, test=test)
    np.testing.assert_array_equal(blocked.statistic, whole.statistic)
    np.testing.assert_array_equal(blocked.q_value, whole.q_value)
    assert blocked.significant_windows == whole.significant_windows
