"""ViT training with the entropy regulariser on key-to-anchor assignments (or L1, or none)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ...artefacts import config_hash, load_weights, provenance, save_weights, seed_everything, write_json
from ...compute import current
from ...data.images import SHAPES, splits
from ...models.vit import ViT, recording
from ...pruning.key_support import Selector, cluster_assignments
from ...train import EarlyStopping, adamw, fit
from .plan import METHODS, data_path, variants


def data_splits(cfg: dict) -> dict:
    d = cfg["data"]
    return splits(d["validation"], d["test"], d["split_seed"], d["source"], data_path(cfg))


def build(cfg: dict, spec: dict) -> tuple[ViT, torch.nn.ParameterDict]:
    m = cfg["model"]
    side, channels, classes = SHAPES[cfg["data"]["source"]]
    model = ViT(image=side, patch=spec["patch"], dim=m["dim"], depth=m["depth"], heads=m["heads"], classes=classes,
                mlp_ratio=m["mlp_ratio"], channels=channels)
    k = int(math.floor(math.sqrt(model.tokens)))
    anchors = torch.nn.ParameterDict()
    if spec["kind"] == "entropy":
        for layer in cfg["regularizer"]["layers"]:
            anchors[str(layer)] = torch.nn.Parameter(torch.randn(m["heads"], k, m["dim"] // m["heads"]))
    return model, anchors


@torch.no_grad()
def init_anchors(model: ViT, anchors, images: torch.Tensor, seed: int) -> None:
    """Anchors start at keys the untrained model produces (a random subset per layer and head),
    so no anchor starts out of reach of every key (far anchors give a trivially low entropy)."""
    record = recording("keys", layers=[int(layer) for layer in anchors])
    model(images, record=record)
    g = torch.Generator().manual_seed(seed)
    for layer, a in anchors.items():
        keys = record["keys"][int(layer)].transpose(0, 1).flatten(1, 2)             # (H, B*N, d)
        pick = torch.randperm(keys.shape[1], generator=g)[: a.shape[1]].to(keys.device)
        a.copy_(keys[:, pick])


def alpha_at(cfg: dict, epoch: int, epochs: int | None = None) -> float:
    r, epochs = cfg["regularizer"], epochs or cfg["train"]["epochs"]
    return r["alpha_start"] + (r["alpha_end"] - r["alpha_start"]) * epoch / max(epochs - 1, 1)


def key_entropy(keys: torch.Tensor, anchors: torch.Tensor, alpha: float) -> torch.Tensor:
    """H_diff of each image's keys per head: (B, H)."""
    mass = cluster_assignments(keys, anchors, alpha).mean(2)
    return -(mass * mass.clamp_min(1e-12).log()).sum(-1)


def _tensor(images):
    return torch.from_numpy(np.ascontiguousarray(images))


def eval_parts(n: int, cfg: dict) -> list[slice]:
    """The batches an evaluation pass scores n images in: `vit.eval_batch_size` at a time (0: one pass, the
    default scale's small splits; the paper's 10,000 CIFAR test images at 257 tokens do not fit one)."""
    size = cfg.get("eval_batch_size", 0) or max(n, 1)
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def pooled(parts: list[tuple[float, int]]) -> float:
    """The mean over all images of per-batch means (value, images); one batch: its value as it is."""
    if len(parts) == 1:
        return parts[0][0]
    return sum(v * k for v, k in parts) / sum(k for _, k in parts)


def augment(images: torch.Tensor, padding: int, flip: bool) -> torch.Tensor:
    """CIFAR's standard augmentation, per image: a random crop of the image padded by `padding`
    zeros on each side, then a horizontal flip with probability 1/2. (B, H, W[, C]) in and out."""
    b, h, w = images.shape[:3]
    if flip:
        flipped = torch.rand(b, device=images.device) < 0.5
        images = torch.where(flipped.view(b, *[1] * (images.dim() - 1)), images.flip(2), images)
    if padding:
        pad = (0, 0) * (images.dim() - 3) + (padding, padding, padding, padding)
        padded = F.pad(images, pad)                                    # (B, H + 2p, W + 2p[, C])
        dy, dx = torch.randint(0, 2 * padding + 1, (2, b), device=images.device)
        rows = (dy[:, None] + torch.arange(h, device=images.device))  # (B, H)
        cols = (dx[:, None] + torch.arange(w, device=images.device))  # (B, W)
        images = padded[torch.arange(b, device=images.device)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return images


def train_run(cfg: dict, name: str, seed: int, out_dir, state_dir) -> dict:
    spec = variants(cfg)[name]
    reg = cfg["regularizer"]
    tc = {**cfg["train"], "epochs": spec.get("epochs", cfg["train"]["epochs"])}
    seed_everything(seed)
    data = data_splits(cfg)
    # the whole (small) image set sits on the device: no per-batch copies
    compute = current().training(cfg.get("precision"))
    x_train, y_train = _tensor(data["train"][0]).to(compute.device), torch.from_numpy(data["train"][1]).to(compute.device)
    x_val, y_val = _tensor(data["validation"][0]).to(compute.device), torch.from_numpy(data["validation"][1]).to(compute.device)
    model, anchors = build(cfg, spec)
    model.to(compute.device)
    anchors.to(compute.device)
    if spec["kind"] == "entropy":
        init_anchors(model, anchors, x_train[: tc["batch_size"]], seed)
    wrapper = torch.nn.ModuleDict({"model": model, "anchors": anchors})
    optimizer = adamw(wrapper.parameters(), lr=tc["lr"], weight_decay=tc["weight_decay"])
    active = range(reg["epochs_active"][0], min(reg["epochs_active"][1], tc["epochs"]))
    state = {"alpha": alpha_at(cfg, 0, tc["epochs"]), "epoch": 0}

    def batches(epoch):
        state.update(alpha=alpha_at(cfg, epoch, tc["epochs"]), epoch=epoch)
        order = torch.randperm(len(x_train))
        return [order[i: i + tc["batch_size"]] for i in range(0, len(order), tc["batch_size"])]

    def step_loss(w, idx):
        record = recording("keys", layers=reg["layers"])
        x = x_train[idx]
        if tc["augment"]["padding"] or tc["augment"]["flip"]:
            x = augment(x, tc["augment"]["padding"], tc["augment"]["flip"])
        logits = w["model"](x, record=record if spec["kind"] in ("l1", "entropy") else None)
        smoothing = spec["lambda"] if spec["kind"] == "label_smoothing" else 0.0
        loss = F.cross_entropy(logits, y_train[idx], label_smoothing=smoothing)
        if spec["kind"] == "output_entropy":     # confidence penalty (Pereyra et al. 2017): loss - lambda H(p(y|x))
            logp = logits.log_softmax(-1)
            return loss + spec["lambda"] * (logp.exp() * logp).sum(-1).mean()
        if spec["kind"] in ("l1", "entropy") and state["epoch"] in active:
            keys = record["keys"]
            if spec["kind"] == "l1":
                loss = loss + spec["lambda"] * torch.stack([keys[layer].abs().mean() for layer in reg["layers"]]).mean()
            else:
                h = torch.stack([key_entropy(keys[layer], w["anchors"][str(layer)], state["alpha"]).mean()
                                 for layer in reg["layers"]])
                loss = loss + spec["lambda"] * h.mean()
        return loss

    def evaluate(w):
        # in batches, keeping only the regularised layers' keys and only for the entropy ViT (scored on them)
        loss, accuracy, entropy = [], [], []
        for part in eval_parts(len(x_val), cfg):
            record = recording("keys", layers=reg["layers"]) if spec["kind"] == "entropy" else None
            logits = w["model"](x_val[part], record=record)
            size = len(y_val[part])
            loss.append((float(F.cross_entropy(logits.float(), y_val[part])), size))
            accuracy.append((float((logits.argmax(1) == y_val[part]).float().mean()), size))
            if spec["kind"] == "entropy":
                entropy.append((float(torch.stack([key_entropy(record["keys"][layer], w["anchors"][str(layer)],
                                                               state["alpha"]).mean() for layer in reg["layers"]]).mean()),
                                size))
        out = {"val_loss": pooled(loss), "val_accuracy": pooled(accuracy), "alpha": state["alpha"]}
        if spec["kind"] == "entropy":
            out["key_entropy"] = pooled(entropy)
        return out

    # every variant trains until its validation loss stops falling (`epochs` is the maximum) and keeps
    # its best epoch; the annealing and the regulariser's window are set against the maximum
    stopping = EarlyStopping("val_loss", tc["patience"], "min")
    history = fit(wrapper, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                  state_path=Path(state_dir) / f"{name}.seed{seed}.pt", desc=name,
                  resume_key=config_hash({"train": tc, "spec": spec, "model": cfg["model"], "reg": reg}), compute=compute,
                  stopping=stopping)
    summary = stopping.summary(history, tc["epochs"])
    best = history[summary["best_epoch"] - 1]
    out_dir = Path(out_dir)
    save_weights(wrapper, out_dir / "model.safetensors")
    prov = provenance({"train": tc, "spec": spec}, seed, variant=name, compute=compute.describe())
    write_json(out_dir / "history.json", {"provenance": prov, "history": history})
    write_json(out_dir / "metrics.json", {"provenance": prov, "metrics": {
        **best, **summary, "max_epochs": tc["epochs"], "patience": tc["patience"],
        "train_seconds": history[-1]["train_seconds"],
        "seconds_per_epoch": history[-1]["train_seconds"] / len(history), **spec}})
    return best


def load_run(cfg: dict, name: str, directory) -> tuple[ViT, dict]:
    spec = variants(cfg)[name]
    model, anchors = build(cfg, spec)
    wrapper = torch.nn.ModuleDict({"model": model, "anchors": anchors})
    wrapper.load_state_dict(load_weights(Path(directory) / "model.safetensors"), strict=True)
    wrapper.to(current().device).eval()
    return model, {int(k): v.detach() for k, v in anchors.items()}


def selector_for(cfg: dict, name: str, anchors: dict, sparsity: float, kind: str | None = None) -> Selector:
    spec = variants(cfg)[name]
    return Selector(kind or METHODS[spec["kind"]], sparsity, cfg["inference"]["block"],
                    cfg["inference"]["sparse_layers"], anchors, alpha=cfg["regularizer"]["alpha_end"])
