"""Which timesteps does a model use? Attributions for deep and classical models, and their checks.

Methods: Shapley values with timesteps as players (shap's PermutationExplainer), integrated
gradients (Keras, per-backend gradients), sliding-window occlusion, and attention weights. Checks:
deletion-curve faithfulness (AOPC against random orders), precision on a planted window, and
Kendall's tau between importance profiles (models, methods, attention vs gradients, the classical
timestep map). Keras, TensorFlow and shap are imported only by the methods that need them.
"""

from __future__ import annotations

from signal_diagnostics.attribution.agreement import kendall_tau, reference_agreement, timestep_map_profile
from signal_diagnostics.attribution.explain import METHODS, applicable, attribute, explain_models
from signal_diagnostics.attribution.faithfulness import faithfulness, window_precision
from signal_diagnostics.attribution.record import Attribution

__all__ = [
    "METHODS",
    "Attribution",
    "applicable",
    "attribute",
    "explain_models",
    "faithfulness",
    "kendall_tau",
    "reference_agreement",
    "timestep_map_profile",
    "window_precision",
]
