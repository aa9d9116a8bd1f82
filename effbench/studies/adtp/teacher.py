"""The teacher cache (computed once per task): IG token attributions, logits, and the ARP labels."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ...artefacts import provenance, seed_everything, write_json, write_npz
from ...compute import current, numpy, on
from ...data import tasks
from ...data.batching import collate, encode, sequential_order
from ...models.adtp import ADTPClassifier, candidate_ratios
from ...models.losses import attribution_target, outputs, same_prediction
from ...pruning import attribution as attr
from ...stats.task_metrics import headline, predicted
from .data import split_frame
from .model import as_pruner, load_trained, special_ids
from .plan import DENSE


def ratio_grid(cfg: dict, task: str) -> list[float]:
    """Every candidate ratio of every list the task trains with: the teacher is pruned to each once."""
    lists = {cfg["adtp"]["n_candidates"], *(cfg["candidate_lists"] if "candidates" in cfg["tasks"][task]["extras"] else [])}
    return sorted({r for n in lists for r in candidate_ratios(n)})


def _padded(rows: list[np.ndarray], width: int) -> np.ndarray:
    out = np.zeros((len(rows), width), np.float32)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def token_attributions(model, encoded, labels, tokenizer, steps: int, top_k_dims=None, batch_size: int = 32,
                       sep_id=None) -> list[np.ndarray]:
    """Per example: the L2 norm of each token's IG (captum, m steps, [PAD] baseline) for its label
    (a regression head: for its one score)."""
    pad = tokenizer.pad_token_id
    out = [None] * len(encoded)
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        batch = on(model, collate([encoded[i] for i in idx], pad, sep_id))
        target = on(model, attribution_target(torch.as_tensor(labels[idx]), model.head.out_features))
        ig = attr.integrated_gradients(model, batch, target, steps, pad, special_ids(tokenizer))
        magnitude = numpy(attr.token_magnitude(ig.detach(), top_k_dims))
        for row, i in enumerate(idx):
            out[i] = magnitude[row, : len(encoded[i])]
    return out


@torch.no_grad()
def agreement_under_pruning(pruner: ADTPClassifier, encoded, scores: list[np.ndarray], grid, pad, sep_id=None,
                            batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(unpruned outputs (n, k), agrees (n, len(grid))): does the model pruned to each ratio by
    these token scores keep its unpruned prediction (a regression head: within the tolerance)?"""
    full_out = np.zeros((len(encoded), pruner.head.out_features))
    agrees = np.zeros((len(encoded), len(grid)), bool)
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        batch = on(pruner, collate([encoded[i] for i in idx], pad, sep_id))
        s = on(pruner, torch.as_tensor(_padded([scores[i] for i in idx], batch["input_ids"].shape[1])))
        full = pruner(**batch, ratio=1.0, scores=s)["logits"]
        full_out[idx] = numpy(outputs(full))
        for j, r in enumerate(grid):
            agrees[idx, j] = numpy(same_prediction(pruner(**batch, ratio=r, scores=s)["logits"], full))
    return full_out, agrees


def teacher_cache(cfg: dict, task: str, seed: int, dense_dir, out_path) -> dict:
    """Teacher attributions, logits and ARP labels on the training examples, computed once."""
    seed_everything(seed)
    directory = tasks.data_dir(cfg["tasks"][task])
    pair = tasks.is_pair(directory)
    teacher, tokenizer = load_trained(cfg, task, DENSE, dense_dir)
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    train = split_frame(cfg, task, "train")
    x, y = encode(tokenizer, train, cfg["tasks"][task]["max_length"]), train["label"].to_numpy()
    a = cfg["adtp"]
    t0 = time.perf_counter()
    magnitudes = token_attributions(teacher, x, y, tokenizer, a["teacher_ig_steps"], a["teacher_top_k_dims"], sep_id=sep)
    ig_seconds = time.perf_counter() - t0
    logits = np.zeros((len(x), tasks.n_classes(directory)), np.float32)
    with torch.no_grad():
        for idx in sequential_order(list(map(len, x)), 64):
            logits[idx] = numpy(teacher(**on(teacher, collate([x[i] for i in idx], pad, sep)))["logits"])
    grid = ratio_grid(cfg, task)
    full, agrees = agreement_under_pruning(as_pruner(cfg, teacher, tokenizer, pair), x, magnitudes, grid, pad, sep)
    write_npz(out_path, attributions=_padded(magnitudes, cfg["tasks"][task]["max_length"]),
              length=np.array(list(map(len, x))), logits=logits, pred=predicted(full), agrees=agrees, grid=np.array(grid))
    lists = {cfg["adtp"]["n_candidates"], *(cfg["candidate_lists"] if "candidates" in cfg["tasks"][task]["extras"] else [])}
    label_share = {}     # how the ARP's labels spread over each candidate list (a skew the ARP can collapse to)
    for n in sorted(lists):
        labels = attr.retention_targets(torch.as_tensor(agrees), grid, candidate_ratios(n)).numpy()
        label_share[str(n)] = dict(zip(map(str, candidate_ratios(n)), (np.bincount(labels, minlength=n) / len(labels)).tolist()))
    summary = {"ig_seconds": ig_seconds, "n": len(x), **{f"teacher_train_{k}": v for k, v in headline(full, y).items()},
               "agree_share_by_ratio": dict(zip(map(str, grid), agrees.mean(0).tolist())),
               "arp_label_share": label_share}
    write_json(Path(out_path).with_suffix(".json"), {"provenance": provenance(cfg, seed=seed, task=task, compute=current().describe()),
                                                     "metrics": summary})
    return summary
