"""Where in time do the classes differ? The timestep map's windows, cluster-corrected when present."""

from __future__ import annotations

from signal_diagnostics.pipeline.verdicts.base import (
    Verdict,
    dict_items,
    get_path,
    unreachable_levels,
    unreachable_text,
)
from signal_diagnostics.pipeline.verdicts.thresholds import ALPHA, THROUGHOUT_SHARE


def where_verdict(doc: dict) -> Verdict:
    """Where in time the classes differ: the timestep map's windows (cluster-corrected when present)."""
    tmap = get_path(doc, "signal", "timestep_map") or {}
    if not tmap:
        return Verdict("where", None, "", "The timestep map did not run.")
    clusters = dict_items(tmap.get("clusters"))
    use_clusters = "clusters" in tmap
    if use_clusters:
        alpha = tmap.get("cluster_alpha") or ALPHA
        windows = [w for w in clusters if (w.get("p_value") if w.get("p_value") is not None else 1) <= alpha]
        how = f"cluster-based permutation test, family-wise error {alpha:g} per window"
    else:
        alpha = tmap.get("alpha") or ALPHA
        windows = dict_items(tmap.get("significant_windows"))
        how = f"Benjamini-Hochberg q < {alpha:g} per cell"
    windows = [w for w in windows if all(w.get(k) is not None for k in ("channel", "start", "stop"))]
    qv = tmap.get("q_value")
    n_steps = len(qv) if isinstance(qv, list) else 0
    n_channels = len(qv[0]) if n_steps and isinstance(qv[0], list) else None
    details = _attribution_agreement(doc)
    n_perm = get_path(doc, "config", "n_permutations")
    out_of_reach = unreachable_levels(n_perm, "where") if use_clusters and n_perm else []
    if out_of_reach:
        text = unreachable_text(out_of_reach, n_perm)
        details.append(f"{text[0].upper()}{text[1:]}: no window can be found; rerun with more permutations.")
    evidence = {
        "unreachable_levels": out_of_reach,
        "method": how,
        "windows": [{k: w.get(k) for k in ("channel", "start", "stop", "p_value", "min_q")} for w in windows],
    }
    if not windows:
        return Verdict(
            "where",
            "nowhere",
            "Nowhere in particular.",
            f"No timestep window differs between classes ({how}).",
            evidence,
            details,
        )
    channels = sorted({int(w["channel"]) for w in windows})
    covered: set[int] = set()
    for w in windows:
        covered.update(range(int(w["start"]), int(w["stop"])))
    spread = bool(n_steps) and len(covered) >= THROUGHOUT_SHARE * n_steps
    key = (
        (lambda w: w.get("p_value") if w.get("p_value") is not None else 1.0)
        if use_clusters
        else (lambda w: w.get("min_q") if w.get("min_q") is not None else 1.0)
    )
    strongest = ", ".join(
        f"channel {int(w['channel'])} (steps {int(w['start'])}-{int(w['stop']) - 1})"
        for w in sorted(windows, key=key)[:3]
    )
    on = f"on {len(channels)} of {n_channels} channels" if n_channels else f"on {len(channels)} channel(s)"
    first, last = min(int(w["start"]) for w in windows), max(int(w["stop"]) for w in windows) - 1
    text = (
        f"{len(windows)} window{'s' if len(windows) > 1 else ''} {on}, steps {first}-{last} ({how}). "
        f"Strongest: {strongest}."
    )
    head = "Throughout the series." if spread else f"In {len(windows)} window{'s' if len(windows) > 1 else ''}."
    return Verdict("where", "throughout" if spread else "windows", head, text, evidence, details)


def _attribution_agreement(doc: dict) -> list[str]:
    """One line for the first model whose attributions were compared with the timestep map."""
    lines: dict[str, list[str]] = {}
    for a in dict_items(doc.get("attribution")):
        tau = get_path(a, "agreement", "kendall_tau_vs_timestep_map")
        if tau is not None and a.get("method") != "attention":
            lines.setdefault(str(a.get("model")), []).append(f"{tau:.2f} ({str(a.get('method')).replace('_', ' ')})")
    return [
        f"{model}'s attributions rank timesteps like this map to a Kendall tau of {' and '.join(taus)}."
        for model, taus in list(lines.items())[:1]
    ]
