"""The result records of the where-in-time, class-pair, ceiling and comparison checks share one contract.

Each is a :class:`signal_diagnostics.results.Result`: a short repr, a ``to_dict()`` that survives
``json.dumps`` unchanged, and an HTML table that escapes what the user named (class and model names).
The checks start from :func:`signal_diagnostics.data.loaders.as_check_input`, so they take a Dataset
or labels of any kind and code them the one way.
"""

import json

import numpy as np
import pytest

from signal_diagnostics.attribution.record import Attribution
from signal_diagnostics.checks.ceiling import CeilingResult, bayes_error_bounds
from signal_diagnostics.checks.pairs import ClassPairsResult, class_pairs
from signal_diagnostics.checks.timemap import ClusterTestResult, TimestepMapResult, cluster_test, timestep_signal
from signal_diagnostics.data import synthetic
from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.evaluation.comparison import Comparison, compare_paired
from signal_diagnostics.evaluation.stats import (
    CorrelatedPosterior,
    Interval,
    McNemarResult,
    bayesian_correlated_t,
    mcnemar,
    nadeau_bengio,
)
from signal_diagnostics.evaluation.weight_stability import SeedStability
from signal_diagnostics.models.inspect_attention import AttentionDiagnostic
from signal_diagnostics.results import REPR_CHARS, Result

SCRIPT = "<script>alert(1)</script>"


def _regime(n=160, seed=2):
    """The user's regime: a dominant class, a weak planted window, padded series."""
    return synthetic.imbalanced(n=n, T=24, C=2, classes=3, start=6, stop=14, seed=seed)


def _contract(result, cls):
    """Short repr naming the class, JSON round trip unchanged, an HTML table."""
    assert isinstance(result, cls) and isinstance(result, Result)
    text = repr(result)
    assert text.startswith(cls.__name__ + "(") and len(text) <= REPR_CHARS
    doc = result.to_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert result._repr_html_().startswith("<table>")
    return doc


def test_timestep_map_and_cluster_test_are_results_whose_documents_round_trip():
    ds = _regime()
    m = timestep_signal(ds.X, ds.y_codes, ds.lengths, n_permutations=49)
    doc = _contract(m, TimestepMapResult)
    assert doc["method"].startswith("Kruskal-Wallis H per timestep x channel")  # the document's own shape
    assert "array(" in repr(m) and "statistic" not in repr(m)  # arrays as their size, only the chosen fields
    ct = cluster_test(ds.X, ds.y_codes, ds.lengths, n_permutations=49)
    cdoc = _contract(ct, ClusterTestResult)
    assert set(cdoc) == {
        "clusters",
        "alpha",
        "threshold",
        "n_permutations",
        "adjacency",
        "n_used",
        "null_max_mass",
        "method",
    }
    assert cdoc["n_permutations"] == 49 and cdoc["n_used"] == len(ds.y_codes)
    assert m.clusters == ct.clusters[: len(m.clusters)]  # the map carries the same test's clusters


def test_timestep_map_takes_a_dataset_and_string_labels_alike():
    ds = _regime()
    names = np.array(["rest", "left", "right"])[ds.y_codes]
    from_arrays = timestep_signal(ds.X, names, ds.lengths, n_permutations=19).to_dict()
    from_dataset = timestep_signal(Dataset(ds.X, names, lengths=ds.lengths), n_permutations=19).to_dict()
    assert from_arrays == from_dataset


def test_cluster_test_uses_the_datasets_groups():
    """A Dataset's groups reach the cluster test: subject offsets give no window once labels move with subjects."""
    rng = np.random.default_rng(1)
    subjects = np.repeat(np.arange(8), 15)
    y = subjects % 2
    X = rng.standard_normal((120, 20, 1)).astype(np.float32) + 5.0
    X[:, 5:15, 0] += rng.normal(0, 1.0, 8)[subjects][:, None]
    grouped = cluster_test(Dataset(X, y, groups=subjects, padding="none"), n_permutations=199)
    assert "between groups" in grouped.method
    assert not any(c["significant"] for c in grouped.clusters)


def test_cluster_test_refuses_an_unknown_adjacency_in_one_line():
    from signal_diagnostics.errors import DataError

    ds = _regime(n=60)
    with pytest.raises(DataError, match="adjacency must be one of"):
        cluster_test(ds.X, ds.y_codes, adjacency="diagonal")


def test_class_pairs_names_classes_by_their_labels_and_escapes_them():
    ds = _regime(n=120)
    labels = np.array(["a", "b", SCRIPT])[ds.y_codes]
    cp = class_pairs(ds.X, labels, n_kernels=84, n_permutations=19, folds=3)
    doc = _contract(cp, ClassPairsResult)
    assert doc["classes"] == sorted(["a", "b", SCRIPT])
    assert {(r["a"], r["b"]) for r in doc["pairs"]} == {("a", "b"), (SCRIPT, "a"), (SCRIPT, "b")}
    html = cp._repr_html_()
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_ceiling_result_from_a_dataset_equals_the_arrays():
    ds = _regime(n=90)
    F = np.random.default_rng(0).standard_normal((90, 3)) + 2.0 * ds.y_codes[:, None]
    r = bayes_error_bounds(None, ds.y_codes, features=F, folds=3)
    doc = _contract(r, CeilingResult)
    assert doc["features"] == "given" and 0.0 <= doc["bayes_error_lower"] <= doc["one_nn_error"]
    as_names = bayes_error_bounds(None, np.array(["x", "y", "z"])[ds.y_codes], features=F, folds=3)
    assert as_names.to_dict() == doc  # labels become the same codes whatever their type


def test_ceiling_without_series_or_features_is_one_clear_error():
    from signal_diagnostics.errors import DataError

    with pytest.raises(DataError, match="give the series X, or a features matrix"):
        bayes_error_bounds(None, np.repeat([0, 1], 10))


def test_explain_models_takes_a_dataset_arrays_or_the_run_s_check_input_alike():
    from signal_diagnostics.attribution import explain_models
    from signal_diagnostics.data.loaders import CheckInput

    ds = _regime(n=90)
    given = CheckInput(ds.X, ds.y_codes, ds.classes, ds.lengths)  # what the run's unit hands it: no second pass
    rows = [
        explain_models(data, ["logistic"], methods=["occlusion"], samples=6)
        for data in (ds, (ds.X, ds.y, ds.lengths), given)
    ]
    for other in rows[1:]:
        assert [r["timestep_importance"] for r in other] == [r["timestep_importance"] for r in rows[0]]
        assert other[0]["class_timestep_importance"].keys() == rows[0][0]["class_timestep_importance"].keys()
    assert set(rows[0][0]["class_timestep_importance"]) <= {str(c) for c in ds.classes}


def test_comparison_records_are_results_and_escape_model_names():
    a = np.array([0.80, 0.82, 0.79, 0.81, 0.78])
    b = np.array([0.70, 0.71, 0.72, 0.74, 0.69])
    iv, _ = nadeau_bengio(a, b, 40, 10, folds=5)
    _contract(iv, Interval)
    _contract(bayesian_correlated_t(a - b, 40, 10), CorrelatedPosterior)
    mc = mcnemar([0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 1], [1, 1, 1, 0, 0, 0])
    assert _contract(mc, McNemarResult)["n"] == 6
    c = compare_paired(SCRIPT, "bilstm", a, b, n_train=40, n_test=10, folds=5)
    doc = _contract(c, Comparison)
    assert doc["a"] == SCRIPT and repr(c).startswith("Comparison(verdict=")
    assert SCRIPT not in c._repr_html_()


def test_attention_records_are_results():
    d = AttentionDiagnostic(SCRIPT, "attn", 0.98, 1.3, -0.01, 0.0, "warn", "near-uniform", weights_example=[[0.5, 0.5]])
    doc = _contract(d, AttentionDiagnostic)
    assert doc["weights_example"] == [[0.5, 0.5]] and "weights_example" not in repr(d)
    assert SCRIPT not in d._repr_html_()
    s = SeedStability("bilstm_attention", "attn", 3, 5, 120, 0.02, 0.2, 0.1, "same focus")
    assert _contract(s, SeedStability)["reading"] == "same focus"


def test_attribution_document_holds_summaries_not_the_series():
    n, T, C = 4, 6, 2
    values = np.zeros((n, T, C))
    a = Attribution(
        "occlusion",
        values,
        values.sum(axis=2),
        np.zeros(T),
        np.zeros(C),
        {0: np.zeros(T)},
        np.zeros(n, dtype=int),
        np.full(n, T),
    )
    doc = _contract(a, Attribution)
    assert "values" not in doc and doc["n_series"] == n
    assert "array(4, 6, 2)" in repr(a)


@pytest.mark.parametrize("change, barely", [(0.004, True), (-0.009, True), (0.01, False), (-0.05, False)])
def test_focused_attention_barely_matters_only_within_the_rope(change, barely):
    """The words "barely matter" are decided by the ROPE of thresholds.py (+-1 point), not a literal of their own."""
    from signal_diagnostics.models.inspect_attention import _verdict

    words = _verdict(0.6, 4.0, None, "balanced_accuracy", change, 0.0)
    assert ("barely matter" in words) is barely
