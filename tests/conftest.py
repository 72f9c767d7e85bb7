"""Shared test settings and data: the planted-bump arrays most tests start from."""

import os

import numpy as np

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def planted_bump(
    n=60, T=20, C=2, *, start=8, stop=12, channel=0, amplitude=2.0, labels=("calm", "bump"), random_state=0
):
    """Plain ``(X, y)`` arrays: two equal classes of Gaussian noise, the second with ``amplitude`` added on
    ``channel`` over steps ``start:stop`` only (``synthetic.bump`` gives the same idea as a Dataset).

    Tests import it (``from conftest import planted_bump``) where they need arrays rather than a Dataset.
    """
    rng = np.random.default_rng(random_state)
    y = np.repeat(np.asarray(labels), n // 2)
    X = rng.standard_normal((n, T, C)).astype(np.float32)
    X[y == labels[1], start:stop, channel] += amplitude
    return X, y
