"""AD-TP's data: a task's split subsets, and 20 Newsgroups prepared from the hub or a local copy."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...artefacts import provenance, write_csv
from ...data import tasks
from ...data.text import read_split as load_split
from ...data.text import subsample
from ...models.backbones import load_tokenizer


def split_frame(cfg: dict, task: str, split: str) -> pd.DataFrame:
    t = cfg["tasks"][task]
    size = {"train": t["train_subset"], "validation": t["eval_subset"], "test": t["test_subset"]}[split]
    frame = subsample(load_split(tasks.data_dir(cfg["tasks"][task]), split), size, cfg["split_seed"])
    if frame.empty:
        raise RuntimeError(f"task {task!r} has no {split} data in {tasks.data_dir(cfg['tasks'][task])}: see its stats.json "
                           "(was the source package fetched? apt / npm may be missing on this machine)")
    return frame


def encoded_splits(cfg: dict, task: str, tokenizer, history: int) -> tuple:
    """(x_train, y_train, x_val, y_val): the task's training split and the first `history` validation
    examples (scored after each epoch), tokenised."""
    from ...data.batching import encode

    train = split_frame(cfg, task, "train")
    val = split_frame(cfg, task, "validation").head(history)
    length = cfg["tasks"][task]["max_length"]
    return encode(tokenizer, train, length), train["label"].to_numpy(), encode(tokenizer, val, length), val["label"].to_numpy()


def prepare_newsgroups(cfg: dict, out_dir, val_fraction: float = 0.1) -> dict:
    """20 Newsgroups (hub or a local copy): validation cut from train, the official test split as test."""
    from sklearn.model_selection import train_test_split

    from ...artefacts import write_json
    from ...data import text as text_data

    ng = cfg["newsgroups"]
    raw = text_data.load_newsgroups(ng["source"], ng["local_dir"])
    train, val = train_test_split(raw["train"], test_size=val_fraction, random_state=cfg["split_seed"],
                                  stratify=raw["train"]["label"])
    splits = {"train": train.reset_index(drop=True), "validation": val.reset_index(drop=True), "test": raw["test"]}
    for name, frame in splits.items():
        write_csv(Path(out_dir) / f"{name}.csv", frame)
    tokenizer = load_tokenizer(cfg["backbone"])   # the statistics count tokens: no weights
    stats = {"n_classes": int(raw["train"]["label"].nunique()), **text_data.split_statistics(splits, tokenizer)}
    write_json(Path(out_dir) / "stats.json", {"provenance": provenance(cfg, seed=cfg["split_seed"], source=ng["source"],
                                                                       dataset=text_data.NEWSGROUPS_HUB), "metrics": stats})
    return stats
