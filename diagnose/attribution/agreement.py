"""Do two importance profiles over time rank the steps alike? Kendall's tau."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats


def kendall_tau(a, b) -> float | None:
    """Kendall's tau-b between two ``(T,)`` importance vectors over the steps where both are finite.

    None when fewer than 3 steps remain or either vector is constant there (tau is undefined).
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"importance vectors differ in length: {a.shape[0]} and {b.shape[0]}")
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return None
    tau = stats.kendalltau(a[keep], b[keep]).statistic
    return float(tau) if np.isfinite(tau) else None


def timestep_map_profile(timestep_map) -> np.ndarray:
    """``(T,)`` the classical timestep map's statistic summed over channels (NaN cells count 0).

    Accepts the ``signal.timestep_map`` dict (``"statistic"`` ``[T][C]``), a TimestepMapResult or a
    ``(T, C)`` array.
    """
    if isinstance(timestep_map, Mapping):
        statistic = timestep_map["statistic"]
    else:
        statistic = getattr(timestep_map, "statistic", timestep_map)
    s = np.asarray(statistic, dtype=np.float64)
    if s.ndim == 1:
        return s
    return np.nansum(np.where(np.isfinite(s), s, np.nan), axis=1)


def reference_agreement(rows: list[dict], references: Mapping[str, str | None]) -> list[dict]:
    """Add to each attribution row its Kendall tau against its model's reference, explained by the same method.

    Does a model rank the timesteps like its reference (the same stack without attention)? The tau goes
    first in the row's ``agreement`` as ``kendall_tau_vs_reference``, and ``reference`` names the model.
    Rows of a method that could not run (``status: "error"``) neither get nor give one. ``rows`` are
    changed in place and returned.
    """
    profiles = {(r["model"], r["method"]): r["timestep_importance"] for r in rows if r.get("status") != "error"}
    for row in rows:
        ref = references.get(row["model"])
        if row.get("status") != "error" and ref is not None and (ref, row["method"]) in profiles:
            tau = kendall_tau(row["timestep_importance"], profiles[(ref, row["method"])])
            row["agreement"] = {"kendall_tau_vs_reference": tau, **(row.get("agreement") or {})}
            row["reference"] = ref
    return rows
