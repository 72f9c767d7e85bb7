"""Would more data help? The learning curve's extrapolation, in words."""

from __future__ import annotations

from signal_diagnostics.pipeline.verdicts.base import Verdict, get_path


def _curve_parts(lc: dict) -> list[str]:
    parts = []
    for key, words in (("2x", "twice"), ("10x", "ten times")):
        e = (lc.get("extrapolation") or {}).get(key) or {}
        if e.get("mean") is not None:
            band = (
                f" [{e['low']:.3f}, {e['high']:.3f}]" if e.get("low") is not None and e.get("high") is not None else ""
            )
            parts.append(f"{e['mean']:.3f}{band} expected with {words} the data")
    return parts


def more_data_verdict(doc: dict) -> Verdict:
    """``yes`` / ``no`` / ``cannot tell`` from the learning curve's extrapolation."""
    lc = get_path(doc, "signal", "learning_curve") or {}
    level = lc.get("more_data_helps")
    if not lc:
        return Verdict("more_data", None, "", "The learning curve did not run.")
    sizes, mean = lc.get("train_sizes") or [], lc.get("mean") or []
    head = {"yes": "Probably yes.", "no": "Probably not.", "cannot tell": "Cannot tell."}.get(level, "")
    state = {"yes": "is still rising", "no": "has flattened", "cannot tell": "is too uncertain to extrapolate"}.get(
        level, "was measured"
    )
    model = f"{lc['model']}'s learning curve" if lc.get("model") else "The learning curve"
    evidence = {"model": lc.get("model"), "train_sizes": sizes, "mean": mean, "extrapolation": lc.get("extrapolation")}
    if not (sizes and mean and mean[-1] is not None):
        return Verdict("more_data", level, head, f"{model} {state}.", evidence)
    text = f"{model} {state}: {mean[-1]:.3f} with {sizes[-1]} training series"
    text += "".join(f"; {p}" for p in _curve_parts(lc)) + "."
    return Verdict("more_data", level, head, text, evidence)
