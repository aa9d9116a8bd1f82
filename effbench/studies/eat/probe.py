"""Why the exit heads pool: a linear probe of [CLS] against pooled block-4 features."""
from __future__ import annotations

import numpy as np
import torch

from ...artefacts import provenance, write_json
from ...compute import current, numpy, on
from ...data import tasks
from ...data.batching import collate, encode, sequential_order
from ...data.text import read_split as load_split
from ...data.text import subsample
from ...models.backbones import load_encoder


@torch.no_grad()
def probe_exit_features(cfg: dict, task: str, out_path) -> dict:
    """How much a linear exit head can read from the *pretrained* backbone at each block:
    logistic-regression validation accuracy on the [CLS] state vs the mean of the tokens,
    and the [CLS] state's spread across examples relative to its mean magnitude."""
    from sklearn.linear_model import LogisticRegression

    tcfg = cfg["tasks"][task]
    directory = tasks.data_dir(cfg["tasks"][task])
    encoder, tokenizer = load_encoder(cfg["backbone"])
    encoder.to(current().device)
    encoder.eval()
    n_train, n_val = cfg["probe_examples"]
    train = subsample(load_split(directory, "train"), n_train, cfg["split_seed"])
    val = subsample(load_split(directory, "validation"), n_val, cfg["split_seed"])

    def features(frame):
        ids = encode(tokenizer, frame, tcfg["max_length"])
        feats = {}
        for idx in sequential_order(list(map(len, ids)), 32):
            batch = on(encoder, collate([ids[i] for i in idx], tokenizer.pad_token_id))
            states = encoder(**batch, output_hidden_states=True).hidden_states[1:]
            weights = batch["attention_mask"][..., None].float()
            for depth, h in enumerate(states, start=1):
                for how, f in (("cls", h[:, 0]), ("mean", (h * weights).sum(1) / weights.sum(1))):
                    feats.setdefault((depth, how), np.zeros((len(ids), h.shape[-1])))[idx] = numpy(f)
        return feats

    f_train, f_val = features(train), features(val)
    rows = []
    for (depth, how), x in f_train.items():
        clf = LogisticRegression(max_iter=3000).fit(x, train["label"])
        rows.append({"block": depth, "feature": how, "val_accuracy": float(clf.score(f_val[(depth, how)], val["label"])),
                     "relative_spread": float(x.std(0).mean() / np.abs(x.mean(0)).mean())})
    majority = float(val["label"].value_counts(normalize=True).max())
    write_json(out_path, {"provenance": provenance(cfg, task=task, n_train=len(train), n_val=len(val)),
                          "metrics": {"rows": rows, "majority_class": majority}})
    return {"rows": rows, "majority_class": majority}
