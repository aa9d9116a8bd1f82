"""The shared dense fine-tune: the backbone + a linear head on [CLS], cross-entropy (MSE for a
regression task), one task and seed, trained until its loss on the whole validation split stops
improving (early stopping: a patience, a maximum number of epochs), ending on its best epoch.

Stopping on the loss can stop a model whose accuracy is still rising (a loss that grows with
overconfidence), so the plateau is confirmed by a paired test: is the last epoch significantly more
often right than the best one on the same validation examples (one-sided exact McNemar)? The
validity stage fails a dense model that stopped at the maximum or whose plateau is not confirmed.

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
from ...train import EarlyStopping, adamw_with_warmup, fit


@torch.inference_mode()
def _validation(model, encoded, labels, pad: int, sep) -> dict:
    """{val_loss, val_accuracy} (or val_pearson, val_spearman for a regression head) over the
    whole validation split, and `_val_right`: which examples the model got right (a regression
    head: within the tolerance of `agreeing`), kept for the plateau test."""
    from ...stats.task_metrics import REGRESSION_TOLERANCE, is_regression

    model.eval()
    out = np.zeros((len(encoded), model.head.out_features))
    loss = 0.0
    for idx in sequential_order(list(map(len, encoded)), 64):
        logits = model(**on(model, collate([encoded[i] for i in idx], pad, sep)))["logits"]
        loss += float(task_loss(logits.float(), on(model, torch.as_tensor(labels[idx]))).item()) * len(idx)
        out[idx] = numpy(outputs(logits))
    right = (np.abs(out[:, 0] - labels) <= REGRESSION_TOLERANCE if is_regression(out) else out.argmax(1) == labels)
    return {"val_loss": loss / len(encoded), **{f"val_{k}": v for k, v in headline(out, labels).items()},
            "val_right": float(right.mean()), "_val_right": right.astype(int).tolist()}


def plateau_p_value(best: list[int], last: list[int]) -> float:
    """One-sided exact McNemar: P(the last epoch is right this much more often than the best one
    by chance). Small: the model was still improving when the loss stopped it."""
    from scipy.stats import binomtest

    best, last = np.asarray(best, bool), np.asarray(last, bool)
    gained, lost = int((last & ~best).sum()), int((best & ~last).sum())
    return 1.0 if gained + lost == 0 else float(binomtest(gained, gained + lost, 0.5, alternative="greater").pvalue)


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
    # the whole validation split (a subset only at the smoke scale: config.py refuses one elsewhere)
    val = subsample(read_split(directory, "validation"), dense_cfg.get("validation_subset", 0), facts["split_seed"])
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

    # the learning rate decays over the maximum: early stopping ends the schedule, not the other way round
    steps = tc["max_epochs"] * -(-len(x_train) // tc["batch_size"])
    optimizer, scheduler = adamw_with_warmup(model, tc["lr"], tc["weight_decay"], tc["warmup_ratio"], steps)
    # the monitor (config: dense.train.monitor): val_right, the share of validation examples right (accuracy,
    # or within tolerance for a regression head), or val_loss; see config.yaml for why not the loss
    stopping = EarlyStopping(tc["monitor"], tc["patience"], "min" if tc["monitor"] == "val_loss" else "max")
    history = fit(model, optimizer, batches, step_loss, evaluate, tc["max_epochs"], seed,
                  state_path=Path(state_dir) / task / f"seed{seed}.pt", desc=f"dense {task} seed {seed}",
                  scheduler=scheduler, resume_key=config_hash([dense_cfg, facts, task, seed]), compute=compute,
                  stopping=stopping)
    summary = stopping.summary(history, tc["max_epochs"])
    best = history[summary["best_epoch"] - 1]
    p_value = plateau_p_value(best["_val_right"], history[-1]["_val_right"])
    history = [{k: v for k, v in r.items() if not k.startswith("_")} for r in history]
    model.cpu()
    run_dir = Path(run_dir)
    info = provenance({"dense": dense_cfg, "task": facts}, seed=seed, task=task, compute=compute.describe())
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": info, "history": history})
    metrics = {**{f"{k}_head": v for k, v in best.items() if k.startswith("val_")}, "n_train": len(x_train),
               "n_validation": len(x_val), **summary, "monitor": tc["monitor"], "max_epochs": tc["max_epochs"], "patience": tc["patience"],
               "plateau_p_value": p_value, "train_seconds": history[-1]["train_seconds"], "lr": tc["lr"]}
    write_json(run_dir / "metrics.json", {"provenance": info, "metrics": metrics})
    return metrics


def load_into(model: torch.nn.Module, dense_dir) -> list[dict]:
    """Load the shared dense weights into a study's dense classifier (strictly) and return the
    training history, which the study's own dense run reports as its own."""
    model.load_state_dict(load_weights(Path(dense_dir) / "model.safetensors"), strict=True)
    return read_json(Path(dense_dir) / "history.json")["history"]
