"""Names -> baseline factories: each baseline module is imported only when its baseline is built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# What a baseline can do, declared when it is registered; the rest of the package asks for a tag, never
# for a name (a baseline you register with the same tags is treated alike).
TAGS = {
    "class_weight": "its factory takes class_weight= ('balanced' or None): its fit can weigh the classes",
    "chance": "a chance reference: never the best baseline, never a head of the label-shuffle test",
    "ridge_fast": "a ridge on label-free features: the label-shuffle test's fast path solves it for every permutation",
    "fast_curve": "label-free features + ridge (features(), penalties()): the learning curve computes them once",
    "quadratic": "its cost grows with the square of the number of series (left out of large runs by default)",
}
# name -> (factory(random_state=..., **params), one-line description, tags)
_REGISTRY: dict[str, tuple[Callable[..., Any], str, frozenset[str]]] = {}


def register(name: str, factory: Callable[..., Any], description: str, *, tags: tuple[str, ...] = ()) -> None:
    """Add (or replace) a baseline: ``factory(random_state=..., **params)`` returns an estimator.

    ``tags`` declare what it can do (:data:`TAGS`): ``"class_weight"`` says the factory takes
    ``class_weight`` (``"balanced"`` or ``None``); the others choose the paths the checks take.
    """
    if not callable(factory):
        raise TypeError(f"factory for {name!r} must be callable; got {type(factory).__name__}")
    unknown = sorted(set(tags) - set(TAGS))
    if unknown:
        raise ValueError(f"unknown baseline tags {unknown}; known: {', '.join(TAGS)}")
    _REGISTRY[name] = (factory, " ".join(str(description).split()), frozenset(tags))


def has_tag(name: Any, tag: str) -> bool:
    """Whether the baseline registered as ``name`` declares ``tag`` (False for an estimator or an unknown name)."""
    if tag not in TAGS:
        raise ValueError(f"unknown baseline tag {tag!r}; known: {', '.join(TAGS)}")
    return isinstance(name, str) and name in _REGISTRY and tag in _REGISTRY[name][2]


def tagged(tag: str) -> tuple[str, ...]:
    """The registered baselines that declare ``tag``, in registration order."""
    return tuple(name for name in _REGISTRY if has_tag(name, tag))


def available() -> dict[str, str]:
    """Registered baselines, name -> one-line description, in registration order."""
    return {name: desc for name, (_, desc, _tags) in _REGISTRY.items()}


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
    factory, _, tags = _REGISTRY[name]
    if "class_weight" in tags:
        params["class_weight"] = class_weight
    return factory(random_state=random_state, **params)


def _chance(strategy: str) -> Callable[..., Any]:
    def factory(random_state: int = 0, **params: Any):
        from .chance import ChanceClassifier

        return ChanceClassifier(strategy=strategy, random_state=random_state, **params)

    return factory


def _minirocket(random_state: int = 0, **params: Any):
    from .minirocket import MiniRocketRidge  # imported only when asked for

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
    tags=("chance",),
)
register(
    "chance_stratified",
    _chance("stratified"),
    "chance: random labels drawn with the training class frequencies (sklearn DummyClassifier, stratified)",
    tags=("chance",),
)
register(
    "minirocket",
    _minirocket,
    "MiniRocket (aeon, ~10k convolution features) + ridge classifier: the strong default",
    tags=("class_weight", "ridge_fast", "fast_curve"),
)
register(
    "dtw_1nn",
    _dtw_1nn,
    "1-nearest neighbour under dynamic time warping (aeon), Sakoe-Chiba window 10% of the length, padding trimmed",
    tags=("quadratic",),
)
register(
    "features_gb",
    _features_gb,
    "per-channel summary features (moments, slope, autocorrelation, band power) + histogram gradient boosting",
    tags=("class_weight",),
)
register(
    "logistic",
    _logistic,
    "standardised flattened series + logistic regression (a linear model on raw values)",
    tags=("class_weight",),
)
register(
    "summary_ridge",
    _summary_ridge,
    "per-channel summary features (level, spread, slope, autocorrelation, band power) + standardised ridge (LOO-CV penalty)",
    tags=("class_weight", "ridge_fast"),
)
register(
    "raw_ridge",
    _raw_ridge,
    "standardised raw values (each timestep x channel a feature) + ridge (LOO-CV penalty)",
    tags=("class_weight", "ridge_fast"),
)
register(
    "multirocket",
    _multirocket,
    "MultiRocket (aeon, ~50k convolution features on the series and its first difference) + ridge classifier",
    tags=("class_weight", "ridge_fast"),
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
