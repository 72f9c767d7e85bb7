"""Integrated gradients for Keras models, with a small gradient adapter per Keras backend.

IG (Sundararajan et al. 2017): ``a = (x - x') * mean over alpha of grad f(x' + alpha (x - x'))``,
here by the trapezoid rule on ``steps`` intervals. The baseline ``x'`` is the background (training
mean) on real steps and 0 on padded steps, so ``Masking(0.0)`` keeps exactly the same steps masked
along the whole path (an all-zero step *is* masked, hence the training mean, not 0, on real steps).

Input space: a TrainedModel standardises per channel, ``z = (x - mu) / sigma`` on real steps. That
map is affine per channel, so the straight path in ``x`` is the straight path in ``z`` and
``(x - x') * df/dx = (z - z') * df/dz`` term by term: the attributions computed on standardised
inputs *are* the attributions in the user's input space, and completeness holds in both.

Backends: TensorFlow (``tf.GradientTape``) is tested here; the torch (``torch.autograd``) and JAX
(``jax.grad``) adapters are written to the same contract but untested in this environment.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from signal_diagnostics.attribution.adapters import TINY, keras_network
from signal_diagnostics.baselines.series import nonzero_steps
from signal_diagnostics.errors import DataError

COMPLETENESS_FLOOR = 0.01  # probability change below which the relative error uses this denominator

GradFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _tensorflow_gradients(net) -> GradFn:
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(x, k):
        with tf.GradientTape() as tape:
            tape.watch(x)
            p = net(x, training=False)
            out = tf.gather(p, k, axis=1, batch_dims=1)
        return tape.gradient(out, x), out

    def grads(x: np.ndarray, k: np.ndarray):
        g, out = step(tf.convert_to_tensor(x, tf.float32), tf.convert_to_tensor(k, tf.int32))
        return g.numpy(), out.numpy()

    return grads


def _torch_gradients(net) -> GradFn:  # checked by tests/test_backends.py where torch is installed
    import torch

    def grads(x: np.ndarray, k: np.ndarray):
        device = next((v.value.device for v in net.weights), "cpu") if net.weights else "cpu"
        xt = torch.tensor(x, dtype=torch.float32, device=device, requires_grad=True)
        p = net(xt, training=False)
        out = p.gather(1, torch.as_tensor(k, device=p.device).long()[:, None])[:, 0]
        (g,) = torch.autograd.grad(out.sum(), xt)
        return g.detach().cpu().numpy(), out.detach().cpu().numpy()

    return grads


def _jax_gradients(net) -> GradFn:  # checked by tests/test_backends.py (jax is a test extra)
    import jax
    import jax.numpy as jnp

    trainable = [v.value for v in net.trainable_variables]
    non_trainable = [v.value for v in net.non_trainable_variables]

    def selected(x, k):
        p, _ = net.stateless_call(trainable, non_trainable, x, training=False)
        out = jnp.take_along_axis(p, k[:, None], axis=1)[:, 0]
        return out.sum(), out

    grad_fn = jax.jit(jax.grad(selected, has_aux=True))

    def grads(x: np.ndarray, k: np.ndarray):
        g, out = grad_fn(jnp.asarray(x, jnp.float32), jnp.asarray(k, jnp.int32))
        return np.asarray(g), np.asarray(out)

    return grads


ADAPTERS = {"tensorflow": _tensorflow_gradients, "torch": _torch_gradients, "jax": _jax_gradients}


def gradient_function(net) -> GradFn:
    """``grads(x, k) -> (d p_k / d x, p_k)`` for the running Keras backend."""
    import keras

    backend = keras.backend.backend()
    if backend not in ADAPTERS:
        raise DataError(
            f"integrated gradients has no adapter for the Keras backend {backend!r}: use one of {', '.join(ADAPTERS)}"
        )
    return ADAPTERS[backend](net)


def integrated_gradients(
    model, X: np.ndarray, classes: np.ndarray, baseline: np.ndarray, *, steps: int = 64, batch_size: int = 256
) -> tuple[np.ndarray, dict, dict]:
    """Integrated gradients of the explained-class probability, in the user's input space.

    Parameters
    ----------
    model : a TrainedModel or a keras.Model.
    X : ``(n, T, C)`` raw series; classes : class code per series.
    baseline : ``(n, T, C)`` raw baseline series (background on real steps, 0 on padded ones).
    steps : trapezoid intervals ``m``; the path has ``m + 1`` points.
    batch_size : path points per gradient call.

    Returns
    -------
    values ``(n, T, C)``, completeness ``{"per_series", "mean_relative_error", "max_relative_error",
    "sum_attributions", "output_difference"}``, info.
    """
    parts = keras_network(model)
    if parts is None:
        raise DataError(
            f"integrated gradients needs a Keras model (a TrainedModel or keras.Model); "
            f"got {type(model).__name__}: use method='shap' or 'occlusion'"
        )
    if steps < 1:
        raise DataError(f"integrated gradients needs steps >= 1; got {steps}")
    net, standardise = parts
    start = time.perf_counter()
    Z = standardise(X) if standardise is not None else np.asarray(X, np.float32)
    Z0 = standardise(baseline) if standardise is not None else np.asarray(baseline, np.float32)
    # a real baseline step that standardises to exactly 0 would read as padding: nudge it
    lost = nonzero_steps(baseline) & ~nonzero_steps(Z0)
    Z0 = np.where(lost[:, :, None] & (np.arange(Z0.shape[2]) == 0), TINY, Z0).astype(np.float32)
    grads = gradient_function(net)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] *= 0.5  # trapezoid rule
    n = len(X)
    per_chunk = max(1, batch_size // (steps + 1))
    values = np.zeros(X.shape, dtype=np.float64)
    f_x, f_0 = np.zeros(n), np.zeros(n)
    for lo in range(0, n, per_chunk):
        z, z0 = Z[lo : lo + per_chunk], Z0[lo : lo + per_chunk]
        b = len(z)
        path = z0[:, None] + alphas[None, :, None, None] * (z - z0)[:, None]  # (b, m+1, T, C)
        path = path.reshape((-1,) + z.shape[1:]).astype(np.float32)
        k = np.repeat(classes[lo : lo + b], steps + 1)
        g_parts, p_parts = [], []
        for s in range(0, len(path), batch_size):
            g, p = grads(path[s : s + batch_size], k[s : s + batch_size])
            g_parts.append(g)
            p_parts.append(p)
        g = np.concatenate(g_parts).reshape((b, steps + 1) + z.shape[1:]).astype(np.float64)
        p = np.concatenate(p_parts).reshape(b, steps + 1)
        mean_grad = np.einsum("a,batc->btc", weights, g)
        values[lo : lo + b] = (z - z0) * mean_grad
        f_x[lo : lo + b], f_0[lo : lo + b] = p[:, -1], p[:, 0]
    total = values.sum(axis=(1, 2))
    difference = f_x - f_0
    relative = np.abs(total - difference) / np.maximum(np.abs(difference), COMPLETENESS_FLOOR)
    completeness = {
        "per_series": relative.tolist(),
        "mean_relative_error": float(relative.mean()),
        "max_relative_error": float(relative.max()),
        "sum_attributions": total.tolist(),
        "output_difference": difference.tolist(),
        "floor": COMPLETENESS_FLOOR,
    }
    info = {
        "steps": steps,
        "rule": "trapezoid",
        "model_evaluations": int(n * (steps + 1)),
        "seconds": time.perf_counter() - start,
        "space": "user input (standardisation is affine per channel)",
    }
    return values, completeness, info
