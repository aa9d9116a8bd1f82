"""AD-TP's training: (1 - a) CE + a KD + b L_IG + g (L_ARP + L_TSP), and the dense / shallow models."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ...artefacts import config_hash, load_weights, read_npz, seed_everything
from ...compute import current, to_device
from ...data import tasks
from ...data.batching import bucketed_order, collate
from ...models.adtp import ADTPClassifier, candidate_ratios
from ...models.backbones import variant_backbone
from ...models.losses import attribution_target, distillation_loss, task_loss
from ...paths import dense_dir as shared_dense_dir
from ...pruning import attribution as attr
from ...stats.task_metrics import headline
from ...train import EarlyStopping, adamw_with_warmup, fit
from ..dense.train import load_into
from .data import encoded_splits
from .evaluate import finish_run, trace
from .model import build, special_ids
from .plan import HISTORY_EXAMPLES, variants


def balanced_weights(targets: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Class weights n / (k * count) over the k candidate ratios that occur (0 for absent ones):
    every occurring ratio weighs as much in the ARP loss as if the labels were balanced."""
    counts = torch.bincount(targets, minlength=n_classes).double()
    present = counts > 0
    weights = torch.zeros(n_classes, dtype=torch.float64)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights.float()


def adtp_loss(model: ADTPClassifier, out: dict, batch: dict, labels, spec: dict, teacher: dict | None, kappa: float,
              pad_id: int, specials, temperature: float) -> torch.Tensor:
    """L = (1 - a) CE + a KD + b MSE(a_student, fused) + g (CE(ARP, label) + MSE(TSP, fused)).
    teacher: this batch's logits, raw attributions and ARP labels (None: no teacher, kappa = 1).
    A regression head (STS-B): MSE to the label for CE, MSE to the teacher's score for KD."""
    mask = batch["attention_mask"].bool()
    alpha, beta, gamma = spec["alpha"], spec["beta"], spec["gamma"]
    loss = out["logits"].new_zeros(())
    if spec["ce"]:
        loss = loss + (1 - alpha) * task_loss(out["logits"], labels)
    use_teacher = spec["teacher"] and teacher is not None
    if use_teacher and alpha > 0:
        loss = loss + alpha * distillation_loss(out["logits"], teacher["logits"], temperature)
    a_teacher = attr.dual_normalise(teacher["attributions"], mask) if use_teacher else None
    if not use_teacher:
        kappa = 1.0
    train_ig = use_teacher and beta > 0 and kappa < 1          # L_IG is 0 when the fused target is the student
    a_student = None
    if train_ig or (gamma > 0 and kappa > 0):
        target = attribution_target(labels, out["logits"].shape[-1])
        ig = attr.differentiable_ig(model, batch, target, spec["ig_steps"], pad_id, specials, create_graph=train_ig)
        a_student = attr.dual_normalise(attr.token_magnitude(ig), mask)
    fused = attr.fuse(a_teacher, None if a_student is None else a_student.detach(), kappa)
    if train_ig:
        loss = loss + beta * attr.masked_mse(a_student, fused, mask)
    if gamma > 0:
        loss = loss + gamma * (F.cross_entropy(out["arp_logits"], teacher["arp_target"], weight=teacher.get("arp_weight"))
                               + attr.masked_mse(out["tsp"], fused, mask))
    return loss


def train_seed(cfg: dict, task: str, name: str, seed: int, run_dir, state_dir, dense_dir=None, cache_path=None) -> dict:
    tcfg, tc = cfg["tasks"][task], cfg["train"]
    spec = variants(cfg, task)[name]
    if spec["kind"] == "ltp":              # a baseline with its own two-stage schedule
        from .ltp import train_ltp

        return train_ltp(cfg, task, name, seed, run_dir, state_dir, dense_dir)
    directory = tasks.data_dir(cfg["tasks"][task])
    seed_everything(seed)
    pair = tasks.is_pair(directory)
    # init: the student and the shallow model start from the pretrained backbone ("pretrained") or
    # from the dense fine-tuned teacher of their seed ("dense")
    model, tokenizer = build(cfg, spec, tasks.n_classes(directory), pair)
    if spec["kind"] != "dense" and cfg["init"] == "dense" and not variant_backbone(cfg, spec["kind"])[1]:
        # every weight the variant shares with the dense model comes from it (the shallow model: its first
        # blocks); only the retainer's new heads start fresh
        state, own = load_weights(Path(dense_dir) / "model.safetensors"), model.state_dict()
        fresh = [k for k in own if k not in state and not k.startswith(("arp.", "tsp."))]
        if fresh:
            raise RuntimeError(f"dense checkpoint lacks weights of {name}: {fresh[:5]}")
        model.load_state_dict({**own, **{k: v for k, v in state.items() if k in own}}, strict=True)
    compute = current()
    model.to(compute.device)
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    shallow = spec["kind"] == "shallow"
    # the shallow baseline is a smaller dense model, trained like one: early-stopped on the whole validation
    # split (2 epochs at the task's rate left it predicting one class on both offline tasks)
    x_train, y_train, x_val, y_val = encoded_splits(cfg, task, tokenizer, 10 ** 9 if shallow else HISTORY_EXAMPLES)
    lengths = list(map(len, x_train))
    teacher = None
    if spec["kind"] in ("adtp", "shallow"):
        z = read_npz(cache_path)
        teacher = {"logits": torch.as_tensor(z["logits"]), "attributions": torch.as_tensor(z["attributions"])}
        if spec["kind"] == "adtp":
            teacher["arp_target"] = attr.retention_targets(torch.as_tensor(z["agrees"]), z["grid"].tolist(),
                                                           candidate_ratios(spec["n_candidates"]))
            if spec["arp_balanced"]:      # the labels are skewed (most sequences at the smallest ratio)
                teacher["arp_weight"] = balanced_weights(teacher["arp_target"], spec["n_candidates"])
        teacher = to_device(teacher, compute.device)
    sc = cfg["shallow_train"]
    epochs = sc["max_epochs"] if shallow else tc["epochs"]
    monitor = "val_pearson" if tasks.n_classes(directory) == 1 else "val_accuracy"     # a regression head: STS-B
    stopping = EarlyStopping(monitor, sc["patience"], "max") if shallow else None
    steps_per_epoch = -(-len(x_train) // tc["batch_size"])
    total_steps = epochs * steps_per_epoch
    specials = special_ids(tokenizer)

    def batches(epoch):
        rng = np.random.default_rng([seed, epoch])
        for step, idx in enumerate(bucketed_order(lengths, tc["batch_size"], rng)):
            yield collate([x_train[i] for i in idx], pad, sep), torch.as_tensor(y_train[idx]), idx, epoch * steps_per_epoch + step

    def step_loss(m, batch):
        x, y, idx, step = batch
        out = m(**x)
        if spec["kind"] == "dense":
            return task_loss(out["logits"], y)
        if spec["kind"] == "shallow":
            return (1 - cfg["loss"]["alpha"]) * task_loss(out["logits"], y) + cfg["loss"]["alpha"] * \
                distillation_loss(out["logits"], teacher["logits"][idx], cfg["loss"]["temperature"])
        width = x["input_ids"].shape[1]
        rows = {"logits": teacher["logits"][idx], "attributions": teacher["attributions"][idx, :width],
                "arp_target": teacher["arp_target"][idx], "arp_weight": teacher.get("arp_weight")}
        kappa = attr.kappa_at(step, total_steps, *cfg["adtp"]["kappa"])
        return adtp_loss(m, out, x, y, spec, rows, kappa, pad, specials, cfg["loss"]["temperature"])

    def evaluate(m):
        tr = trace(m, x_val, pad, sep_id=sep)
        return {**{f"val_{k}": v for k, v in headline(tr["probs"], y_val).items()}, "val_mean_ratio": float(tr["ratio"].mean())}

    heads = {"arp.": spec["head_lr_x"], "tsp.": spec["head_lr_x"]} if spec["kind"] == "adtp" else None
    lr = (shallow and sc["lr"]) or tcfg.get("lr") or tc["lr"]
    optimizer, scheduler = adamw_with_warmup(model, lr, tc["weight_decay"], tc["warmup_ratio"], total_steps, heads)
    if spec["kind"] == "dense":      # the teacher is the shared dense fine-tune of this task and seed
        history = load_into(model, shared_dense_dir(task, seed))
        epochs = len(history)
    else:
        history = fit(model, optimizer, batches, step_loss, evaluate, epochs, seed,
                      state_path=Path(state_dir) / name / f"seed{seed}.pt", desc=f"{task} {name} seed {seed}",
                      scheduler=scheduler, resume_key=config_hash([cfg, task, name, seed]), compute=compute,
                      stopping=stopping)
    summary = {} if stopping is None else {**stopping.summary(history, epochs), "max_epochs": epochs, "lr": lr}
    return finish_run(cfg, task, name, seed, model, tokenizer, run_dir, history,
                      {"train_seconds": history[-1]["train_seconds"], "train_epochs": len(history),
                       "train_examples": len(x_train), **summary})
