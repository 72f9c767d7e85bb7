"""Feature matrices read as row blocks: held in memory, or recomputed on every pass, so memory stays bounded."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
from sklearn.preprocessing import StandardScaler

# Rows per block when a held feature matrix is read block by block (512 x 10k float64 = 40 MB).
ROW_BLOCK = 512


# ------------------------------------------------------------------------------------ feature rows
class FeatureRows:
    """A feature matrix read as consecutive row blocks: held in memory, or recomputed on every pass.

    Parameters
    ----------
    n_rows, n_features : its shape.
    blocks : a callable returning an iterable of consecutive row blocks (2-D arrays) covering all rows,
        the same numbers on every call.
    data : the whole matrix, when it is held.
    """

    def __init__(
        self, n_rows: int, n_features: int, blocks: Callable[[], Iterable[np.ndarray]], data: np.ndarray | None = None
    ):
        self.n_rows = int(n_rows)
        self.n_features = int(n_features)
        self._blocks = blocks
        self.data = data

    @classmethod
    def of(cls, F: np.ndarray, block: int = ROW_BLOCK) -> FeatureRows:
        """Rows of a matrix held in memory."""
        F = np.asarray(F)
        if F.ndim != 2:
            raise ValueError(f"a feature matrix must be 2-D; got shape {F.shape}")
        return cls(len(F), F.shape[1], lambda: (F[i : i + block] for i in range(0, len(F), block)), data=F)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self._blocks())

    def held(self) -> np.ndarray:
        """The whole matrix (computed now when it is not held)."""
        if self.data is None:
            out = np.empty((self.n_rows, self.n_features), dtype=np.float32)
            start = 0
            for b in self:
                out[start : start + len(b)] = b
                start += len(b)
            return out
        return self.data


def fit_scaler(F: np.ndarray, block: int | None = None) -> StandardScaler:
    """``StandardScaler().fit(F)``, computed ``block`` columns at a time: the same numbers, small temporaries.

    scikit-learn's fit makes float64 temporaries of the whole matrix (two or three ``n x p`` float64
    arrays); per column block they stay at ``n x block`` (default: about 4M values, at most 256
    columns). Columns are independent, so means, variances and scales are bit-for-bit those of one fit.
    """
    block = block or max(1, min(256, (1 << 22) // max(1, len(F))))
    parts = [StandardScaler().fit(F[:, j : j + block]) for j in range(0, F.shape[1], block)]
    scaler = StandardScaler()
    for name in ("mean_", "var_", "scale_"):
        setattr(scaler, name, np.concatenate([getattr(part, name) for part in parts]))
    scaler.n_samples_seen_ = parts[0].n_samples_seen_
    scaler.n_features_in_ = F.shape[1]
    return scaler
