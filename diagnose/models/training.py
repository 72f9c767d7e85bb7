"""Train a zoo (or user) model on zero-padded series, with the care a fair comparison needs.

Per-channel standardisation is fitted on the real steps of the training series only and padded steps
stay exactly 0 (so ``Masking(0.0)`` still finds them); early stopping watches a stratified inner
validation split; classes are balanced by weight; every random choice comes from ``seed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from signal_diagnostics.baselines.series import nonzero_steps
from signal_diagnostics.errors import DataError
from signal_diagnostics.models.backend import select_backend

select_backend()

import keras  # noqa: E402

from signal_diagnostics.models.backend import backend_name, device  # noqa: E402

DEFAULT_LEARNING_RATE = 1e-3  # Adam's default
MIN_VALIDATION = 40  # series held out for early stopping at least (when the data allow): a stable val loss
MAX_VALIDATION_FRACTION = 0.3


@dataclass
class Standardiser:
    """Per-channel mean and standard deviation of the real (non-padded) training steps."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardiser:
        steps = X[nonzero_steps(X)]  # (n_real_steps, C)
        if len(steps) == 0:
            raise DataError("every training step is padding (all zeros): nothing to standardise")
        std = steps.std(axis=0)
        return cls(mean=steps.mean(axis=0), std=np.where(std > 0, std, 1.0))

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        out = (X - self.mean) / self.std
        return np.where(nonzero_steps(X)[:, :, None], out, 0.0).astype(np.float32)


@dataclass
class TrainedModel:
    """A fitted Keras model with the standardisation it was trained with and how training went."""

    name: str
    model: Any  # keras.Model
    standardiser: Standardiser
    n_classes: int
    epochs_run: int
    train_seconds: float
    device: str
    backend: str
    history: dict[str, list[float]] = field(default_factory=dict)
    batch_size: int = 64
    record: dict = field(default_factory=dict)  # how training went: see fit(), Returns
    compile: dict = field(default_factory=dict)  # {"loss", "optimizer", "learning_rate", "source": "user"|"toolkit"}

    def standardise(self, X: np.ndarray) -> np.ndarray:
        """Apply the training standardisation; padded (all-zero) steps stay 0."""
        return self.standardiser.transform(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``(n, K)`` class probabilities for raw (unstandardised) ``X``."""
        proba = self.model.predict(self.standardise(X), batch_size=self.batch_size, verbose=0)
        return np.asarray(proba, dtype=np.float64)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class codes ``0..K-1``."""
        return self.predict_proba(X).argmax(axis=1)


def balanced_class_weight(y: np.ndarray, n_classes: int) -> dict[int, float]:
    """scikit-learn's "balanced" weights ``n / (K_present * count_k)`` per class present, 1.0 for absent ones."""
    from sklearn.utils.class_weight import compute_class_weight

    present = np.unique(y)
    weights = np.ones(n_classes)
    weights[present] = compute_class_weight("balanced", classes=present, y=y)
    return {k: float(w) for k, w in enumerate(weights)}


def _validation_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Stratified (train, validation) indices, or None when the data are too small to hold one out.

    The validation part holds ``fraction`` of the series, but at least :data:`MIN_VALIDATION` (and two
    per class) when that stays within :data:`MAX_VALIDATION_FRACTION`, so its loss is stable enough to
    stop on.
    """
    from sklearn.model_selection import StratifiedShuffleSplit

    if not fraction:
        return None
    classes = np.unique(y)
    floor = max(MIN_VALIDATION, 2 * len(classes))
    n_val = int(round(fraction * len(y)))
    n_val = max(n_val, min(floor, int(MAX_VALIDATION_FRACTION * len(y))))
    if np.bincount(y)[classes].min() < 2 or n_val < len(classes) or len(y) - n_val < len(classes):
        return None
    split = StratifiedShuffleSplit(n_splits=1, test_size=n_val, random_state=seed)
    return next(split.split(np.zeros(len(y)), y))


def new_network(model: Any, input_shape, n_classes: int, hyper: dict) -> tuple[str, Any]:
    """The model's name and a fresh network from a ModelSpec, or what :func:`~signal_diagnostics.models.resolve.resolve`
    takes (zoo name, ``file.py:fn``, ``model.keras``, builder); a ``keras.Model`` is used as given.

    A trained ``.keras`` file gives its architecture (``keras.models.clone_model``: new weights drawn
    under the unit's seed) compiled as it was saved, so it is retrained like every other model.
    Builders get only the ``hyper`` options their signature takes (:meth:`ModelSpec.build`).
    """
    from signal_diagnostics.models.resolve import ModelSpec, as_spec

    if isinstance(model, keras.Model):
        return model.name, model
    if not isinstance(model, (str, ModelSpec)) and not callable(model):
        raise DataError(
            "model must be a zoo name, 'file.py:fn', 'model.keras', a builder or a keras.Model; "
            f"got {type(model).__name__}"
        )
    spec = as_spec(model)
    return spec.label, spec.build(input_shape, n_classes, **hyper)


def _loss_name(loss: Any) -> str:
    if isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return ", ".join(f"{k}: {_loss_name(v)}" for k, v in loss.items())
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__)


def compile_model(net: Any, learning_rate: float) -> dict:
    """Compile ``net`` with Adam and sparse cross-entropy unless it is compiled already; say which.

    Returns
    -------
    dict : ``{"loss", "optimizer", "learning_rate", "source"}``, source ``"user"`` when the builder (or
    the saved file) compiled the model itself, ``"toolkit"`` when this function did.
    """
    source = "user"
    if not (getattr(net, "compiled", False) and getattr(net, "optimizer", None) is not None):
        net.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")
        source = "toolkit"
    optimizer = net.optimizer
    try:
        lr = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    except Exception:  # a schedule
        lr = None
    return {"loss": _loss_name(net.loss), "optimizer": type(optimizer).__name__, "learning_rate": lr, "source": source}


def build_model(model: str | Callable | Any, input_shape, n_classes: int, hyper: dict | None = None) -> tuple[str, Any]:
    """``(name, keras.Model)`` for a zoo name, ``"file.py:fn"``, a builder or a ``keras.Model`` (uncompiled).

    ``hyper`` may hold the training options ``learning_rate`` / ``lr``; they are not passed to the model.
    """
    hyper = {k: v for k, v in (hyper or {}).items() if k not in ("learning_rate", "lr")}
    return new_network(model, input_shape, n_classes, hyper)


def fit(
    model: str | Callable | Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    *,
    n_classes: int,
    epochs: int = 30,
    batch_size: int = 64,
    seed: int = 0,
    class_weight: str | None = "balanced",
    validation_fraction: float = 0.15,
    patience: int = 5,
    hyper: dict | None = None,
    min_updates: int = 0,
    patience_updates: int = 0,
) -> TrainedModel:
    """Standardise, build, compile and train a model; return it with its training record.

    Parameters
    ----------
    model : a zoo name, ``"file.py:fn"``, ``"model.keras"`` (its architecture, retrained), a builder
        ``fn(input_shape, n_classes, **hyper)`` or a ``keras.Model`` (trained as given). A model its
        builder compiled keeps its loss and optimizer (``TrainedModel.compile`` says which were used).
    X_train : ``(n, T, C)`` zero-padded series.
    y_train : integer class codes ``0..n_classes-1``.
    n_classes : K.
    epochs, batch_size : training length and batch size.
    seed : seeds Keras, NumPy and Python (``keras.utils.set_random_seed``) and the validation split.
    class_weight : ``"balanced"`` or ``None``.
    validation_fraction : share held out (stratified) for early stopping on validation loss, best
        weights restored; 0, or too few series per class, trains all ``epochs`` on everything. At least
        :data:`MIN_VALIDATION` series are held out when that stays within 30% of the data.
    patience : epochs without improvement before stopping (at least).
    hyper : model options (``units``, ``depth``, ``dropout`` ...) plus ``learning_rate``.
    min_updates : at least this many optimizer updates: ``epochs`` is raised to
        ``ceil(min_updates / updates_per_epoch)`` when it would give fewer (0: ``epochs`` as given).
    patience_updates : patience counted in updates: ``patience`` is raised to
        ``ceil(patience_updates / updates_per_epoch)`` epochs.

    Returns
    -------
    TrainedModel
        ``record`` says how training went (:func:`training_record`): the epoch budget used, epochs run,
        updates, patience, the epoch whose weights were kept, early stop and whether still improving.
    """
    X_train, y_train = _checked(X_train, y_train, n_classes, class_weight)
    hyper = dict(hyper or {})
    learning_rate = float(hyper.pop("learning_rate", hyper.pop("lr", DEFAULT_LEARNING_RATE)))

    keras.utils.set_random_seed(seed)
    standardiser = Standardiser.fit(X_train)
    name, net = new_network(model, X_train.shape[1:], n_classes, hyper)
    compiled = compile_model(net, learning_rate)
    data = _training_data(standardiser.transform(X_train), y_train, n_classes, validation_fraction, seed, class_weight)
    plan = _budget(len(data["y"]), batch_size, epochs, min_updates, patience, patience_updates)
    start = time.perf_counter()
    history, stopped_early = _fit_loop(net, data, batch_size=batch_size, **plan)
    seconds = time.perf_counter() - start
    record = training_record(history, **plan, stopped_early=stopped_early)
    return TrainedModel(
        name=name,
        model=net,
        standardiser=standardiser,
        n_classes=n_classes,
        epochs_run=record["epochs_run"],
        train_seconds=seconds,
        device=device(),
        backend=backend_name(),
        history=history,
        batch_size=batch_size,
        record=record,
        compile=compiled,
    )


def _checked(X_train, y_train, n_classes: int, class_weight) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` as float32 series and class codes, or a DataError naming what is wrong."""
    X_train = np.asarray(X_train, dtype=np.float32)
    y_train = np.asarray(y_train)
    if X_train.ndim != 3:
        raise DataError(f"X_train must be (n_series, n_timesteps, n_channels); got shape {X_train.shape}")
    if not np.issubdtype(y_train.dtype, np.integer) or y_train.min() < 0 or y_train.max() >= n_classes:
        raise DataError(f"y_train must hold class codes 0..{n_classes - 1}; got {np.unique(y_train)[:10]}")
    if class_weight not in ("balanced", None):
        raise DataError(f"class_weight must be 'balanced' or None; got {class_weight!r}")
    return X_train, y_train


def _training_data(
    Xs: np.ndarray, y: np.ndarray, n_classes: int, validation_fraction: float, seed: int, class_weight
) -> dict:
    """The standardised series split for training: ``X``, ``y``, ``validation`` (or None) and class ``weights``."""
    split = _validation_split(y, validation_fraction, seed)
    train_idx, validation = np.arange(len(y)), None
    if split is not None:
        train_idx, val_idx = split
        validation = (Xs[val_idx], y[val_idx])
    weights = balanced_class_weight(y[train_idx], n_classes) if class_weight == "balanced" else None
    return {"X": Xs[train_idx], "y": y[train_idx], "validation": validation, "weights": weights}


def _budget(
    n_train: int, batch_size: int, epochs: int, min_updates: int, patience: int, patience_updates: int
) -> dict[str, int]:
    """The epoch cap and patience in epochs, raised to reach ``min_updates`` / ``patience_updates``."""
    per_epoch = int(np.ceil(n_train / batch_size))
    return {
        "budget": max(int(epochs), int(np.ceil(min_updates / per_epoch)) if min_updates else 0),
        "per_epoch": per_epoch,
        "patience_epochs": max(int(patience), int(np.ceil(patience_updates / per_epoch)) if patience_updates else 0),
    }


def _fit_loop(
    net: Any, data: dict, *, batch_size: int, budget: int, per_epoch: int, patience_epochs: int
) -> tuple[dict[str, list[float]], bool]:
    """Train ``net`` (early stopping on the validation loss when there is a validation part): its history
    and whether it stopped early."""
    stopper = None
    if data["validation"] is not None:
        stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience_epochs, restore_best_weights=True)
    fitted = net.fit(
        data["X"],
        data["y"],
        epochs=budget,
        batch_size=batch_size,
        validation_data=data["validation"],
        class_weight=data["weights"],
        callbacks=[stopper] if stopper is not None else [],
        shuffle=True,
        verbose=0,
    )
    history = {k: [float(v) for v in vals] for k, vals in fitted.history.items()}
    return history, bool(stopper is not None and stopper.stopped_epoch > 0)


def training_record(
    history: dict[str, list[float]], *, budget: int, per_epoch: int, patience_epochs: int, stopped_early: bool
) -> dict:
    """How a training run went, from its Keras history: budget, updates, restored epoch, still improving?

    ``still_improving`` is True when the run used its whole epoch budget (no early stop) and its best
    validation loss fell in the last ``max(2, patience_epochs // 2)`` epochs: the weights kept come from
    the end of training, so more updates would probably still lower the loss. None without validation.
    """
    epochs_run = len(history.get("loss", []))
    val = history.get("val_loss")
    restored = still = None
    if val:
        restored = int(np.nanargmin(val)) + 1
        tail = max(2, patience_epochs // 2)
        still = bool(not stopped_early and restored > epochs_run - tail)
    return {
        "epochs_budget": int(budget),
        "epochs_run": epochs_run,
        "updates_per_epoch": int(per_epoch),
        "updates": int(epochs_run * per_epoch),
        "patience_epochs": int(patience_epochs),
        "restored_epoch": restored,
        "stopped_early": bool(stopped_early),
        "still_improving": still,
    }
