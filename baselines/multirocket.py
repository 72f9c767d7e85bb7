"""The strongest fast classical baselines after MiniRocket: MultiRocket, MultiRocket-Hydra and QUANT (aeon).

The 2023 bake-off redux (Middlehurst, Schafer & Bagnall, arXiv 2304.13029) puts MultiRocket-Hydra
(and HIVE-COTE 2, far slower) in the top tier of time-series classifiers, MultiRocket just behind and
QUANT close at a fraction of the cost.

- :class:`MultiRocketRidge`: aeon's MultiRocket transform (Tan et al. 2022: MiniRocket's kernels on the
  series and its first difference, four pooling operators, ~50k features) -> standardised ridge with
  leave-one-out penalty (:class:`baselines.ridge.RidgeLOO`, the fit of ``RidgeClassifierCV``),
  batched like :class:`baselines.minirocket.MiniRocketRidge`. numba only, no extra dependency.
- :class:`AeonTorchClassifier`: aeon's ``MultiRocketHydraClassifier`` and ``QUANTClassifier``, which
  need PyTorch; without it they are refused with a message naming the extra to install.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .minirocket import MiniRocketFeatures, MiniRocketRidge
from .series import numba_threads, to_aeon

# MultiRocket takes the first difference of each series and convolves it with MiniRocket's
# length-9 kernels, so series need at least 10 steps: shorter ones are right-padded with 0.
MULTIROCKET_MIN_LENGTH = 10
TORCH_EXTRA = "pip install 'signal-diagnostics[torch]' (or pip install torch)"


def _pad_length(Xa: np.ndarray, length: int) -> np.ndarray:
    if Xa.shape[2] >= length:
        return Xa
    out = np.zeros(Xa.shape[:2] + (length,), dtype=Xa.dtype)
    out[:, :, : Xa.shape[2]] = Xa
    return out


class MultiRocketFeatures(MiniRocketFeatures):
    """aeon's MultiRocket as a transformer on ``(n, T, C)`` arrays, batched like :class:`MiniRocketFeatures`.

    Parameters
    ----------
    n_kernels : kernels asked of aeon (6,250, its default, gives 49,728 features).
    batch_size, n_jobs, random_state : as for :class:`MiniRocketFeatures`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((20, 30, 2))
    >>> MultiRocketFeatures(n_kernels=84).fit_transform(X).shape
    (20, 672)
    """

    def __init__(
        self, n_kernels: int = 6250, batch_size: int = 256, n_jobs: int | None = None, random_state: int | None = 0
    ):
        super().__init__(n_kernels=n_kernels, batch_size=batch_size, n_jobs=n_jobs, random_state=random_state)

    def fit(self, X, y=None, rows: Sequence[int] | np.ndarray | None = None):
        from aeon.transformations.collection.convolution_based import MultiRocket

        Xa = _pad_length(to_aeon(X, rows), MULTIROCKET_MIN_LENGTH)
        self.n_timesteps_ = Xa.shape[2]
        self.n_channels_ = Xa.shape[1]
        self.transformer_ = MultiRocket(
            n_kernels=self.n_kernels, n_jobs=numba_threads(self.n_jobs), random_state=self.random_state
        ).fit(Xa)
        self.n_features_out_ = int(self.transformer_.transform(Xa[:1]).shape[1])
        return self

    def iter_transform(self, X, rows: Sequence[int] | np.ndarray | None = None) -> Iterator[np.ndarray]:
        n = len(X) if rows is None else len(rows)
        step = max(1, int(self.batch_size))
        for i in range(0, n, step):
            Xa = to_aeon(X[i : i + step] if rows is None else X[np.asarray(rows[i : i + step])])
            if Xa.shape[1] != self.n_channels_:
                raise ValueError(f"X has {Xa.shape[1]} channels; MultiRocketFeatures was fitted on {self.n_channels_}")
            Xa = _pad_length(Xa, self.n_timesteps_)
            yield np.asarray(self.transformer_.transform(Xa), dtype=np.float32)


class MultiRocketRidge(MiniRocketRidge):
    """MultiRocket features -> ``StandardScaler`` -> ridge classifier with leave-one-out penalty choice.

    Parameters
    ----------
    n_kernels : MultiRocket kernels (6,250 gives 49,728 features).
    alphas : ridge penalties searched; ``None`` means ``np.logspace(-3, 3, 10)``.
    batch_size : series per transform batch.
    n_jobs : threads for MultiRocket; None: as many as numba may use now.
    random_state : seed of MultiRocket.
    class_weight : ``"balanced"`` (for balanced accuracy) or ``None`` (for plain accuracy): see
        :class:`baselines.minirocket.MiniRocketRidge`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 30, 1)), np.repeat([0, 1], 20)
    >>> X[y == 1, 10:20, 0] += 2.0
    >>> MultiRocketRidge(n_kernels=84).fit(X, y).predict(X).shape
    (40,)
    """

    description = "MultiRocket (aeon, ~50k convolution features on the series and its differences) + standardised ridge"

    def __init__(
        self,
        n_kernels: int = 6250,
        alphas: Any = None,
        batch_size: int = 256,
        n_jobs: int | None = None,
        random_state: int | None = 0,
        class_weight: str | None = "balanced",
    ):
        super().__init__(
            n_kernels=n_kernels,
            alphas=alphas,
            batch_size=batch_size,
            n_jobs=n_jobs,
            random_state=random_state,
            class_weight=class_weight,
        )

    def features(self) -> MultiRocketFeatures:
        return MultiRocketFeatures(
            n_kernels=self.n_kernels, batch_size=self.batch_size, n_jobs=self.n_jobs, random_state=self.random_state
        )


def torch_available() -> bool:
    """Whether PyTorch can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


TORCH_MODELS = {
    "multirocket_hydra": ("aeon.classification.convolution_based", "MultiRocketHydraClassifier"),
    "quant": ("aeon.classification.interval_based", "QUANTClassifier"),
}


class AeonTorchClassifier(ClassifierMixin, BaseEstimator):
    """aeon's MultiRocket-Hydra or QUANT classifier on ``(n, T, C)`` arrays (both need PyTorch).

    Parameters
    ----------
    model : ``"multirocket_hydra"`` or ``"quant"``.
    random_state : seed passed to aeon.
    n_jobs : threads (MultiRocket-Hydra only).

    Raises
    ------
    ImportError
        At ``fit`` when PyTorch is not installed, naming the extra that installs it.
    """

    def __init__(self, model: str = "quant", random_state: int | None = 0, n_jobs: int = 1):
        self.model = model
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _make(self):
        import importlib

        if self.model not in TORCH_MODELS:
            raise ValueError(f"model must be one of {sorted(TORCH_MODELS)}; got {self.model!r}")
        if not torch_available():
            raise ImportError(f"the {self.model} baseline needs PyTorch, which is not installed: {TORCH_EXTRA}")
        module, name = TORCH_MODELS[self.model]
        cls = getattr(importlib.import_module(module), name)
        kwargs = {"random_state": self.random_state}
        if self.model == "multirocket_hydra":
            kwargs["n_jobs"] = self.n_jobs
        return cls(**kwargs)

    def fit(self, X, y):
        y = np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has only one class ({self.classes_[0]!r}): a classifier needs at least two")
        Xa = _pad_length(to_aeon(X), MULTIROCKET_MIN_LENGTH)
        self.n_timesteps_ = Xa.shape[2]
        self.estimator_ = self._make().fit(Xa.astype(np.float64), codes)
        return self

    def predict(self, X) -> np.ndarray:
        Xa = _pad_length(to_aeon(X), self.n_timesteps_).astype(np.float64)
        return self.classes_[np.asarray(self.estimator_.predict(Xa)).astype(np.int64)]


__all__ = ["MultiRocketFeatures", "MultiRocketRidge", "AeonTorchClassifier", "torch_available", "TORCH_MODELS"]
