"""Generated datasets with known answers, for tests, demos and seeing what each check reports.

Each generator returns a :class:`~signal_diagnostics.data.dataset.Dataset`; ``meta["planted"]`` says what was put
in (window, channels, amplitude) so checks can be scored against the truth.
"""

from __future__ import annotations

import numpy as np

from signal_diagnostics.data.dataset import Dataset


def _lengths(rng: np.random.Generator, n: int, T: int, variable: bool) -> np.ndarray:
    return rng.integers(T // 2, T + 1, size=n) if variable else np.full(n, T)


def _pad(X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    steps = np.arange(X.shape[1])[None, :, None]
    return np.where(steps < lengths[:, None, None], X, 0.0).astype(np.float32)


def _labels(rng: np.random.Generator, n: int, weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, float) / np.sum(weights)
    counts = np.floor(w * n).astype(int)
    counts[np.argsort(-w)[: n - counts.sum()]] += 1  # hand out the remainder to the largest classes
    y = np.repeat(np.arange(len(w)), counts)
    return rng.permutation(y)


def noise(
    n: int = 200,
    T: int = 40,
    C: int = 3,
    classes: int = 2,
    imbalance: float = 1.0,
    variable_length: bool = False,
    seed: int = 0,
) -> Dataset:
    """Pure Gaussian noise: labels carry no information. ``imbalance`` is the ratio largest/smallest class."""
    rng = np.random.default_rng(seed)
    y = _labels(rng, n, list(np.geomspace(imbalance, 1.0, classes)))
    lengths = _lengths(rng, n, T, variable_length)
    X = _pad(rng.standard_normal((n, T, C)), lengths)
    return Dataset(X, y, lengths=lengths, name="synthetic:noise", meta={"planted": None})


def bump(
    n: int = 200,
    T: int = 40,
    C: int = 3,
    classes: int = 2,
    start: int = 15,
    stop: int = 25,
    channel: int = 0,
    amplitude: float = 1.0,
    variable_length: bool = False,
    seed: int = 0,
) -> Dataset:
    """Noise plus a class-dependent bump on one channel in steps ``[start, stop)``.

    Class ``k`` adds ``amplitude * k`` inside the window (class 0 adds nothing), so the classes differ
    there and nowhere else.
    """
    if not 0 <= start < stop <= T:
        raise ValueError(f"need 0 <= start < stop <= T; got start={start}, stop={stop}, T={T}")
    rng = np.random.default_rng(seed)
    y = _labels(rng, n, [1.0] * classes)
    lengths = _lengths(rng, n, T, variable_length)
    if variable_length:
        lengths = np.maximum(lengths, stop)  # keep the window inside every series
    X = rng.standard_normal((n, T, C))
    X[:, start:stop, channel] += amplitude * y[:, None]
    X = _pad(X, lengths)
    planted = {"start": start, "stop": stop, "channels": [channel], "amplitude": amplitude}
    return Dataset(X, y, lengths=lengths, name="synthetic:bump", meta={"planted": planted})


def length_leak(n: int = 200, T: int = 40, C: int = 2, classes: int = 3, seed: int = 0) -> Dataset:
    """Noise whose only class information is the series length (class k is shorter the larger k is)."""
    rng = np.random.default_rng(seed)
    y = _labels(rng, n, [1.0] * classes)
    band = (T // 2) // classes
    lengths = T - band * y - rng.integers(0, max(band, 1), size=n)
    X = _pad(rng.standard_normal((n, T, C)), lengths)
    return Dataset(X, y, lengths=lengths, name="synthetic:length_leak", meta={"planted": {"leak": "length"}})


def imbalanced(
    n: int = 640,
    T: int = 29,
    C: int = 12,
    classes: int = 8,
    majority: float = 0.6,
    amplitude: float = 0.6,
    start: int = 10,
    stop: int = 18,
    dropout: float = 0.03,
    seed: int = 0,
) -> Dataset:
    """The motivating case: class 0 holds ``majority`` of the series, weak signal, zero padding.

    Classes 1.. differ from class 0 by a small bump of a class-specific sign pattern over channels in
    steps ``[start, stop)``; ``dropout`` of the real timesteps are all-zero (sensor drop-outs), so a
    ``Masking(0.0)`` layer would silently drop real data.
    """
    rng = np.random.default_rng(seed)
    rest = (1.0 - majority) / (classes - 1)
    y = _labels(rng, n, [majority] + [rest] * (classes - 1))
    lengths = _lengths(rng, n, T, True)
    lengths = np.maximum(lengths, stop)
    X = rng.standard_normal((n, T, C))
    patterns = rng.choice([-1.0, 1.0], size=(classes, C))
    patterns[0] = 0.0
    X[:, start:stop, :] += amplitude * patterns[y][:, None, :]
    steps = np.arange(T)[None, :]
    drop = (rng.random((n, T)) < dropout) & (steps < lengths[:, None] - 1)
    X[drop] = 0.0
    X = _pad(X, lengths)
    planted = {"start": start, "stop": stop, "channels": list(range(C)), "amplitude": amplitude, "dropout": dropout}
    return Dataset(X, y, lengths=lengths, name="synthetic:imbalanced", meta={"planted": planted})


def level(
    n: int = 240, T: int = 40, C: int = 4, classes: int = 4, amplitude: float = 0.3, channel: int = 0, seed: int = 0
) -> Dataset:
    """Noise whose classes differ only in the level of one channel: class ``k`` adds ``amplitude * k``
    to channel ``channel`` over the whole series (a constant offset, which MiniRocket's zero-sum kernels
    barely see)."""
    rng = np.random.default_rng(seed)
    y = _labels(rng, n, [1.0] * classes)
    X = rng.standard_normal((n, T, C))
    X[:, :, channel] += amplitude * y[:, None]
    planted = {"start": 0, "stop": T, "channels": [channel], "amplitude": amplitude, "kind": "level"}
    return Dataset(X.astype(np.float32), y, name="synthetic:level", meta={"planted": planted})


def frequency(
    n: int = 200, T: int = 64, C: int = 2, classes: int = 2, amplitude: float = 0.6, channel: int = 0, seed: int = 0
) -> Dataset:
    """Noise plus a sine of random phase on one channel whose period depends on the class (class ``k``:
    ``T / (4 + 4k)`` steps): the classes differ only in frequency, never in level or at fixed steps."""
    rng = np.random.default_rng(seed)
    y = _labels(rng, n, [1.0] * classes)
    t = np.arange(T)[None, :]
    cycles = 4 + 4 * y[:, None]
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    X = rng.standard_normal((n, T, C))
    X[:, :, channel] += amplitude * np.sqrt(2) * np.sin(2 * np.pi * cycles * t / T + phase)
    planted = {"start": 0, "stop": T, "channels": [channel], "amplitude": amplitude, "kind": "frequency"}
    return Dataset(X.astype(np.float32), y, name="synthetic:frequency", meta={"planted": planted})


def shift(
    n: int = 200,
    T: int = 40,
    C: int = 2,
    classes: int = 2,
    width: int = 6,
    amplitude: float = 1.0,
    channel: int = 0,
    seed: int = 0,
) -> Dataset:
    """Noise plus the same bump in every series, placed earlier or later by class (class ``k`` starts at
    ``T / 4 + k * width``): only the timing differs."""
    rng = np.random.default_rng(seed)
    y = _labels(rng, n, [1.0] * classes)
    X = rng.standard_normal((n, T, C))
    starts = T // 4 + width * y
    if starts.max() + width > T:
        raise ValueError(f"{classes} classes of bumps {width} wide do not fit in T={T}")
    for k in range(classes):
        X[y == k, starts[y == k][0] : starts[y == k][0] + width, channel] += amplitude
    planted = {
        "start": int(T // 4),
        "stop": int(T // 4 + width * classes),
        "channels": [channel],
        "amplitude": amplitude,
        "kind": "shift",
    }
    return Dataset(X.astype(np.float32), y, name="synthetic:shift", meta={"planted": planted})


def twins(
    n: int = 480,
    T: int = 40,
    C: int = 2,
    classes: int = 4,
    majority: float = 0.5,
    amplitude: float = 1.5,
    twin: tuple[int, int] = (2, 3),
    seed: int = 0,
) -> Dataset:
    """Class 0 dominant, every other class a bump in its own window; the two ``twin`` classes share one.

    Class ``k >= 1`` adds ``amplitude`` on channel 0 in steps ``[k w, (k + 1) w)`` with ``w = T // classes``
    (class 0 adds nothing); class ``twin[1]`` is generated exactly like ``twin[0]``, so that pair, and only
    that pair, cannot be told apart. ``meta["planted"]["twins"]`` names it.
    """
    a, b = (int(t) for t in twin)
    if not (1 <= a < classes and 1 <= b < classes and a != b):
        raise ValueError(f"twin must name two different classes in 1..{classes - 1}; got {twin}")
    rng = np.random.default_rng(seed)
    rest = (1.0 - majority) / (classes - 1)
    y = _labels(rng, n, [majority] + [rest] * (classes - 1))
    X = rng.standard_normal((n, T, C))
    w = T // classes
    window = np.arange(classes)
    window[b] = a
    for k in range(1, classes):
        X[y == k, window[k] * w : (window[k] + 1) * w, 0] += amplitude
    planted = {"amplitude": amplitude, "width": w, "twins": [a, b]}
    return Dataset(X.astype(np.float32), y, name="synthetic:twins", meta={"planted": planted})


def cue(
    n: int = 200,
    T: int = 20,
    classes: int = 2,
    majority: float = 0.65,
    amplitude: float = 1.5,
    variable_length: bool = True,
    seed: int = 0,
) -> Dataset:
    """The label is written at one random step, which a cue channel marks: attention that follows the cue helps.

    Channel 1 is 1 at one step of each series (uniform over its real steps) and 0 elsewhere; channel 0 is
    standard noise everywhere except at that step, where it holds ``amplitude * (2k - (K - 1))`` plus a
    little noise for class ``k``. A model that weighs the cued step reads the label; uniform weights dilute
    it among ``L`` steps of noise, and a linear read of all steps cannot know where to look. Class 0 holds
    ``majority`` of the series; series are right-padded with zeros (lengths ``T/2..T``).
    ``meta["planted"]["cue_steps"]`` holds each series' cued step.
    """
    rng = np.random.default_rng(seed)
    rest = (1.0 - majority) / (classes - 1)
    y = _labels(rng, n, [majority] + [rest] * (classes - 1))
    lengths = _lengths(rng, n, T, variable_length)
    steps = rng.integers(0, lengths)
    X = np.zeros((n, T, 2))
    X[:, :, 0] = rng.standard_normal((n, T))
    X[np.arange(n), steps, 0] = amplitude * (2 * y - (classes - 1)) + 0.1 * rng.standard_normal(n)
    X[np.arange(n), steps, 1] = 1.0
    planted = {"cue_steps": steps.tolist(), "channels": [0, 1], "amplitude": amplitude, "kind": "cue"}
    return Dataset(_pad(X, lengths), y, lengths=lengths, name="synthetic:cue", meta={"planted": planted})


GENERATORS = {
    "noise": noise,
    "bump": bump,
    "length_leak": length_leak,
    "imbalanced": imbalanced,
    "level": level,
    "frequency": frequency,
    "shift": shift,
    "twins": twins,
    "cue": cue,
}
