"""Names -> baseline factories: each baseline module is imported only when its baseline is built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# name -> (factory(random_state=..., **params), one-line description)
_REGISTRY: dict[str, tuple[Callable[..., Any], str]] = {}
# Baselines whose fit can weigh the classes (factory takes class_weight=); the others fit nothing to
# weigh (chance, 1-NN DTW) or do not offer it (the aeon/torch classifiers).
_WEIGHTED: set[str] = set()


def register(name: str, factory: Callable[..., Any], description: str, *, class_weight: bool = False) -> None:
    """Add (or replace) a baseline: ``factory(random_state=..., **params)`` returns an estimator.

    ``class_weight=True`` declares that the factory takes ``class_weight`` (``"balanced"`` or ``None``).
    """
    if not callable(factory):
        raise TypeError(f"factory for {name!r} must be callable; got {type(factory).__name__}")
    _REGISTRY[name] = (factory, " ".join(str(description).split()))
    _WEIGHTED.discard(name)
    if class_weight:
        _WEIGHTED.add(name)


def available() -> dict[str, str]:
    """Registered baselines, name -> one-line description, in registration order."""
    return {name: desc for name, (_, desc) in _REGISTRY.items()}


def make(name: str, random_state: int = 0, class_weight: str | None = "balanced", **params: Any):
    """Build the baseline ``name`` (an unfitted scikit-learn estimator on ``(n, T, C)`` arrays).

    ``class_weight``: ``"balanced"`` fits each class as equally important (for balanced accuracy, the
    toolkit's metric), ``None`` fits for plain accuracy. It reaches the baselines that can weigh classes
    (``logistic``, ``features_gb`` and the ridge heads) and is ignored by the rest (nothing to weigh).

    Raises
    ------
    ValueError
        When ``name`` is not registered; the message lists the known names.
    """
    if name not in _REGISTRY:
        raise ValueError(f"unknown baseline {name!r}; known: {', '.join(_REGISTRY)}")
    factory, _ = _REGISTRY[name]
    if name in _WEIGHTED:
        params["class_weight"] = class_weight
    return factory(random_state=random_state, **params)


def _chance(strategy: str) -> Callable[..., Any]:
    def factory(random_state: int = 0, **params: Any):
        from .chance import ChanceClassifier

        return ChanceClassifier(strategy=strategy, random_state=random_state, **params)

    return factory


def _minirocket(random_state: int = 0, **params: Any):
    from .minirocket import MiniRocketRidge  # H2's module; imported only when asked for

    return MiniRocketRidge(random_state=random_state, **params)


def _multirocket(random_state: int = 0, **params: Any):
    from .multirocket import MultiRocketRidge

    return MultiRocketRidge(random_state=random_state, **params)


def _aeon_torch(model: str) -> Callable[..., Any]:
    def factory(random_state: int = 0, **params: Any):
        from .multirocket import TORCH_EXTRA, AeonTorchClassifier, torch_available

        if not torch_available():  # refused at once, not after the first fit
            raise ImportError(f"the {model} baseline needs PyTorch, which is not installed: {TORCH_EXTRA}")
        return AeonTorchClassifier(model=model, random_state=random_state, **params)

    return factory


def _features_gb(random_state: int = 0, **params: Any):
    from .features import SummaryFeaturesGB

    return SummaryFeaturesGB(random_state=random_state, **params)


def _logistic(random_state: int = 0, **params: Any):
    from .linear import FlatLogistic

    return FlatLogistic(random_state=random_state, **params)


def _raw_ridge(random_state: int = 0, **params: Any):
    from .feature_ridge import RawRidge

    return RawRidge(**params)


def _summary_ridge(random_state: int = 0, **params: Any):
    from .feature_ridge import SummaryRidge

    return SummaryRidge(**params)


def _dtw_1nn(random_state: int = 0, **params: Any):
    from .dtw import DTW1NN

    return DTW1NN(random_state=random_state, **params)


# Descriptions are written here (not read from the classes) so `available()` imports nothing heavy.
register(
    "chance_prior",
    _chance("prior"),
    "chance: always predicts the most frequent training class (sklearn DummyClassifier, prior)",
)
register(
    "chance_stratified",
    _chance("stratified"),
    "chance: random labels drawn with the training class frequencies (sklearn DummyClassifier, stratified)",
)
register(
    "minirocket",
    _minirocket,
    "MiniRocket (aeon, ~10k convolution features) + ridge classifier: the strong default",
    class_weight=True,
)
register(
    "dtw_1nn",
    _dtw_1nn,
    "1-nearest neighbour under dynamic time warping (aeon), Sakoe-Chiba window 10% of the length, padding trimmed",
)
register(
    "features_gb",
    _features_gb,
    "per-channel summary features (moments, slope, autocorrelation, band power) + histogram gradient boosting",
    class_weight=True,
)
register(
    "logistic",
    _logistic,
    "standardised flattened series + logistic regression (a linear model on raw values)",
    class_weight=True,
)
register(
    "summary_ridge",
    _summary_ridge,
    "per-channel summary features (level, spread, slope, autocorrelation, band power) + standardised ridge (LOO-CV penalty)",
    class_weight=True,
)
register(
    "raw_ridge",
    _raw_ridge,
    "standardised raw values (each timestep x channel a feature) + ridge (LOO-CV penalty)",
    class_weight=True,
)
register(
    "multirocket",
    _multirocket,
    "MultiRocket (aeon, ~50k convolution features on the series and its first difference) + ridge classifier",
    class_weight=True,
)
register(
    "multirocket_hydra",
    _aeon_torch("multirocket_hydra"),
    "MultiRocket-Hydra (aeon; needs PyTorch): top tier of the 2023 bake-off",
)
register(
    "quant",
    _aeon_torch("quant"),
    "QUANT (aeon; needs PyTorch): quantiles over dyadic intervals + extra trees, fast and strong",
)
