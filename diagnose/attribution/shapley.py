"""Shapley values with whole timesteps (and, separately, whole channels) as players.

shap's ``PermutationExplainer`` with a custom masker: a hidden timestep is replaced by the
background (training mean of that step and channel). Padded steps are declared invariant, so they
are never players and get exactly zero. ``DeepExplainer`` is not used: it fails on Keras 3 LSTMs
(shap issues #3605, #4023). shap is imported only here.
"""

from __future__ import annotations

import time

import numpy as np

from signal_diagnostics.attribution.adapters import ProbaFn


class StepMasker:
    """shap masker over the ``T`` timesteps of one series: hidden steps take the background.

    ``length`` is set per series; steps at or beyond it are invariant (padding).
    """

    def __init__(self, background: np.ndarray, T: int):
        self.background = background.astype(np.float32)  # (T, C)
        self.T = T
        self.length = T
        self.shape = (1, T)

    def mask_shapes(self, x):
        return [(self.T,)]

    def invariants(self, x):
        out = np.zeros((1, self.T), dtype=bool)
        out[0, self.length :] = True
        return out

    def __call__(self, mask, x):
        x = np.asarray(x, dtype=np.float32)
        real = np.any(x != 0, axis=1) & (np.arange(self.T) < self.length)  # all-zero steps stay masked
        bg = np.where(real[:, None], self.background, 0.0)
        return np.where(np.asarray(mask, dtype=bool)[:, None], x, bg)[None].astype(np.float32)


class ChannelMasker:
    """shap masker over the ``C`` channels of one series: a hidden channel takes the background on
    the real steps (padded steps stay 0)."""

    def __init__(self, background: np.ndarray, T: int, C: int):
        self.background = background.astype(np.float32)
        self.T, self.C = T, C
        self.length = T
        self.shape = (1, C)

    def mask_shapes(self, x):
        return [(self.C,)]

    def __call__(self, mask, x):
        x = np.asarray(x, dtype=np.float32)
        real = np.any(x != 0, axis=1) & (np.arange(self.T) < self.length)
        bg = np.where(real[:, None], self.background, 0.0)
        return np.where(np.asarray(mask, dtype=bool)[None, :], x, bg)[None].astype(np.float32)


def _explain(proba: ProbaFn, masker, X, classes, lengths, players: int, permutations: int, seed: int):
    import shap

    out = np.zeros((len(X), players))
    evals = 0
    state = np.random.get_state()  # PermutationExplainer reseeds NumPy's global generator  # noqa: NPY002
    try:
        evals = _loop(proba, masker, X, classes, lengths, players, permutations, seed, out, shap)
    finally:
        np.random.set_state(state)  # noqa: NPY002 (restores what shap reseeded)
    return out, evals


def _loop(proba, masker, X, classes, lengths, players, permutations, seed, out, shap) -> int:
    evals = 0
    for i, (x, k, L) in enumerate(zip(X, classes, lengths)):
        masker.length = int(L)
        n_players = int(L) if isinstance(masker, StepMasker) else players
        max_evals = permutations * (2 * n_players + 1)
        # one explainer per series: its seed fixes the permutations, so results do not depend on order
        explainer = shap.PermutationExplainer(lambda Z, k=k: proba(Z)[:, k], masker, seed=seed + i)
        explanation = explainer(x[None], max_evals=max_evals, batch_size=max_evals, silent=True)
        out[i] = np.asarray(explanation.values).reshape(-1)[:players]
        evals += max_evals
    return evals


def shapley_values(
    proba: ProbaFn,
    X: np.ndarray,
    classes: np.ndarray,
    lengths: np.ndarray,
    background: np.ndarray,
    *,
    permutations: int = 1,
    channels: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """Timestep Shapley values of the explained-class probability.

    Parameters
    ----------
    proba : batched probability function.
    X : ``(n, T, C)`` series; classes : class code to explain per series; lengths : real lengths.
    background : ``(T, C)`` replacement values.
    permutations : forward-and-back permutation passes per series; each costs ``2 L + 1`` model
        evaluations (``max_evals = permutations * (2 L + 1)``, shap's minimum at 1).
    channels : also compute channel Shapley values (``2 C + 1`` evaluations per pass).
    seed : series ``i`` uses ``seed + i``.

    Returns
    -------
    values ``(n, T, C)`` (a step's value spread evenly over channels), per-channel mean
    ``|phi|`` ``(C,)`` or None, info.
    """
    n, T, C = X.shape
    start = time.perf_counter()
    steps, evals = _explain(proba, StepMasker(background, T), X, classes, lengths, T, permutations, seed)
    per_channel = None
    if channels and C > 1:
        phi_c, more = _explain(proba, ChannelMasker(background, T, C), X, classes, lengths, C, permutations, seed)
        per_channel = np.abs(phi_c).mean(axis=0)
        evals += more
    values = np.repeat(steps[:, :, None] / C, C, axis=2)
    info = {
        "players": "timesteps",
        "permutations": permutations,
        "model_evaluations": int(evals),
        "seconds": time.perf_counter() - start,
    }
    return values, per_channel, info
