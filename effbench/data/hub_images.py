"""The paper's image datasets from the dataset hub: CIFAR-10, CIFAR-100 (paper 003's ViT-Small
tables) and SVHN (its out-of-distribution set), or a local copy of the hub's files.

`prepare(source, out_path, local_dir)` writes one .npz: the hub's own train and test splits as
uint8 (N, 32, 32, 3) images and integer labels. The ViT study cuts its validation split from
train and scores on the official test split, as the paper does.

local_dir (None: the hub) is a directory `datasets.load_dataset` reads as the hub serves the set:
parquet shards `train-*.parquet` / `test-*.parquet` with the hub's image and label columns. A
cluster without internet runs from such a copy; the tests run this path on a small fixture.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..hub import missing
from .text import DataSourceError

# source -> hub id, config, image column, label column, classes, published split sizes (for a run plan)
HUB = {"cifar10": {"id": "uoft-cs/cifar10", "config": None, "image": "img", "label": "label", "classes": 10,
                   "train_size": 50_000, "test_size": 10_000},
       "cifar100": {"id": "uoft-cs/cifar100", "config": None, "image": "img", "label": "fine_label", "classes": 100,
                    "train_size": 50_000, "test_size": 10_000},
       "svhn": {"id": "ufldl-stanford/svhn", "config": "cropped_digits", "image": "image", "label": "label",
                "classes": 10, "train_size": 73_257, "test_size": 26_032}}
SIZE = 32


def path(source: str) -> str:
    """Where the prepared set lives (one place for the rule and the loader)."""
    return f"data/images/{source}.npz"


def _load(source: str, local_dir=None):
    from datasets import load_dataset

    spec = HUB[source]
    if local_dir is not None:
        if not any(Path(local_dir).glob("train-*.parquet")):
            raise DataSourceError(f"{local_dir}: no train-*.parquet shard; vit.data.local_dir must hold the hub's files "
                                  f"of {spec['id']} (train-*.parquet, test-*.parquet)")
        return load_dataset(str(local_dir))
    try:
        return load_dataset(spec["id"], spec["config"])
    except Exception as err:  # noqa: BLE001  (any hub failure becomes one actionable error)
        raise DataSourceError(f"could not load {spec['id']} from the dataset hub ({type(err).__name__}: {err}); "
                              "set vit.data.local_dir to a copy of its files, or use source mnist5k offline"
                              + missing(f"dataset {spec['id']!r}")) from err


def prepare(source: str, out_path, local_dir=None) -> dict:
    """The hub's train and test splits as an .npz of uint8 RGB images and int64 labels."""
    from ..artefacts import write_npz

    spec = HUB[source]
    ds = _load(source, local_dir)
    arrays = {}
    for split in ("train", "test"):
        part = ds[split]
        images = np.stack([np.asarray(im.convert("RGB"), dtype=np.uint8) for im in part[spec["image"]]])
        if images.shape[1:] != (SIZE, SIZE, 3):
            raise DataSourceError(f"{spec['id']} {split}: images of shape {images.shape[1:]}, expected ({SIZE}, {SIZE}, 3)")
        labels = np.asarray(part[spec["label"]], dtype=np.int64)
        if labels.min() < 0 or labels.max() >= spec["classes"]:
            raise DataSourceError(f"{spec['id']} {split}: labels outside [0, {spec['classes']})")
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    write_npz(out_path, **arrays)
    return {"source": source, "dataset": spec["id"] if local_dir is None else str(local_dir),
            "train": len(arrays["train_labels"]), "test": len(arrays["test_labels"]), "classes": spec["classes"]}
