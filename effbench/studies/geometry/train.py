"""EntropyNet training with the hull-preserving loss, and the surrogates on a set."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ...artefacts import config_hash, load_weights, provenance, save_weights, seed_everything, write_json
from ...entropy.range_partition import structural_entropy_bound
from ...entropy.surrogates import Surrogate
from ...geometry import hulls
from ...geometry.entropynet import EntropyNet, hull_constraints, hull_loss
from ...train import EarlyStopping, adamw, fit
from .plan import variant_settings
from .sets import sets_for


def anchors_k(settings: dict, n: int) -> int:
    """k = min(k, n / 4) (paper Table 21)."""
    return max(2, min(int(settings["k"]), n // 4))


def temperature(settings: dict, epoch: int, anneal_epochs: int) -> float:
    """Anchors: alpha annealed linearly from alpha_start to alpha_end over the first anneal_epochs,
    then held (so the objective early stopping watches stops moving by design); ranges: a fixed tau."""
    if settings["kind"] != "anchor":
        return float(settings["tau"])
    frac = min(epoch / max(anneal_epochs - 1, 1), 1.0)
    return float(settings["alpha_start"] + frac * (settings["alpha_end"] - settings["alpha_start"]))


def evaluate_sets(net: EntropyNet, surrogate: Surrogate, sets: list[np.ndarray], lam: float | None = None) -> dict:
    """Mean surrogate before/after, hull error, margin, reference entropy bound before/after, and
    (given lambda) the training objective on these sets: what early stopping watches."""
    rows = []
    for pts in sets:
        moved = net.transform(pts)
        x, x2 = (torch.tensor(p, dtype=torch.float32) for p in (pts, moved))
        with torch.no_grad():
            h0, h1 = float(surrogate(x)), float(surrogate(x2))
            margin = surrogate.margin(x2)
            objective = ({} if lam is None else
                         {"val_objective": float(hull_loss(x, x2, hull_constraints(pts), net.sigma)) + lam * h1})
        true, out = hulls.qhull(pts), hulls.qhull(moved)
        err = hulls.hull_error(pts, true, moved, out)
        rows.append({**objective, "surrogate_in": h0, "surrogate_out": h1, **err,
                     "margin_p05": float(torch.quantile(margin, 0.05)), "margin_min": float(margin.min()),
                     "entropy_bound_in": structural_entropy_bound(pts),
                     "entropy_bound_out": structural_entropy_bound(moved),
                     "hull_vertices_in": len(true), "hull_vertices_out": len(out)})
    return pd.DataFrame(rows).mean().to_dict()


def train_run(cfg: dict, family: str, variant: str, seed: int, out_dir, state_dir) -> dict:
    """Train one EntropyNet (batch = one point set, so digit shapes of any size train alike)."""
    settings = variant_settings(cfg, variant)
    tc = cfg["train"]
    seed_everything(seed)
    n = tc["n"]
    train_sets = sets_for("train", family, n, tc["sets"], seed)
    val_sets = sets_for("validation", family, n, tc["validation_sets"], seed)
    constraints = [hull_constraints(p) for p in train_sets]
    tensors = [torch.tensor(p, dtype=torch.float32) for p in train_sets]
    k = anchors_k(settings, min(len(p) for p in train_sets))
    anneal = tc["anneal_epochs"]
    surrogate = Surrogate(settings["kind"], np.concatenate(train_sets[:8]), k, temperature(settings, 0, anneal),
                          seed=seed, learnable=settings["learnable"])
    net = EntropyNet(sigma=cfg["entropynet"]["sigma"], dropout=cfg["entropynet"]["dropout"])
    params = list(net.parameters()) + [p for p in surrogate.parameters() if p.requires_grad]
    optimizer = adamw(params, lr=tc["lr"], weight_decay=tc["weight_decay"])
    lam, sigma = float(settings["lambda"]), net.sigma
    current = {"epoch": 0}

    def batches(epoch):
        surrogate.temperature = temperature(settings, epoch, anneal)
        current["epoch"] = epoch
        order = torch.randperm(len(tensors))
        return [(tensors[i], constraints[i]) for i in order.tolist()]

    def step_loss(model, batch):
        pts, hull = batch
        moved = model(pts[None])[0]
        return hull_loss(pts, moved, hull, sigma) + lam * surrogate(moved)

    def evaluate(model):
        record = evaluate_sets(model, surrogate, val_sets, lam)
        return {**record, "temperature": surrogate.temperature, "effective_cells": float(np.exp(record["surrogate_out"]))}

    # early stopping on the validation sets' objective once the temperature is held (paper: 200 fixed epochs)
    stopping = EarlyStopping("val_objective", tc["patience"], "min", min_share=tc["min_share"], min_epochs=anneal)
    history = fit(net, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                  state_path=Path(state_dir) / f"{family}.{variant}.seed{seed}.pt", desc=f"{family}/{variant}",
                  resume_key=config_hash({"train": tc, "settings": settings, "net": cfg["entropynet"], "family": family}),
                  stopping=stopping)
    summary = stopping.summary(history, tc["epochs"])
    best = history[summary["best_epoch"] - 1]           # the weights fit ended on
    out_dir = Path(out_dir)
    save_weights(net, out_dir / "model.safetensors")
    prov = provenance({"train": tc, "settings": settings}, seed, family=family, variant=variant)
    write_json(out_dir / "history.json", {"provenance": prov, "history": history})
    write_json(out_dir / "metrics.json", {"provenance": prov, "metrics": {   # train_seconds from fit, summed over resumes
        **best, "train_seconds": history[-1]["train_seconds"], **summary, "max_epochs": tc["epochs"],
        "patience": tc["patience"], "min_share": tc["min_share"], "k": k, "kind": settings["kind"], "lambda": lam,
        "learnable": settings["learnable"], "n_train": n}})
    return best


def load_net(cfg: dict, directory) -> EntropyNet:
    net = EntropyNet(sigma=cfg["entropynet"]["sigma"], dropout=cfg["entropynet"]["dropout"])
    net.load_state_dict(load_weights(Path(directory) / "model.safetensors"), strict=True)
    return net.eval()
