"""The bounded-memory ridge head (RidgeLOO) makes RidgeClassifierCV's fit, held or streamed, dual or primal."""

import tracemalloc

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifierCV
from sklearn.model_selection import StratifiedKFold, permutation_test_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import signal_diagnostics.baselines.minirocket as mr
import signal_diagnostics.baselines.ridge as ridge
import signal_diagnostics.baselines.ridge_algebra as ridge_algebra
from signal_diagnostics.baselines.minirocket import MiniRocketFeatures, MiniRocketRidge
from signal_diagnostics.baselines.ridge import DEFAULT_ALPHAS, RidgeLOO
from signal_diagnostics.baselines.rows import FeatureRows
from signal_diagnostics.checks.shuffle import shuffle_test
from signal_diagnostics.data import synthetic


def _data(n, p, K, seed=0, n_test=40):
    """Features where the first 10 carry a class shift strong enough that the penalty choice varies."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    X = rng.standard_normal((n, p)) + 1.5 * y[:, None] * (np.arange(p) < 10) + 5.0  # offset: centring matters
    return X, y, rng.standard_normal((n_test, p)) + 5.0


def _streamed(F, block=29):
    """Rows of F recomputed on every pass, never held (as MiniRocket features of a large set are)."""
    return FeatureRows(len(F), F.shape[1], lambda: (F[i : i + block].copy() for i in range(0, len(F), block)))


@pytest.mark.parametrize("n,p,K", [(60, 150, 2), (90, 200, 3), (300, 20, 3), (500, 40, 2), (120, 120, 4)])
def test_ridge_loo_equals_ridge_classifier_cv(n, p, K):
    X, y, Xt = _data(n, p, K)
    sk = RidgeClassifierCV(alphas=DEFAULT_ALPHAS).fit(X, y)
    solver = RidgeLOO(FeatureRows.of(X, block=37), DEFAULT_ALPHAS, test=FeatureRows.of(Xt, block=13), class_weight=None)
    assert solver.dual == (n <= p)
    coef, intercept, best = solver.coef(y[:, None], np.arange(K))
    assert solver.alphas[best[0]] == sk.alpha_
    np.testing.assert_allclose(coef, np.atleast_2d(sk.coef_), atol=1e-12)
    np.testing.assert_allclose(intercept, np.atleast_1d(sk.intercept_), atol=1e-12)
    dec, _ = solver.decisions(y[:, None], np.arange(K))
    np.testing.assert_allclose(dec[:, 0, :].squeeze(), sk.decision_function(Xt), atol=1e-12)
    np.testing.assert_array_equal(solver.predict(y[:, None], K)[:, 0], sk.predict(Xt))


@pytest.mark.parametrize("n,p,K", [(300, 20, 3), (400, 30, 2)])
def test_streamed_rows_give_the_held_rows_fit(n, p, K):
    X, y, Xt = _data(n, p, K, seed=1)
    labels = np.stack([y] + [np.random.default_rng(s).permutation(y) for s in range(7)], axis=1)
    held = RidgeLOO(FeatureRows.of(X), DEFAULT_ALPHAS, test=FeatureRows.of(Xt))
    streamed = RidgeLOO(_streamed(X), DEFAULT_ALPHAS, test=_streamed(Xt, block=11))
    dec_h, best_h = held.decisions(labels, np.arange(K))
    dec_s, best_s = streamed.decisions(labels, np.arange(K))
    np.testing.assert_array_equal(best_h, best_s)
    np.testing.assert_allclose(dec_h, dec_s, atol=1e-10)


def test_each_column_gets_its_own_penalty_as_a_separate_fit_would():
    X, y, Xt = _data(300, 25, 2, seed=2)
    rng = np.random.default_rng(0)
    labels = np.stack([y] + [rng.permutation(y) for _ in range(5)], axis=1)
    solver = RidgeLOO(_streamed(X), DEFAULT_ALPHAS, test=FeatureRows.of(Xt), class_weight=None)
    _, best = solver.decisions(labels, np.arange(2))
    for j in range(labels.shape[1]):
        assert solver.alphas[best[j]] == RidgeClassifierCV(alphas=DEFAULT_ALPHAS).fit(X, labels[:, j]).alpha_
    assert len(set(best.tolist())) > 1  # true labels and permutations choose differently


def test_in_place_eigendecomposition_matches_numpy(monkeypatch):
    X, y, Xt = _data(200, 30, 3, seed=3)
    exact = RidgeLOO(FeatureRows.of(X), DEFAULT_ALPHAS, test=FeatureRows.of(Xt)).decisions(y[:, None], np.arange(3))[0]
    monkeypatch.setattr(ridge_algebra, "EXACT_EIGH_MAX", 0)  # scipy's eigh, in place, for every size
    for F in (X, X[:25]):  # primal and dual
        yy = y[: len(F)]
        a = RidgeLOO(FeatureRows.of(F), DEFAULT_ALPHAS, test=FeatureRows.of(Xt)).decisions(yy[:, None], np.arange(3))[0]
        monkeypatch.setattr(ridge_algebra, "EXACT_EIGH_MAX", 10_000)
        b = RidgeLOO(FeatureRows.of(F), DEFAULT_ALPHAS, test=FeatureRows.of(Xt)).decisions(yy[:, None], np.arange(3))[0]
        monkeypatch.setattr(ridge_algebra, "EXACT_EIGH_MAX", 0)
        np.testing.assert_allclose(a, b, atol=1e-9)
    assert exact.shape == (40, 1, 3)


def test_primal_fit_on_streamed_rows_never_holds_the_feature_matrix():
    n, p = 40_000, 20
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)

    def blocks():
        for i in range(0, n, 1000):
            yield np.random.default_rng(i).standard_normal((min(1000, n - i), p)) + y[i : i + 1000, None]

    rows = FeatureRows(n, p, blocks)
    tracemalloc.start()
    solver = RidgeLOO(rows, DEFAULT_ALPHAS)
    coef, _, _ = solver.coef(y[:, None], np.arange(2))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert coef.shape == (1, p) and coef[0].min() > 0
    assert peak < n * p * 8 / 4  # well under one n x p float64 matrix (6.4 MB here)


def test_minirocket_ridge_equals_the_scikit_learn_pipeline():
    d = synthetic.bump(n=90, T=30, C=2, classes=3, amplitude=1.0, seed=0)
    tr, te = np.arange(60), np.arange(60, 90)
    for n_kernels in (840, 84):  # 60 training series: the dual (n <= p); the primal is the next test
        ours = MiniRocketRidge(n_kernels=n_kernels, random_state=1, class_weight=None).fit(d.X[tr], d.y_codes[tr])
        ref = make_pipeline(
            MiniRocketFeatures(n_kernels=n_kernels, random_state=1),
            StandardScaler(),
            RidgeClassifierCV(alphas=DEFAULT_ALPHAS),
        ).fit(d.X[tr], d.y_codes[tr])
        assert ours.alpha_ == ref[-1].alpha_
        np.testing.assert_allclose(ours.decision_function(d.X[te]), ref.decision_function(d.X[te]), atol=1e-5)
        np.testing.assert_array_equal(ours.predict(d.X[te]), ref.predict(d.X[te]))


def test_minirocket_ridge_in_the_primal_equals_the_scikit_learn_pipeline():
    d = synthetic.bump(n=200, T=30, C=1, classes=2, amplitude=0.8, seed=1)
    ours = MiniRocketRidge(n_kernels=84, random_state=0, class_weight=None).fit(d.X[:150], d.y[:150])
    ref = make_pipeline(
        MiniRocketFeatures(n_kernels=84, random_state=0), StandardScaler(), RidgeClassifierCV(alphas=DEFAULT_ALPHAS)
    ).fit(d.X[:150], d.y[:150])
    assert ours.coef_.shape == (1, 84)
    np.testing.assert_allclose(ours.coef_[0], np.ravel(ref[-1].coef_), atol=1e-8)
    assert ours.alpha_ == ref[-1].alpha_
    np.testing.assert_allclose(ours.decision_function(d.X[150:]), ref.decision_function(d.X[150:]), atol=1e-5)
    np.testing.assert_array_equal(ours.predict(d.X[150:]), ref.predict(d.X[150:]))


def test_minirocket_ridge_streams_features_when_they_exceed_the_cache(monkeypatch):
    d = synthetic.bump(n=160, T=30, C=2, classes=2, amplitude=0.8, seed=2)
    held = MiniRocketRidge(n_kernels=84).fit(d.X[:120], d.y_codes[:120])
    monkeypatch.setattr(mr, "FEATURE_CACHE_BYTES", 0)
    streamed = MiniRocketRidge(n_kernels=84).fit(d.X[:120], d.y_codes[:120])
    assert streamed.alpha_ == held.alpha_
    np.testing.assert_allclose(streamed.decision_function(d.X[120:]), held.decision_function(d.X[120:]), atol=1e-5)
    np.testing.assert_array_equal(streamed.predict(d.X[120:]), held.predict(d.X[120:]))


def test_a_streamed_fit_transforms_its_training_series_as_often_as_the_cost_model_prices(monkeypatch):
    # pipeline.work.fold_transform: held features are computed once; streamed ones on each of STREAMED_PASSES
    from signal_diagnostics.pipeline.work import STREAMED_PASSES

    d = synthetic.bump(n=160, T=30, C=2, classes=3, amplitude=0.8, seed=2)
    calls = []
    transform = MiniRocketFeatures.iter_transform

    def counted(self, X, rows=None):
        calls.append(len(X) if rows is None else len(rows))
        return transform(self, X, rows)

    monkeypatch.setattr(MiniRocketFeatures, "iter_transform", counted)
    MiniRocketRidge(n_kernels=84).fit(d.X[:120], d.y_codes[:120])
    assert calls == [120]
    calls.clear()
    monkeypatch.setattr(mr, "FEATURE_CACHE_BYTES", 0)
    MiniRocketRidge(n_kernels=84).fit(d.X[:120], d.y_codes[:120])
    assert calls == [120] * STREAMED_PASSES


@pytest.mark.parametrize("n_kernels", [840, 84])
def test_minirocket_fast_path_equals_permutation_test_score_on_the_old_pipeline(n_kernels):
    d = synthetic.bump(n=150, T=30, C=2, classes=3, amplitude=0.6, seed=0)
    pairs = list(StratifiedKFold(3, shuffle=True, random_state=0).split(d.X, d.y_codes))
    fast = shuffle_test(
        d.X,
        d.y_codes,
        model=MiniRocketRidge(n_kernels=n_kernels, random_state=0, class_weight=None),
        n_permutations=8,
        folds=pairs,
        random_state=3,
    )
    old = make_pipeline(
        MiniRocketFeatures(n_kernels=n_kernels, random_state=0),
        StandardScaler(),
        RidgeClassifierCV(alphas=DEFAULT_ALPHAS),
    )
    score, null, _ = permutation_test_score(
        old, d.X, d.y_codes, cv=pairs, n_permutations=8, random_state=3, scoring="balanced_accuracy"
    )
    assert fast.observed == pytest.approx(score, abs=1e-10)
    np.testing.assert_allclose(fast.null_scores, null, atol=1e-10)


def test_fast_path_with_streamed_features_equals_held_features(monkeypatch):
    import signal_diagnostics.checks.shuffle_paths as paths

    d = synthetic.bump(n=150, T=30, C=2, classes=2, amplitude=0.6, seed=4)
    args = dict(model=MiniRocketRidge(n_kernels=84), n_permutations=20, folds=3, random_state=0)
    held = shuffle_test(d.X, d.y_codes, **args)
    monkeypatch.setattr(mr, "FEATURE_CACHE_BYTES", 0)
    monkeypatch.setattr(paths, "_TEST_CACHE_BYTES", 0)
    monkeypatch.setattr(ridge, "COLUMN_ENTRIES", 84 * 7)  # several column groups per fold
    streamed = shuffle_test(d.X, d.y_codes, **args)
    assert streamed.observed == pytest.approx(held.observed, abs=1e-10)
    np.testing.assert_allclose(streamed.null_scores, held.null_scores, atol=1e-10)


def test_scaler_fitted_by_column_blocks_is_bit_for_bit_standard_scaler():
    F = (np.random.default_rng(0).random((500, 700)) ** 3).astype(np.float32)
    F[:, 3] = 0.25  # a constant column: scale 1
    ours, ref = ridge.fit_scaler(F, block=64), StandardScaler().fit(F)
    for name in ("mean_", "var_", "scale_"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(ref, name))
    np.testing.assert_array_equal(ours.transform(F), ref.transform(F))


@pytest.mark.parametrize("n,p,K", [(80, 200, 3), (300, 30, 2)])
def test_ridge_head_equals_standard_scaler_and_ridge_classifier_cv(n, p, K):
    X, y, Xt = _data(n, p, K, seed=6)
    X, Xt = X.astype(np.float32), Xt.astype(np.float32)
    ours = ridge.RidgeHead(class_weight=None).fit(X, y)
    ref = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=DEFAULT_ALPHAS)).fit(X, y)
    assert ours.alpha_ == ref[-1].alpha_
    np.testing.assert_allclose(ours.decision_function(Xt), ref.decision_function(Xt), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(Xt), ref.predict(Xt))


@pytest.mark.parametrize("n,p", [(300, 25), (40, 60)])
def test_constant_and_duplicated_features_are_solved_as_scikit_learn_does(n, p):
    X, y, Xt = _data(n, p, 3, seed=7)
    X[:, 4], Xt[:, 4] = 2.0, 2.0  # zero variance
    X[:, 6], Xt[:, 6] = X[:, 7], Xt[:, 7]  # rank deficient
    sk = RidgeClassifierCV(alphas=DEFAULT_ALPHAS).fit(X, y)
    solver = RidgeLOO(FeatureRows.of(X), DEFAULT_ALPHAS, test=FeatureRows.of(Xt), class_weight=None)
    dec, best = solver.decisions(y[:, None], np.arange(3))
    assert solver.alphas[best[0]] == sk.alpha_
    np.testing.assert_allclose(dec[:, 0, :], sk.decision_function(Xt), atol=1e-10)


@pytest.mark.parametrize("n,p,K", [(60, 150, 3), (300, 25, 2), (300, 40, 3)])
def test_float32_screen_chooses_the_float64_penalty_for_every_permutation(n, p, K, monkeypatch):
    X, y, Xt = _data(n, p, K, seed=8)
    rng = np.random.default_rng(1)
    labels = np.stack([y] + [rng.permutation(y) for _ in range(40)], axis=1)
    solver = RidgeLOO(FeatureRows.of(X), DEFAULT_ALPHAS, test=FeatureRows.of(Xt))
    screened = solver.decisions(labels, np.arange(K))[1]
    monkeypatch.setattr(ridge, "SCREEN_GAP", np.inf)  # every fit scored again in float64
    exact = solver.decisions(labels, np.arange(K))[1]
    np.testing.assert_array_equal(screened, exact)
    assert len(set(exact.tolist())) > 1  # the choice varies, so agreement is not trivial


@pytest.mark.parametrize("n,p", [(300, 25), (60, 150)])
def test_penalties_too_close_for_float32_are_chosen_in_float64(n, p):
    X, y, Xt = _data(n, p, 3, seed=9)
    alphas = (0.5, 1.0, 1.0 + 1e-9, 2.0)  # 1 and 1 + 1e-9 differ below float32's resolution
    sk = RidgeClassifierCV(alphas=alphas).fit(X, y)
    solver = RidgeLOO(FeatureRows.of(X), alphas, test=FeatureRows.of(Xt), class_weight=None)
    _, best = solver.decisions(y[:, None], np.arange(3))
    assert solver.alphas[best[0]] == sk.alpha_


@pytest.mark.parametrize("n, p", [(40, 60), (80, 20)])  # dual and primal solver
@pytest.mark.parametrize("K", [2, 3])
def test_leave_one_out_decisions_equal_refits_without_each_series(n, p, K):
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(K)
    F, y, T = rng.standard_normal((n, p)), rng.integers(0, K, n), rng.standard_normal((5, p))
    loo, test = RidgeLOO(FeatureRows.of(F), [1.0], test=FeatureRows.of(T), class_weight=None).loo_decisions(
        y, np.arange(K)
    )
    Y = (
        np.where(y[:, None] == np.arange(K), 1.0, -1.0)[:, 1:]
        if K == 2
        else np.where(y[:, None] == np.arange(K), 1.0, -1.0)
    )
    refit = np.array(
        [Ridge(alpha=1.0).fit(np.delete(F, i, 0), np.delete(Y, i, 0)).predict(F[i : i + 1])[0] for i in range(n)]
    )
    np.testing.assert_allclose(loo, refit.reshape(n, -1), atol=1e-9)
    np.testing.assert_allclose(test, Ridge(alpha=1.0).fit(F, Y).predict(T).reshape(5, -1), atol=1e-9)


@pytest.mark.parametrize("n, p", [(40, 60), (80, 20)])  # dual and primal solver
@pytest.mark.parametrize("K", [2, 3])
def test_balanced_leave_one_out_decisions_equal_refits_without_each_series(n, p, K):
    """The balanced rule's LOO value of row i is the refit without i, with the priors of that refit."""
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(10 + K)
    F, T = rng.standard_normal((n, p)), rng.standard_normal((5, p))
    y = np.where(rng.random(n) < 0.6, 0, rng.integers(1, K, n))  # class 0 dominant
    Y = np.where(y[:, None] == np.arange(K), 1.0, -1.0)
    Y = Y[:, 1:] if K == 2 else Y

    def balanced(d, means):  # argmax_k P(k|x) / prior_k with d = 2 P - 1 and prior = (1 + mean) / 2
        return d - means if K == 2 else (d - means) / (1.0 + means)

    loo, test = RidgeLOO(FeatureRows.of(F), [1.0], test=FeatureRows.of(T)).loo_decisions(y, np.arange(K))
    refit = np.array(
        [
            balanced(
                Ridge(alpha=1.0).fit(np.delete(F, i, 0), np.delete(Y, i, 0)).predict(F[i : i + 1])[0],
                np.delete(Y, i, 0).mean(axis=0),
            )
            for i in range(n)
        ]
    )
    np.testing.assert_allclose(loo, refit.reshape(n, -1), atol=1e-9)
    whole = balanced(Ridge(alpha=1.0).fit(F, Y).predict(T).reshape(5, -1), Y.mean(axis=0))
    np.testing.assert_allclose(test, whole, atol=1e-9)


def test_balanced_ridge_finds_weak_signal_that_the_plain_ridge_hides_behind_the_majority():
    """8 classes, class 0 at 60 %, a weak class-specific bump: the plain ridge always says class 0."""
    from sklearn.metrics import balanced_accuracy_score

    from signal_diagnostics.baselines.feature_ridge import RawRidge

    scores = {"balanced": [], None: []}
    for seed in range(3):
        d = synthetic.imbalanced(n=240, T=40, C=4, amplitude=0.5, seed=seed)
        for tr, te in StratifiedKFold(4, shuffle=True, random_state=seed).split(d.X, d.y_codes):
            for cw in scores:
                model = RawRidge(class_weight=cw).fit(d.X[tr], d.y_codes[tr])
                scores[cw].append(balanced_accuracy_score(d.y_codes[te], model.predict(d.X[te])))
    assert np.mean(scores[None]) < 0.16  # chance is 1/8: the majority class, nearly always
    assert np.mean(scores["balanced"]) > 0.3  # more than twice chance


@pytest.mark.parametrize("n, p", [(120, 30), (50, 80)])  # primal and dual solver
def test_balanced_penalty_choice_weighs_each_class_equally(n, p):
    """The balanced LOO criterion is the plain one with each row's squared error divided by its class count."""
    X, y, Xt = _data(n, p, 3, seed=11)
    y = np.where(np.arange(n) % 5 < 3, 0, y)  # class 0 dominant
    labels = np.stack([y] + [np.random.default_rng(j).permutation(y) for j in range(15)], axis=1)
    solver = RidgeLOO(FeatureRows.of(X), DEFAULT_ALPHAS, test=FeatureRows.of(Xt))
    best = solver.decisions(labels, np.arange(3))[1]
    for j in range(labels.shape[1]):
        col = labels[:, j]
        w = 1.0 / np.bincount(col)[col]
        errors = []
        for a in DEFAULT_ALPHAS:  # explicit leave-one-out refits' squared errors, class-weighted
            loo = RidgeLOO(FeatureRows.of(X), [a], class_weight=None, test=FeatureRows.of(Xt)).loo_decisions(
                col, np.arange(3)
            )[0]
            Y = np.where(col[:, None] == np.arange(3), 1.0, -1.0)
            errors.append(w @ ((Y - loo) ** 2).sum(axis=1))
        assert best[j] == int(np.argmin(errors))
