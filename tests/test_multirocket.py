"""MultiRocket, MultiRocket-Hydra and QUANT baselines: registered, fit the convention, refused without torch."""

import numpy as np
import pytest
from conftest import planted_bump

from signal_diagnostics import baselines
from signal_diagnostics.baselines.multirocket import MultiRocketRidge


def test_multirocket_learns_a_planted_bump_and_is_registered():
    X, y = planted_bump(T=24, C=2, start=8, stop=16, channel=1, amplitude=2.5, labels=(0, 1))
    model = MultiRocketRidge(n_kernels=84).fit(X[::2], y[::2])
    assert np.mean(model.predict(X[1::2]) == y[1::2]) >= 0.9
    assert {"multirocket", "multirocket_hydra", "quant"} <= set(baselines.available())
    assert baselines.make("multirocket", random_state=3).random_state == 3


def test_series_shorter_than_the_kernels_are_padded():
    X, y = planted_bump(T=6, C=2, start=8, stop=16, channel=1, amplitude=2.5, labels=(0, 1))
    assert MultiRocketRidge(n_kernels=84).fit(X, y).predict(X).shape == (60,)


def test_torch_baselines_are_refused_with_the_extra_to_install(monkeypatch):
    import signal_diagnostics.baselines.multirocket as mr

    monkeypatch.setattr(mr, "torch_available", lambda: False)
    for name in ("multirocket_hydra", "quant"):
        with pytest.raises(ImportError, match=r"needs PyTorch.*signal-diagnostics\[torch\]"):
            baselines.make(name)


def test_quant_runs_when_torch_is_installed():
    pytest.importorskip("torch")
    X, y = planted_bump(T=24, C=2, start=8, stop=16, channel=1, amplitude=2.5, labels=(0, 1))
    model = baselines.make("quant").fit(X[::2], y[::2])
    assert np.mean(model.predict(X[1::2]) == y[1::2]) >= 0.8
