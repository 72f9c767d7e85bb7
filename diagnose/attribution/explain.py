"""``attribute``: one entry point for every method; ``explain_models``: train, explain, compare."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from signal_diagnostics.attribution.adapters import (
    background_steps,
    check_inputs,
    explained_classes,
    keras_network,
    proba_function,
    series_background,
)
from signal_diagnostics.attribution.agreement import kendall_tau, reference_agreement, timestep_map_profile
from signal_diagnostics.attribution.faithfulness import faithfulness
from signal_diagnostics.attribution.record import Attribution, summarise
from signal_diagnostics.data.loaders import as_check_input
from signal_diagnostics.errors import DataError
from signal_diagnostics.results import Progress

METHODS = ("shap", "integrated_gradients", "occlusion", "attention")


def attribute(
    model: Any,
    X: np.ndarray,
    y: np.ndarray | None = None,
    *,
    method: str,
    lengths: np.ndarray | None = None,
    background: np.ndarray | None = None,
    random_state: int = 0,
    batch_size: int = 256,
    **options,
) -> Attribution:
    """Importance of each timestep of each series for the class it is explained as.

    Parameters
    ----------
    model : anything with ``predict_proba(X) -> (n, K)`` on ``(n, T, C)`` input (a TrainedModel,
        which standardises internally; a scikit-learn estimator; a keras.Model) or a callable
        ``X -> (n, K)``. Estimators with only ``decision_function`` get its softmax.
    X : ``(n, T, C)`` series, right-padded with 0.
    y : class codes; the true class is explained when given, else the predicted class.
    method : ``"shap"`` (Shapley values, timesteps as players), ``"integrated_gradients"`` (Keras
        models), ``"occlusion"`` (sliding windows, any model) or ``"attention"`` (models with an
        attention layer).
    lengths : real length of each series (default: up to the last non-zero step).
    background : replacement for hidden steps: ``(T, C)`` means, or training series ``(n_bg, T, C)``
        averaged per step and channel over their real steps (default: the mean of ``X``). Padded
        steps are always replaced by 0.
    random_state : randomness of Shapley permutations.
    batch_size : series per model call.
    **options : shap: ``permutations`` (1), ``channels`` (True); integrated_gradients: ``steps``
        (64); occlusion: ``window`` (3), ``stride`` (1), ``channels`` (True); attention: ``layer``.

    Returns
    -------
    Attribution
        Padded steps carry exactly zero importance and are left out of every summary.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from signal_diagnostics.data import synthetic
    >>> d = synthetic.bump(n=60, T=12, C=1, start=4, stop=8, amplitude=3.0)
    >>> clf = LogisticRegression().fit(d.X[:, :, 0], d.y_codes)
    >>> a = attribute(lambda X: clf.predict_proba(X[:, :, 0]), d.X[:10], d.y_codes[:10], method="occlusion")
    >>> int(a.per_timestep.argmax()) in range(4, 8)
    True
    """
    if method not in METHODS:
        raise DataError(f"unknown attribution method {method!r}: use one of {', '.join(METHODS)}")
    X, lengths = check_inputs(X, lengths)
    start = time.perf_counter()
    proba = proba_function(model, batch_size)
    classes, probabilities = explained_classes(proba, X, y)
    K = probabilities.shape[1]
    bg = background_steps(background, X, lengths)
    baseline = series_background(bg, X, lengths)
    values, per_channel, completeness, info = _method_values(
        method, model, proba, X, classes, lengths, bg, baseline, seed=random_state, batch_size=batch_size, **options
    )
    info = {
        **info,
        "explained": "true class" if y is not None else "predicted class",
        "total_seconds": time.perf_counter() - start,
    }
    return summarise(method, values, classes, lengths, K, per_channel=per_channel, completeness=completeness, info=info)


def _method_values(
    method: str, model: Any, proba, X, classes, lengths, bg, baseline, *, seed: int, batch_size: int, **options
) -> tuple[np.ndarray, np.ndarray | None, dict | None, dict]:
    """``(values (n, T, C), per_channel or None, completeness or None, info)`` of one method."""
    per_channel, completeness = None, None
    if method == "shap":
        from signal_diagnostics.attribution.shapley import shapley_values

        values, per_channel, info = shapley_values(proba, X, classes, lengths, bg, seed=seed, **options)
    elif method == "integrated_gradients":
        from signal_diagnostics.attribution.gradients import integrated_gradients

        values, completeness, info = integrated_gradients(model, X, classes, baseline, batch_size=batch_size, **options)
    elif method == "occlusion":
        from signal_diagnostics.attribution.occlusion import occlusion

        values, per_channel, info = occlusion(proba, X, classes, lengths, baseline, **options)
    else:
        from signal_diagnostics.attribution.attention_weights import attention_importance

        importance, info = attention_importance(model, X, lengths, batch_size=batch_size, **options)
        C = X.shape[2]
        values = np.repeat(importance[:, :, None] / C, C, axis=2)
        per_channel = np.full(C, np.nan)  # attention says nothing about channels
    return values, per_channel, completeness, info


def applicable(model: Any, method: str) -> bool:
    """Whether ``method`` can explain ``model`` (IG needs Keras, attention a layer that returns its weights)."""
    if method == "integrated_gradients":
        return keras_network(model) is not None
    if method == "attention":
        from signal_diagnostics.attribution.attention_weights import attention_layers_of

        return bool(attention_layers_of(model))
    return method in METHODS


def _hyper_for(name: str, hyper: dict | None) -> dict | None:
    """``hyper`` may be one dict for every deep model or ``{model name: dict}``."""
    if not hyper:
        return None
    if name in hyper and isinstance(hyper[name], dict):
        return hyper[name]
    if all(isinstance(v, dict) for v in hyper.values()):
        return None  # per-model options, none for this one
    return hyper


STANDARDISE = ("none", "fit")  # how a trained .keras file's inputs are standardised before it sees them


def trained_from_file(path: str, X_fit: np.ndarray, n_classes: int, *, standardise: str = "none"):
    """A trained ``.keras`` file as a TrainedModel, its weights as they are (no training).

    ``standardise="none"`` hands it the series as given; ``"fit"`` standardises each channel with the
    mean and deviation of the real steps of ``X_fit``, as the toolkit's own training does.
    """
    from signal_diagnostics.models.backend import backend_name, device
    from signal_diagnostics.models.model_files import load_trained
    from signal_diagnostics.models.resolve import check_input
    from signal_diagnostics.models.training import Standardiser, TrainedModel

    if standardise not in STANDARDISE:
        raise DataError(f"unknown standardisation {standardise!r}: use one of {', '.join(STANDARDISE)}")
    net = load_trained(path)
    check_input(net, X_fit.shape[1:], n_classes, f"model file {path!r}")
    C = X_fit.shape[2]
    scaler = (
        Standardiser.fit(X_fit)
        if standardise == "fit"
        else Standardiser(mean=np.zeros(C, np.float32), std=np.ones(C, np.float32))
    )
    return TrainedModel(
        name=path,
        model=net,
        standardiser=scaler,
        n_classes=n_classes,
        epochs_run=0,
        train_seconds=0.0,
        device=device(),
        backend=backend_name(),
        compile={"source": "trained file", "standardise": standardise},
    )


def _train(name: Any, X, y, n_classes: int, *, epochs: int, seed: int, hyper: dict | None, standardise: str = "none"):
    """Fit a baseline, train a deep model, or read a trained file, by what :func:`resolve` says ``name`` is."""
    from signal_diagnostics.models.resolve import resolve

    spec = resolve(name, baselines_allowed=True)
    if spec.kind == "baseline":
        from signal_diagnostics import baselines

        return baselines.make(spec.spec, random_state=seed).fit(X, y)
    if spec.kind == "file":
        return trained_from_file(spec.path, X, n_classes, standardise=standardise)
    from signal_diagnostics.models.training import fit

    return fit(spec, X, y, n_classes=n_classes, epochs=epochs, seed=seed, hyper=_hyper_for(spec.label, hyper))


def _label(model: Any) -> str:
    """A model's name in the rows: the name or spec as given, a ModelSpec's label, a builder's ``__name__``."""
    if isinstance(model, str):
        return model
    return str(getattr(model, "label", None) or getattr(model, "__name__", None) or getattr(model, "name", "model"))


def _attention_unavailable(name: str, model: Any) -> dict | None:
    """An attention row saying why a model with attention layers gives no attention weights; None if it has none."""
    from signal_diagnostics.attribution.attention_weights import attention_probes_of

    probes = attention_probes_of(model)
    if not probes:
        return None
    return {
        "model": name,
        "method": "attention",
        "status": "error",
        "message": "; ".join(p.limitation for p in probes if p.limitation) or "no attention weights",
        "timestep_importance": [],
        "channel_importance": [],
        "class_timestep_importance": {},
        "faithfulness": None,
        "completeness": None,
        "explained_series": 0,
        "seconds": 0.0,
        "agreement": {},
    }


def _attention_details(
    model: Any, a: Attribution, X: np.ndarray, y: np.ndarray, lengths: np.ndarray, seed: int
) -> dict:
    """The attention row's layer facts and the attention diagnostics of every layer on the explained series."""
    info = a.info or {}
    out = {
        "layer": info.get("layer"),
        "layer_class": info.get("layer_class"),
        "activation": info.get("activation"),
        "bounded_activation": info.get("bounded_activation"),
        "padding_share": info.get("padded_key_share"),
    }
    if getattr(model, "model", None) is not None and callable(getattr(model, "standardise", None)):
        from signal_diagnostics.models.inspect_attention import attention_diagnostics

        out["attention_diagnostics"] = [d.to_dict() for d in attention_diagnostics(model, X, y, lengths, seed=seed)]
    return out


def _split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    counts = np.bincount(y)
    stratify = y if counts[counts > 0].min() >= 2 else None
    return train_test_split(idx, test_size=0.25, random_state=seed, stratify=stratify)


def explain_models(
    dataset,
    models: Sequence[str],
    *,
    methods: Sequence[str] = ("shap", "integrated_gradients", "occlusion", "attention"),
    samples: int = 100,
    epochs: int = 30,
    random_state: int = 0,
    hyper: dict | None = None,
    timestep_map: Any = None,
    references: dict | None = None,
    progress: Progress | None = None,
    standardise: str = "none",
) -> list[dict]:
    """Train each model on 75 % of the data, explain held-out series, score faithfulness and agreement.

    Parameters
    ----------
    dataset : a :class:`~signal_diagnostics.data.dataset.Dataset`, or anything :func:`~signal_diagnostics.data.loaders.as_check_input`
        takes (``(X, y)``, a source).
    models : zoo names or ``file.py:fn`` builders (trained with ``signal_diagnostics.models.training.fit``),
        baseline names (``baselines.make``), fitted on a stratified 75 % split drawn with ``random_state``, or
        trained ``model.keras`` files, explained with their weights as they are.
    methods : attribution methods; IG is skipped for models without Keras and attention for models
        without attention layers. A model whose attention layers cannot give their weights gets an
        attention row with ``status: "error"``, a ``message`` and no importance, instead of silence.
        The attention row carries ``attention_diagnostics`` (entropy, ablation, padding share of
        every attention layer on the explained series, :func:`~signal_diagnostics.models.inspect_attention.attention_diagnostics`).
    samples : held-out series explained (at most the held-out 25 %).
    epochs : training epochs of deep models.
    random_state : split, training and attribution seed.
    hyper : options for the deep models: one dict for all, or ``{model name: dict}``.
    timestep_map : the ``signal.timestep_map`` section (or TimestepMapResult, or ``(T, C)`` statistic)
        for the agreement with the classical per-step test.
    references : ``{model: reference model}``: a model's attributions are compared with its reference's
        (the same stack without attention) when both are explained.
    progress : ``progress(done, total)`` after each (model, method).
    standardise : for trained ``.keras`` files: ``"none"`` (the series as given) or ``"fit"``
        (per-channel standardisation fitted on the training split).

    Returns
    -------
    list of dict, the Diagnosis document's ``attribution`` section: ``model``, ``method``,
    ``timestep_importance`` [T], ``channel_importance`` [C], ``class_timestep_importance``
    {class label: [T]}, ``faithfulness`` {aopc, random_aopc}, ``completeness`` (IG),
    ``agreement`` {``kendall_tau_vs_reference`` (with ``reference`` naming it), ``kendall_tau_vs_timestep_map``,
    ``kendall_tau_vs_<method>``}, ``explained_series``, ``seconds``.
    """
    from signal_diagnostics.results import to_jsonable

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise DataError(f"unknown attribution method(s) {', '.join(unknown)}: use {', '.join(METHODS)}")
    data = as_check_input(dataset)
    X, y = data.X, data.codes
    lengths = data.real_lengths()
    train, test = _split(y, random_state)
    chosen = np.sort(np.random.default_rng(random_state).permutation(test)[:samples])
    held = (X[chosen], y[chosen], lengths[chosen])
    background = background_steps(X[train], X[train], lengths[train])
    map_profile = timestep_map_profile(timestep_map) if timestep_map is not None else None
    labels = [str(c) for c in data.classes.tolist()]
    training = dict(epochs=epochs, seed=random_state, hyper=hyper, standardise=standardise)
    total, done, rows = len(models) * len(methods), 0, []
    for given in models:
        name = _label(given)  # what the rows call it: a name, never the function or model object itself
        model = _train(given, X[train], y[train], len(labels), **training)
        for method in methods:
            done += 1
            row = _explained_row(model, name, method, held, background, random_state, labels)
            if row is not None:
                rows.append(row)
            if progress:
                progress(done, total)
    _method_agreement(rows, methods, map_profile)
    return to_jsonable(reference_agreement(rows, references or {}))


def _explained_row(
    model: Any, name: str, method: str, held: tuple, background: np.ndarray, seed: int, labels: list[str]
) -> dict | None:
    """One attribution row: ``method``'s importance of the held-out series, its faithfulness and timing.

    A method that cannot explain the model gives no row, except attention on a model whose attention
    layers cannot give their weights: an error row that says why.
    """
    if not applicable(model, method):
        return _attention_unavailable(name, model) if method == "attention" else None
    Xe, ye, le = held
    started = time.perf_counter()
    a = attribute(model, Xe, ye, method=method, lengths=le, background=background, random_state=seed)
    faith = faithfulness(model, Xe, ye, a, lengths=le, background=background, seed=seed)
    row = {
        "model": name,
        "method": method,
        "timestep_importance": a.per_timestep,
        "channel_importance": a.per_channel,
        "class_timestep_importance": {labels[k]: v for k, v in a.per_class.items()},
        "faithfulness": {"aopc": faith["aopc"], "random_aopc": faith["random_aopc"]},
        "completeness": (
            None
            if a.completeness is None
            else {
                "mean_relative_error": a.completeness["mean_relative_error"],
                "max_relative_error": a.completeness["max_relative_error"],
            }
        ),
        "explained_series": int(len(Xe)),
        "seconds": time.perf_counter() - started,
    }
    if method == "attention":
        row.update(_attention_details(model, a, Xe, ye, le, seed))
    return row


def _method_agreement(rows: list[dict], methods: Sequence[str], map_profile: np.ndarray | None) -> None:
    """Set each explained row's ``agreement``: Kendall's tau against the classical timestep map and against
    the model's other methods (``kendall_tau_vs_timestep_map``, ``kendall_tau_vs_<method>``)."""
    profiles = {(r["model"], r["method"]): r["timestep_importance"] for r in rows if r.get("status") != "error"}
    for row in rows:
        if row.get("status") == "error":  # a method that could not run: no agreement
            continue
        mine, agreement = row["timestep_importance"], {}
        if map_profile is not None:
            agreement["kendall_tau_vs_timestep_map"] = kendall_tau(mine, map_profile)
        for other in methods:
            if other != row["method"] and (row["model"], other) in profiles:
                agreement[f"kendall_tau_vs_{other}"] = kendall_tau(mine, profiles[(row["model"], other)])
        row["agreement"] = agreement
