"""The reference the GPU benchmarks compare with: a plain PyTorch ``nn.LSTM`` (cuDNN on a GPU) of the zoo's size.

Bidirectional, two layers, no mask, a linear head on the flattened outputs, Adam; timed per epoch.
"""

from __future__ import annotations

import time

import numpy as np


def time_reference_lstm(X: np.ndarray, y: np.ndarray, units: int, epochs: int, batch: int, device: str) -> dict:
    """Train the reference on ``X`` ``(n, T, C)``, ``y`` codes for ``epochs`` after one warm-up epoch.

    Returns ``first_epoch_s``, ``epoch_s`` (mean over the timed epochs), ``samples_per_s``, ``final_loss``
    and ``device_name``.
    """
    import torch
    from torch import nn

    n, T, C = X.shape
    K = int(y.max()) + 1
    torch.manual_seed(0)
    dev = torch.device(device)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(C, units, num_layers=2, bidirectional=True, batch_first=True)
            self.out = nn.Linear(T * 2 * units, K)

        def forward(self, x):
            return self.out(self.lstm(x)[0].flatten(1))

    net = Net().to(dev)
    opt = torch.optim.Adam(net.parameters())
    Xt, yt = torch.tensor(X, device=dev), torch.tensor(y, device=dev, dtype=torch.long)

    def epoch() -> float:
        for i in range(0, n, batch):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(Xt[i : i + batch]), yt[i : i + batch])
            loss.backward()
            opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        return float(loss)

    start = time.perf_counter()
    epoch()
    first = time.perf_counter() - start
    start = time.perf_counter()
    loss = float("nan")
    for _ in range(epochs):
        loss = epoch()
    seconds = (time.perf_counter() - start) / epochs
    name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
    return {
        "first_epoch_s": first,
        "epoch_s": seconds,
        "samples_per_s": n / seconds,
        "final_loss": loss,
        "device_name": name,
    }
