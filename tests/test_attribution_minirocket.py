"""Shapley and occlusion attributions of MiniRocket + ridge on a planted window."""

import numpy as np
import pytest

from signal_diagnostics.attribution import attribute, window_precision
from signal_diagnostics.data import synthetic

START, STOP, T = 12, 18, 30


def _minirocket():
    """``baselines.make("minirocket")`` when the baselines are there, else the same pipeline here."""
    from signal_diagnostics import baselines

    if hasattr(baselines, "make"):
        return baselines.make("minirocket", random_state=0)
    from aeon.transformations.collection.convolution_based import MiniRocket
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    to_aeon = FunctionTransformer(lambda X: np.transpose(X, (0, 2, 1)))  # (n, T, C) -> (n, C, T)
    return make_pipeline(
        to_aeon,
        MiniRocket(n_kernels=2000, random_state=0),
        StandardScaler(),
        RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)),
    )


@pytest.fixture(scope="module")
def fitted():
    d = synthetic.bump(n=300, T=T, C=2, start=START, stop=STOP, amplitude=2.0, seed=0)
    return d, _minirocket().fit(d.X[:225], d.y_codes[:225])


@pytest.mark.parametrize("method", ["shap", "occlusion"])
def test_minirocket_attributions_find_the_planted_window(fitted, method):
    d, model = fitted
    a = attribute(model, d.X[225:255], d.y_codes[225:255], method=method, background=d.X[:225])
    assert window_precision(a, START, STOP) > (STOP - START) / T + 0.25


@pytest.mark.slow
def test_explain_models_explains_a_baseline_with_model_agnostic_methods_only():
    from signal_diagnostics import baselines

    if not hasattr(baselines, "make"):
        pytest.skip("signal_diagnostics.baselines.make is not there yet")
    from signal_diagnostics.attribution import explain_models

    d = synthetic.bump(n=200, T=T, C=2, start=START, stop=STOP, amplitude=2.0, seed=0)
    rows = explain_models(
        d,
        ["minirocket"],
        methods=["shap", "integrated_gradients", "occlusion", "attention"],
        samples=20,
        random_state=0,
    )
    assert {r["method"] for r in rows} == {"shap", "occlusion"}
    assert all(r["faithfulness"]["aopc"] > r["faithfulness"]["random_aopc"] for r in rows)
