"""Padding found whichever side and value, X's orientation confirmed, and the loader's notes in the report.

Known answers: the user's data (8 classes, class 0 at 60%, a weak bump, variable lengths, all-zero
sensor drop-outs inside the series) padded four ways (post or pre, with 0 or -999) must read back as the
same right-padded X and lengths, and give the same answers.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import signal_diagnostics
from signal_diagnostics.checks.health import health_checks, mask_collision
from signal_diagnostics.cli import main
from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.data.padding import apply_padding, infer_pad_value
from signal_diagnostics.data.synthetic import imbalanced
from signal_diagnostics.errors import DataError, DataWarning
from signal_diagnostics.reports.card import answers_card
from signal_diagnostics.reports.html import render_html
from signal_diagnostics.reports.markdown import render_markdown

PINNED = Path(__file__).parent / "fixtures" / "pinned"


def _user_data(n=160, T=30, C=4, seed=0):
    """Right-padded X, its lengths and y; the first and last real steps are never all zero (so that
    padding is the only edge run), drop-outs inside the series are."""
    ds = imbalanced(n=n, T=T, C=C, seed=seed, start=8, stop=14, dropout=0.05)
    X, lengths = ds.X.copy(), ds.lengths.copy()
    first = ~np.any(X[:, 0] != 0, axis=1)
    X[first, 0] = np.random.default_rng(seed).standard_normal((int(first.sum()), C))
    assert (lengths < T).mean() > 0.5 and np.any(X[:, 1:-1].any(axis=2) == 0)
    return X, lengths, ds.y


def _padded(X, lengths, side, value):
    """The same series padded at ``side`` ("pre"/"post") with ``value``."""
    out = np.full_like(X, value)
    T = X.shape[1]
    for i, L in enumerate(lengths):
        if side == "pre":
            out[i, T - L :] = X[i, :L]
        else:
            out[i, :L] = X[i, :L]
    return out


VARIANTS = [("post", 0.0), ("pre", 0.0), ("post", -999.0), ("pre", -999.0)]


def _dataset(X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return Dataset(X, y, **kw)


@pytest.mark.parametrize("side,value", VARIANTS)
def test_every_padding_reads_back_as_the_same_right_padded_series(side, value):
    X, lengths, y = _user_data()
    ds = _dataset(_padded(X, lengths, side, value), y)
    np.testing.assert_array_equal(ds.lengths, lengths)
    np.testing.assert_array_equal(ds.X, X)
    share = 1 - lengths.sum() / lengths.size / X.shape[1]
    assert ds.summary()["padding_share"] == pytest.approx(share)


@pytest.mark.parametrize("side,value", VARIANTS[1:])
def test_a_conversion_is_noted_with_what_was_done(side, value):
    X, lengths, y = _user_data()
    with pytest.warns(DataWarning, match="padding found"):
        ds = Dataset(_padded(X, lengths, side, value), y)
    k = int((lengths < X.shape[1]).sum())
    where = "start" if side == "pre" else "end"
    assert f"padding found at the {where} of {k} of {len(y)} series (value {value:g})" in ds.summary()["notes"][0]
    assert ("moved to start at step 0" in ds.summary()["notes"][0]) == (side == "pre")


def test_stated_padding_gives_the_same_series_as_inferred():
    X, lengths, y = _user_data()
    ds = _dataset(_padded(X, lengths, "pre", -999.0), y, padding="pre", pad_value=-999)
    np.testing.assert_array_equal(ds.X, X)
    assert "padding stated at the start" in ds.summary()["notes"][0]


def test_padding_none_keeps_the_data_as_given():
    X, lengths, y = _user_data()
    pre = _padded(X, lengths, "pre", 0.0)
    ds = _dataset(pre, y, padding="none")
    np.testing.assert_array_equal(ds.X, pre)
    assert (ds.lengths == X.shape[1]).all() and ds.summary()["padding_share"] == 0.0


def test_explicit_lengths_win_over_inference():
    X, lengths, y = _user_data()
    given = np.full(len(y), X.shape[1])
    ds = _dataset(X, y, lengths=given)
    np.testing.assert_array_equal(ds.lengths, given)
    np.testing.assert_array_equal(ds.X, X)


def test_a_real_all_zero_step_at_the_far_end_of_a_pre_padded_series_stays_real():
    X, lengths, y = _user_data()
    X[0, lengths[0] - 1] = 0.0  # a drop-out at the last real step
    ds = _dataset(_padded(X, lengths, "pre", 0.0), y)
    assert ds.lengths[0] == lengths[0]


def test_a_value_that_also_occurs_inside_the_series_is_not_taken_for_padding():
    X, lengths, y = _user_data()
    padded = _padded(X, lengths, "post", -999.0)
    padded[0, 1, 0] = -999.0  # a real value equal to the candidate
    assert infer_pad_value(padded) == 0.0
    out, _, _, _ = apply_padding(padded, None)
    assert out[0, 1, 0] == -999.0  # real values never change


def test_mask_collision_counts_only_zero_steps_inside_the_real_steps():
    X, lengths, y = _user_data()
    real = np.arange(X.shape[1])[None, :] < lengths[:, None]
    dropped = int((~X.any(axis=2) & real).sum())
    ds = _dataset(_padded(X, lengths, "pre", 0.0), y)
    result = mask_collision(ds)
    assert dropped > 0 and result.value["count"] == dropped and result.status == "warn"


def test_inspect_shows_the_padding_share_of_pre_padded_data(tmp_path, capsys):
    X, lengths, y = _user_data()
    path = tmp_path / "pre.npz"
    np.savez(path, X=_padded(X, lengths, "pre", 0.0), y=y)
    assert main(["inspect", str(path)]) == 0
    share = 1 - lengths.sum() / lengths.size / X.shape[1]
    out = capsys.readouterr().out
    assert f"{share:.1%} of timesteps" in out and "padding found at the start" in out


def test_inspect_with_padding_none_reads_every_step(tmp_path, capsys):
    X, lengths, y = _user_data()
    path = tmp_path / "pre.npz"
    np.savez(path, X=_padded(X, lengths, "pre", 0.0), y=y)
    assert main(["inspect", str(path), "--padding", "none"]) == 0
    assert "0.0% of timesteps" in capsys.readouterr().out


def test_transposed_X_is_refused_and_accepted_with_layout_nct(tmp_path, capsys):
    X, lengths, y = _user_data()
    transposed = X.transpose(0, 2, 1).copy()  # (n, C=4, T=30) read as 30 channels of 4 steps
    with pytest.raises(DataError, match=r"\(160, 4, 30\) looks stored as \(n, channels, timesteps\).*--layout nct"):
        _dataset(transposed, y)
    ds = _dataset(transposed, y, layout="nct")
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.lengths, lengths)
    assert "transposed once" in ds.summary()["notes"][0]
    path = tmp_path / "nct.npz"
    np.savez(path, X=transposed, y=y)
    assert main(["inspect", str(path)]) == 2
    assert "--layout nct" in capsys.readouterr().err
    assert main(["inspect", str(path), "--layout", "nct"]) == 0


def test_unstructured_wide_X_keeps_its_hint_and_ntc_silences_it():
    X = np.random.default_rng(0).standard_normal((20, 4, 50))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        ds = Dataset(X, np.arange(20) % 2, layout="ntc")
    assert ds.X.shape == (20, 4, 50)


def test_the_health_checks_are_the_same_however_the_data_was_padded():
    X, lengths, y = _user_data()
    results = [
        [r.to_dict() for r in health_checks(_dataset(_padded(X, lengths, side, value), y), n_permutations=19)]
        for side, value in VARIANTS
    ]
    assert all(r == results[0] for r in results)
    by_name = {r["check"]: r for r in results[0]}
    assert by_name["padding"]["value"]["share"] > 0.2
    assert "same length" not in by_name["length_leak"]["message"]


@pytest.mark.slow
def test_the_answers_are_the_same_however_the_data_was_padded_or_oriented():
    X, lengths, y = _user_data(n=120, T=24, C=3, seed=1)
    options = dict(
        profile="quick",
        deep=False,
        n_permutations=19,
        learning_curve=False,
        label_checks=False,
        progress=False,
        baselines=["logistic"],
    )
    runs = [
        signal_diagnostics.report((X, y), **options),
        signal_diagnostics.report((_padded(X, lengths, "pre", -999.0), y), **options),
        signal_diagnostics.report((X.transpose(0, 2, 1).copy(), y), layout="nct", **options),
    ]
    for d in runs:
        assert d.doc["dataset"]["lengths"] == runs[0].doc["dataset"]["lengths"]
        assert d.doc["dataset"]["padding_share"] == runs[0].doc["dataset"]["padding_share"]
        assert {k: v["level"] for k, v in d.verdicts.items()} == {k: v["level"] for k, v in runs[0].verdicts.items()}
        shuffle = d.doc["signal"]["shuffle_test"]
        assert shuffle["p_value"] == runs[0].doc["signal"]["shuffle_test"]["p_value"]
        assert shuffle["observed"] == runs[0].doc["signal"]["shuffle_test"]["observed"]


NOTES = [
    "X was given as (n, channels, timesteps) = (10, 3, 20) (layout 'nct'): transposed once",
    "y is (n, 3) one-hot: converted to class codes 0..2 (column index)",
    "padding found at the start of 8 of 10 series (value -999); series moved to start at step 0, lengths inferred",
    "dropped column <script>alert(1)</script> & more",
]


def _doc_with_notes():
    doc = json.loads((PINNED / "bump_signal.json").read_text())
    doc["dataset"]["notes"] = list(NOTES)
    return doc


def test_every_loader_note_is_in_the_markdown_report():
    md = render_markdown(_doc_with_notes())
    box = md[md.index("## Data as read") : md.index("## Answers")]
    for text in NOTES[:3]:
        assert text in box.replace("\\", "")
    assert "&lt;script&gt;" in box and "<script>" not in md


@pytest.mark.parametrize("render", [render_html, answers_card])
def test_every_loader_note_is_in_the_html_report_and_card_escaped(render):
    page = render(_doc_with_notes())
    assert "Data as read" in page
    for text in NOTES[:3]:
        assert text.replace("'", "&#39;") in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page and "<script>alert" not in page
    assert page.index("Data as read") < page.index("Is there signal") if "Is there signal" in page else True


def test_no_notes_no_box():
    doc = _doc_with_notes()
    del doc["dataset"]["notes"]
    assert "Data as read" not in render_html(doc) and "Data as read" not in render_markdown(doc)
