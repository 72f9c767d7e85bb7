"""What a diagnosis run does: :class:`Config`, its ``quick`` and ``full`` profiles, and the defaults it starts from."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from signal_diagnostics.data.dataset import Dataset
from signal_diagnostics.errors import DataError
from signal_diagnostics.pipeline.verdicts.thresholds import DEFAULT_ROPE
from signal_diagnostics.results import to_jsonable

# Baselines the signal check runs by default, cheapest first. dtw_1nn is dropped on data where
# 1-NN DTW would take minutes (its cost grows with n^2 T^2).
DEFAULT_BASELINES = ("chance_prior", "logistic", "features_gb", "minirocket", "dtw_1nn")

DEFAULT_MODELS = ("bilstm", "bilstm_attention")  # the motivating model and its attention variant

DTW_MAX_COST = 2e9  # n_series^2 * n_timesteps^2 above which dtw_1nn is skipped by default

SHUFFLE_CURVE_MODEL = "minirocket"  # the learning curve's model when the best baseline has no fast curve

# Label issues and class pairs per profile: (seeds averaged, MiniRocket kernels of the label head,
# kernels of the pair tests). Fewer kernels than the baseline's 10,000 keep the added cost small (aeon
# rounds 2,000 down to 1,932 features); the pair tests ask only "better than chance?", for which 2,000
# kernels suffice. Their permutations are the run's (``Config.n_permutations``), as every test's.
LABEL_SETTINGS = {"quick": (2, 2_000, 2_000), "default": (3, 5_000, 2_000)}

# The training budget of a comparison, in optimizer updates (signal_diagnostics.models.training.fit): with 160
# training series and batch 64 an epoch is 3 updates, so "20 epochs" is 60 updates, far too few for an
# attention layer to leave uniform weights (measured: row entropy 0.99 of uniform after 8 epochs at batch
# 32, 0.71 after 30). The epoch cap is raised to reach DEFAULT_MIN_UPDATES, patience counts updates.
DEFAULT_MIN_UPDATES = 300
QUICK_MIN_UPDATES = 150  # the quick profile's: minutes on a CPU

PROFILES = ("quick", "full")  # Config.for_profile; the report's default is "full" from both faces


def _at_least(default, low: int):
    """A field that must be an integer of at least ``low`` (checked by :func:`check_config`)."""
    return field(default=default, metadata={"min": low})


# The ROPE option is given in percentage points: the default is thresholds.DEFAULT_ROPE (0.01) in points; a ROPE
# of 50 points or more would call any two balanced accuracies equivalent, so it is refused.
DEFAULT_ROPE_POINTS = 100 * DEFAULT_ROPE
ROPE_MAX_POINTS = 50.0


def rope_points_to_fraction(points: float, name: str = "rope") -> float:
    """A ROPE given in percentage points (``--rope``, ``rope=``) in metric units, refused outside (0, 50) points."""
    try:
        value = float(points)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number of percentage points, e.g. 1; got {points!r}") from None
    if not 0 < value < ROPE_MAX_POINTS:
        raise DataError(
            f"{name} must lie between 0 and {ROPE_MAX_POINTS:g} percentage points (exclusive); got {points!r}: "
            "e.g. --rope 1 for +-1 point (0.01) of balanced accuracy"
        )
    return value / 100.0


@dataclass
class Config:
    """Every option a diagnosis run uses; stored in the document's ``config``."""

    random_state: int = 0  # seeds every random choice (splits, permutations, subsamples, training)
    folds: int = _at_least(5, 2)
    repeats: int = _at_least(1, 1)
    n_permutations: int = _at_least(1000, 1)
    shuffle_heads: list[str] | None = (
        None  # the shuffle test's heads; None: signal_diagnostics.checks.shuffle.DEFAULT_HEADS
    )
    baselines: list[str] | None = None
    learning_curve: bool = True
    curve_repeats: int = _at_least(5, 1)
    label_checks: bool = (
        True  # label issues and class pairs (signal_diagnostics.checks.labels, signal_diagnostics.checks.pairs)
    )
    deep: bool = True
    models: list[str] | None = None
    seeds: int = _at_least(1, 1)
    epochs: int = _at_least(30, 1)
    units: int | None = _at_least(None, 1)
    min_updates: int = _at_least(DEFAULT_MIN_UPDATES, 0)  # optimizer updates at least
    uniform_control: bool = True  # train each attention model with uniform attention too (pipeline.uniform_control)
    reference: str | None = (
        None  # the deep model every other is compared with; None: each attention model's plain counterpart
    )
    rope: float = DEFAULT_ROPE_POINTS  # region of practical equivalence of the comparisons, in percentage points
    compare_baseline: str | None = None  # compare-only runs: a baseline to evaluate on the same splits
    backend: str | None = None
    device: str = "auto"
    split: str = field(default="cv", metadata={"choices": ("cv", "original")})  # the dataset's own split: "original"
    explain_model: str | None = None  # explain's model; None: the first of ``models``
    # a trained .keras file's inputs: "none" (as given) or "fit" (per channel, training split)
    standardise: str = field(default="none", metadata={"choices": ("none", "fit")})
    methods: list[str] = field(default_factory=lambda: ["shap", "integrated_gradients", "occlusion", "attention"])
    samples: int = _at_least(100, 1)
    profile: str = "custom"
    budget: float | None = None  # minutes: the signal units are planned to fit (signal_diagnostics.pipeline.plan)

    @classmethod
    def for_profile(cls, name: str, *, budget_minutes: float | None = None, **overrides) -> Config:
        """The ``quick`` (minutes on a 2-core CPU) or ``full`` profile, scaled to a time budget."""
        if name == "quick":
            cfg = cls(
                n_permutations=200,
                repeats=1,
                seeds=1,
                epochs=8,
                units=16,
                curve_repeats=3,
                min_updates=QUICK_MIN_UPDATES,
                models=["bilstm", "bilstm_attention"],
                samples=40,
                methods=["integrated_gradients", "occlusion", "attention"],
                uniform_control=False,  # the quick profile skips the trained-uniform control (it doubles attention runs)
                profile="quick",
            )
        else:
            cfg = cls(
                n_permutations=1000,
                repeats=2,
                seeds=2,
                epochs=40,
                models=[
                    "bilstm",
                    "bilstm_attention",
                    "attention_residual_bilstm",
                    "bilstm_attention_pool",
                    "transformer",
                ],
                profile="full",
            )
        if budget_minutes is not None:
            cfg = cfg.scaled(budget_minutes)
            cfg.budget = float(budget_minutes)
        for key, value in overrides.items():
            if value is not None:
                setattr(cfg, key, value)
        return cfg

    def scaled(self, minutes: float) -> Config:
        """Shrink repeats, seeds, epochs and permutations to fit roughly ``minutes`` on a 2-core CPU.

        The signal units' series are planned separately, from the cost model
        (:func:`signal_diagnostics.pipeline.plan.make_plan` reads ``budget``)."""
        c = dataclasses.replace(self, profile=f"{self.profile} (budget {minutes:g} min)")
        if minutes < 10:
            c.repeats, c.seeds, c.epochs, c.units = 1, 1, min(c.epochs, 8), 16
            c.n_permutations = min(c.n_permutations, 200)
            c.models = (c.models or [])[:2]
            c.uniform_control = False
        elif minutes < 30:
            c.repeats, c.seeds, c.epochs = 1, 1, min(c.epochs, 20)
            c.models = (c.models or [])[:3]
        return c

    def to_dict(self) -> dict:
        return to_jsonable(self)


def check_config(cfg: Config, spell=lambda name: name) -> None:
    """Refuse values outside the constraints declared beside the fields, and options that contradict
    each other, in one line naming the option as ``spell`` writes it (``--folds`` or ``folds``).

    Raises
    ------
    DataError
    """
    for f in dataclasses.fields(cfg):
        value, low, choices = getattr(cfg, f.name), f.metadata.get("min"), f.metadata.get("choices")
        if low is not None and value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < low:
                raise DataError(f"{spell(f.name)} must be an integer of at least {low}; got {value!r}")
        if choices is not None and value not in choices:
            raise DataError(f"{spell(f.name)} must be one of {', '.join(choices)}; got {value!r}")
    rope_points_to_fraction(cfg.rope, spell("rope"))
    if cfg.reference is not None and cfg.models and cfg.reference not in cfg.models:
        raise DataError(
            f"{spell('reference')} {cfg.reference!r} is not among {spell('models')} {','.join(cfg.models)}: "
            f"add it to {spell('models')}"
        )
    if cfg.shuffle_heads is not None:
        from signal_diagnostics import baselines

        unknown = [h for h in cfg.shuffle_heads if h not in baselines.available()]
        if unknown or not cfg.shuffle_heads:
            raise DataError(
                f"{spell('shuffle_heads')}: unknown classifier(s) {', '.join(unknown) or '(none given)'}; "
                f"use baseline names: {', '.join(baselines.available())}"
            )


def baseline_names(ds: Dataset, cfg: Config) -> list[str]:
    """The baselines a run evaluates: the configured ones, or the defaults (a baseline tagged ``quadratic``,
    1-NN DTW, only where it is affordable)."""
    from signal_diagnostics.baselines import has_tag

    if cfg.baselines:
        return list(cfg.baselines)
    affordable = ds.n_series**2 * ds.n_timesteps**2 <= DTW_MAX_COST
    return [b for b in DEFAULT_BASELINES if affordable or not has_tag(b, "quadratic")]


def shuffle_heads(cfg: Config, baselines: list[str]) -> list[str]:
    """The label-shuffle test's heads: the configured ones (or the defaults), then every baseline of the
    run that the fast ridge path solves and that is not a head yet.

    A baseline joins by what it is (tagged ``ridge_fast``: :data:`signal_diagnostics.baselines.TAGS`),
    never by its score on the true labels, so the max over the heads stays a valid max-T statistic.
    Baselines that refit on every permutation and fold (``features_gb``, ``logistic``, ``dtw_1nn``) do
    not join by themselves: ``features_gb`` costs about 28 s per cross-validation on JapaneseVowels
    (2 shared cores), 1.6 hours at 200 permutations; ``--heads`` adds one when wanted.
    """
    from signal_diagnostics.baselines import has_tag
    from signal_diagnostics.checks.shuffle import DEFAULT_HEADS

    heads = list(cfg.shuffle_heads or DEFAULT_HEADS)
    return heads + [b for b in baselines if has_tag(b, "ridge_fast") and b not in heads]


def label_settings(cfg: Config) -> tuple[int, int, int]:
    """:data:`LABEL_SETTINGS` of the run's profile."""
    return LABEL_SETTINGS["quick" if str(cfg.profile).startswith("quick") else "default"]
