"""The shared dense fine-tune: the backbone + a linear head on [CLS], cross-entropy (MSE for a
regression task), one task and seed.

Every text study's dense row, its methods' initialisation and AD-TP's teacher load these weights
(`load_into`), so the dense model is trained once and every method is compared with the same one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...artefacts import config_hash, load_weights, provenance, read_json, save_weights, seed_everything, write_json
from ...compute import current, numpy, on
from ...data import tasks as text_tasks
from ...data.batching import collate, encode, labelled_batches, sequential_order
from ...data.text import read_split, subsample
from ...models.backbones import load_encoder
from ...models.losses import outputs, task_loss
from ...models.text_classifier import TextClassifier
from ...stats.task_metrics import headline
from ...train import adamw_with_warmup, fit

HISTORY_EXAMPLES = 256      # validation examples scored after each epoch


@torch.inference_mode()
def _validation(model, encoded, labels, pad: int, sep) -> dict:
    """{val_accuracy}, or {val_pearson, val_spearman} for a regression head."""
    model.eval()
    out = np.zeros((len(encoded), model.head.out_features))
    for idx in sequential_order(list(map(len, encoded)), 64):
        out[idx] = numpy(outputs(model(**on(model, collate([encoded[i] for i in idx], pad, sep)))["logits"]))
    return {f"val_{k}": v for k, v in headline(out, labels).items()}


def train(dense_cfg: dict, task: str, facts: dict, seed: int, run_dir, state_dir) -> dict:
    """Fine-tune the backbone densely on the task's shared training subset, on this job's device
    (`compute.current()`); write weights, history and metrics (validation accuracy) to run_dir."""
    tc = dense_cfg["train"]
    compute = current()
    seed_everything(seed)
    directory = facts["data_dir"]
    pair = text_tasks.is_pair(directory)
    encoder, tokenizer = load_encoder(facts["backbone"])
    model = TextClassifier(encoder, text_tasks.n_classes(directory), dense_cfg["dropout"])
    pad, sep = tokenizer.pad_token_id, text_tasks.sep_id(tokenizer, pair)
    train_frame = subsample(read_split(directory, "train"), facts["train_subset"], facts["split_seed"])
    val = read_split(directory, "validation").head(HISTORY_EXAMPLES)
    if train_frame.empty or val.empty:
        raise RuntimeError(f"task {task!r} has no data in {directory}: see its stats.json")
    x_train, x_val = encode(tokenizer, train_frame, facts["max_length"]), encode(tokenizer, val, facts["max_length"])
    y_train, y_val = train_frame["label"].to_numpy(), val["label"].to_numpy()
    batches = labelled_batches(x_train, y_train, tc["batch_size"], seed, pad, sep)

    def step_loss(m, batch):
        x, y = batch
        return task_loss(m(**x)["logits"], y)      # cross-entropy, or MSE for a regression head (STS-B)

    def evaluate(m):
        return _validation(m, x_val, y_val, pad, sep)

    steps = tc["epochs"] * -(-len(x_train) // tc["batch_size"])
    optimizer, scheduler = adamw_with_warmup(model, tc["lr"], tc["weight_decay"], tc["warmup_ratio"], steps)
    history = fit(model, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                  state_path=Path(state_dir) / task / f"seed{seed}.pt", desc=f"dense {task} seed {seed}",
                  scheduler=scheduler, resume_key=config_hash([dense_cfg, facts, task, seed]), compute=compute)
    model.cpu()
    run_dir = Path(run_dir)
    info = provenance({"dense": dense_cfg, "task": facts}, seed=seed, task=task, compute=compute.describe())
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": info, "history": history})
    metrics = {**{f"{k}_head": v for k, v in history[-1].items() if k.startswith("val_")}, "n_train": len(x_train),
               "epochs": tc["epochs"], "lr": tc["lr"]}
    write_json(run_dir / "metrics.json", {"provenance": info, "metrics": metrics})
    return metrics


def load_into(model: torch.nn.Module, dense_dir) -> list[dict]:
    """Load the shared dense weights into a study's dense classifier (strictly) and return the
    training history, which the study's own dense run reports as its own."""
    model.load_state_dict(load_weights(Path(dense_dir) / "model.safetensors"), strict=True)
    return read_json(Path(dense_dir) / "history.json")["history"]
