"""The Attribution record: per-series importances and their summaries over the real steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from signal_diagnostics.baselines.series import step_mask
from signal_diagnostics.results import Result, to_jsonable


@dataclass(frozen=True, repr=False)
class Attribution(Result):
    """Importance of every timestep (and channel) of the explained series for one method.

    Attributes
    ----------
    method : ``"shap"``, ``"integrated_gradients"``, ``"occlusion"`` or ``"attention"``.
    values : ``(n, T, C)`` signed importance for the explained class; exactly 0 on padded steps.
        Methods whose players are whole timesteps (shap, occlusion, attention) spread a step's value
        evenly over its channels.
    timestep : ``(n, T)`` values summed over channels.
    per_timestep : ``(T,)`` mean ``|timestep|`` over the series that reach each step (NaN where none does).
    per_channel : ``(C,)`` mean absolute importance per channel (NaN for attention, which has none).
    per_class : ``{class code: (T,)}`` as ``per_timestep`` over the series explained as that class.
    explained : ``(n,)`` class code explained per series (true class when y was given, else predicted).
    lengths : ``(n,)`` real length of each series.
    completeness : integrated gradients only: ``{"per_series": [...], "mean_relative_error", ...}``.
    info : method options and cost (model evaluations, seconds).
    """

    method: str
    values: np.ndarray
    timestep: np.ndarray
    per_timestep: np.ndarray
    per_channel: np.ndarray
    per_class: dict[int, np.ndarray]
    explained: np.ndarray
    lengths: np.ndarray
    completeness: dict[str, Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)

    repr_fields = ("method", "values", "per_timestep", "per_channel", "per_class", "info")

    def to_dict(self) -> dict:
        """Plain JSON: the summaries, completeness and info (not the per-series arrays).

        Overridden because the document keeps the summaries only: the ``(n, T, C)`` values would make it
        as large as the data.
        """
        return to_jsonable(
            {
                "method": self.method,
                "per_timestep": self.per_timestep,
                "per_channel": self.per_channel,
                "per_class": self.per_class,
                "completeness": self.completeness,
                "info": self.info,
                "n_series": len(self.values),
            }
        )


def _mean_abs_over_real(timestep: np.ndarray, real: np.ndarray) -> np.ndarray:
    counts = real.sum(axis=0)
    sums = np.where(real, np.abs(timestep), 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def summarise(
    method: str,
    values: np.ndarray,
    explained: np.ndarray,
    lengths: np.ndarray,
    n_classes: int,
    *,
    per_channel: np.ndarray | None = None,
    completeness: dict | None = None,
    info: dict | None = None,
) -> Attribution:
    """Zero the padded steps of ``values`` and build the :class:`Attribution` summaries.

    ``per_channel`` overrides the channel summary (methods with a separate channel-player pass).
    """
    n, T, C = values.shape
    real = step_mask(lengths, T)
    values = np.where(real[:, :, None], values, 0.0).astype(np.float64)
    timestep = values.sum(axis=2)
    if per_channel is None:
        cells = real.sum() * 1.0
        per_channel = np.abs(values).sum(axis=(0, 1)) / max(cells, 1.0)
    per_class = {
        int(k): _mean_abs_over_real(timestep[explained == k], real[explained == k])
        for k in range(n_classes)
        if np.any(explained == k)
    }
    return Attribution(
        method=method,
        values=values,
        timestep=timestep,
        per_timestep=_mean_abs_over_real(timestep, real),
        per_channel=np.asarray(per_channel, dtype=np.float64),
        per_class=per_class,
        explained=np.asarray(explained, dtype=np.int64),
        lengths=np.asarray(lengths),
        completeness=completeness,
        info=dict(info or {}),
    )
