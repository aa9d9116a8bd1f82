"""Table 20's NeuralSort preprocessing: a point scorer trained through the relaxed sort, per seed."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...artefacts import config_hash, load_weights, provenance, save_weights, seed_everything, write_json
from ...geometry import hulls
from ...geometry.neuralsort import PointScorer, membership_loss
from ...train import adamw, fit
from .sets import sets_for


def recall(scorer: PointScorer, sets: list[np.ndarray], keep: float) -> dict:
    """Share of each set's hull vertices among the points the scorer keeps, and the hull error."""
    rows = []
    for pts in sets:
        true = hulls.qhull(pts)
        kept = scorer.select(pts, keep)
        vertices = kept[hulls.qhull(pts[kept])]
        rows.append({"vertex_recall": float(np.isin(true, kept).mean()),
                     **hulls.hull_error(pts, true, pts, vertices)})
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def train_run(cfg: dict, family: str, seed: int, out_dir, state_dir) -> dict:
    ns, tc = cfg["neuralsort"], cfg["train"]
    seed_everything(seed)
    train_sets = sets_for("train", family, tc["n"], tc["sets"], seed)
    val_sets = sets_for("validation", family, tc["n"], tc["validation_sets"], seed)
    data = []
    for pts in train_sets:
        is_vertex = torch.zeros(len(pts))
        is_vertex[hulls.qhull(pts)] = 1
        data.append((torch.tensor(pts, dtype=torch.float32), is_vertex))
    scorer = PointScorer(ns["width"])
    optimizer = adamw(scorer.parameters(), lr=ns["lr"], weight_decay=tc["weight_decay"])

    def batches(epoch):
        return [data[i] for i in torch.randperm(len(data)).tolist()]

    def step_loss(model, batch):
        pts, is_vertex = batch
        return membership_loss(model(pts), is_vertex, ns["keep"], ns["tau"])

    history = fit(scorer, optimizer, batches, step_loss, lambda m: recall(m, val_sets, ns["keep"]), ns["epochs"], seed,
                  state_path=Path(state_dir) / f"neuralsort.{family}.seed{seed}.pt", desc=f"neuralsort {family}",
                  resume_key=config_hash({"neuralsort": ns, "train": tc, "family": family}))
    out_dir = Path(out_dir)
    save_weights(scorer, out_dir / "model.safetensors")
    info = provenance({"neuralsort": ns, "train": tc}, seed, family=family)
    write_json(out_dir / "metrics.json", {"provenance": info, "history": history, "metrics": {
        **history[-1], "keep": ns["keep"], "epochs": ns["epochs"]}})
    return history[-1]


def load_scorer(cfg: dict, directory) -> PointScorer:
    scorer = PointScorer(cfg["neuralsort"]["width"])
    scorer.load_state_dict(load_weights(Path(directory) / "model.safetensors"), strict=True)
    return scorer.eval()
