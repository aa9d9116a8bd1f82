"""EAT's training (Alg. 2): dense epochs, then the pruning ratio annealed to its target; distillation from dense."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ...artefacts import config_hash, provenance, save_weights, seed_everything, write_json
from ...compute import current
from ...data import tasks
from ...data.batching import bucketed_order, collate, encode
from ...data.text import read_split as load_split
from ...data.text import subsample
from ...models.backbones import variant_backbone
from ...models.eat import EATClassifier
from ...models.losses import distillation_loss
from ...paths import dense_dir as shared_dense_dir
from ...train import EarlyStopping, adamw_with_warmup, fit
from ..dense.train import load_into
from .evaluate import calibrate_exit, evaluate_run, trace
from .model import build, load_trained, patch
from .plan import DENSE, HISTORY_EXAMPLES, variants


def prune_schedule(epoch: int, step: int, steps_per_epoch: int, target: float, dense_epochs: int, epochs: int) -> float:
    """Alg. 2: 0 during the first `dense_epochs`, then linear to `target` by the last step."""
    if epoch < dense_epochs:
        return 0.0
    anneal_steps = (epochs - dense_epochs) * steps_per_epoch
    done = (epoch - dense_epochs) * steps_per_epoch + step + 1
    return target * min(1.0, done / anneal_steps)


def train_seed(cfg: dict, task: str, name: str, seed: int, directory, run_dir, state_dir, teacher_dir=None) -> dict:
    tcfg, tc = cfg["tasks"][task], cfg["train"]
    spec = variants(cfg, task)[name]
    seed_everything(seed)
    pair = tasks.is_pair(directory)
    distill = spec["kind"] != "dense" and spec["distill"]
    # init: dense -> EAT, the shallow model (its first blocks and head, as DistilBERT starts from its
    # teacher's layers) and dense_continued start from the dense checkpoint of this seed, loaded strictly
    from_dense = ((spec["kind"] != "dense" or spec.get("continued")) and cfg["init"] == "dense"
                  and not variant_backbone(cfg, spec["kind"])[1])       # a backbone of its own starts from its own weights
    if from_dense:
        teacher, tokenizer = load_trained(cfg, task, DENSE, teacher_dir, directory)
    else:
        model, tokenizer = build(cfg, spec, tasks.n_classes(directory), pair)
        model.to(current().device)
        teacher = load_trained(cfg, task, DENSE, teacher_dir, directory)[0] if distill else None
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    train = subsample(load_split(directory, "train"), tcfg["train_subset"], cfg["split_seed"])
    val = subsample(load_split(directory, "validation"), tcfg["eval_subset"], cfg["split_seed"])
    if train.empty or val.empty:
        raise RuntimeError(f"task {task!r} has no data in {directory}: see its stats.json (was the source "
                           "package fetched? apt / npm may be missing on this machine)")
    x_train, x_val = encode(tokenizer, train, tcfg["max_length"]), encode(tokenizer, val, tcfg["max_length"])
    y_train, y_val = train["label"].to_numpy(), val["label"].to_numpy()
    lengths = list(map(len, x_train))
    teacher_logits = None
    if distill:   # the dense model's log-probabilities, computed once before any patching
        teacher_logits = torch.as_tensor(np.log(np.clip(trace(teacher, x_train, pad, sep_id=sep)["probs"], 1e-12, None)),
                                         dtype=torch.float32, device=current().device)
    if from_dense:
        model = patch(cfg, spec, teacher, tokenizer, pair)
    del teacher
    steps_per_epoch = -(-len(x_train) // tc["batch_size"])
    target = model.eat.prune_ratio if spec["kind"] == "eat" else 0.0
    # the shallow baseline is a smaller dense model, trained like one: early-stopped on the whole validation
    # split (EAT's 2 epochs left it at 0.826 on spam, below the bag of words, its accuracy still rising)
    shallow, sc = spec["kind"] == "shallow", cfg["shallow_train"]
    epochs = sc["max_epochs"] if shallow else tc["epochs"]
    watched = len(x_val) if shallow else HISTORY_EXAMPLES
    stopping = EarlyStopping("val_accuracy", sc["patience"], "max") if shallow else None

    def batches(epoch):
        rng = np.random.default_rng([seed, epoch])
        for step, idx in enumerate(bucketed_order(lengths, tc["batch_size"], rng)):
            ratio = prune_schedule(epoch, step, steps_per_epoch, target, tc["dense_epochs"], tc["epochs"])
            yield collate([x_train[i] for i in idx], pad, sep), torch.as_tensor(y_train[idx]), idx, ratio

    def step_loss(m, batch):
        x, y, idx, ratio = batch
        if isinstance(m, EATClassifier):
            out = m(**x, prune_ratio=ratio)
            teacher = teacher_logits[idx] if distill else None
            return m.loss(out, y, teacher, cfg["distill"]["weight"], cfg["distill"]["temperature"])
        logits = m(**x)["logits"]
        loss = F.cross_entropy(logits, y)
        if distill:
            loss = loss + cfg["distill"]["weight"] * distillation_loss(logits, teacher_logits[idx], cfg["distill"]["temperature"])
        return loss

    def evaluate(m):
        tr = trace(m, x_val[:watched], pad, sep_id=sep)
        return {"val_accuracy": float((tr["probs"].argmax(1) == y_val[:watched]).mean())}

    if spec["kind"] == "dense" and not spec.get("continued"):   # the shared dense fine-tune of this task and seed
        history = load_into(model, shared_dense_dir(task, seed))
    else:
        lr = (shallow and sc["lr"]) or tcfg.get("lr") or tc["lr"]
        optimizer, scheduler = adamw_with_warmup(model, lr, tc["weight_decay"], tc["warmup_ratio"],
                                                 epochs * steps_per_epoch)
        history = fit(model, optimizer, batches, step_loss, evaluate, epochs, seed,
                      state_path=Path(state_dir) / name / f"seed{seed}.pt", desc=f"{task} {name} seed {seed}",
                      scheduler=scheduler, resume_key=config_hash([cfg, task, name, seed]), compute=current(),
                      stopping=stopping)
    calibration = calibrate_exit(model, x_val, y_val, pad, sep, cfg) if isinstance(model, EATClassifier) else {}
    run_dir = Path(run_dir)
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": provenance(cfg, seed=seed, task=task, variant=name),
                                          "history": history})
    return evaluate_run(cfg, task, name, seed, model, tokenizer, directory, run_dir, calibration)
