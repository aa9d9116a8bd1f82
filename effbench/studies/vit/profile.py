"""Where H_diff's time goes (paper 003, App. G.4: "the majority of the cost comes from the pairwise
distance calculation"): torch.profiler over the regulariser's forward and backward on the trained
entropy ViT's keys of one training batch, each operator's self CPU time put in one of four parts:
the key-to-anchor distances, the softmax, the entropy of the masses, and the rest. Beside it, the
regulariser's share of one training step (the model's forward and backward on the same batch), and
the anchor lookup through FAISS (nearest-neighbour search, all K or the nearest anchor) against the
exact distances: its time per call and how far its assignment is from the exact one.
"""
from __future__ import annotations

import pandas as pd
import torch
import torch.nn.functional as F

from ...artefacts import write_csv
from ...cost.timing import time_interleaved
from .train import _tensor, alpha_at, data_splits, key_entropy, load_run

PARTS = {  # aten operator -> part of H_diff (forward and its backward)
    "distances": ("matmul", "bmm", "mm", "pow", "sub", "add", "sum", "expand", "transpose", "mul_scalar", "div", "rsub"),
    "softmax": ("softmax", "_softmax", "_softmax_backward_data", "softmax_backward"),
    "entropy": ("log", "clamp", "clamp_min", "mean", "neg", "mul", "xlogy", "log_backward"),
}


def part_of(op: str) -> str:
    name = op.removeprefix("aten::").lower()
    if "softmax" in name:
        return "softmax"
    for part, ops in PARTS.items():
        if any(name == o or name.startswith(o + "_") for o in ops):
            return part
    return "other"


def profile_hdiff(cfg: dict, run_dir, out_csv, repeats: int = 20) -> pd.DataFrame:
    from torch.profiler import ProfilerActivity, profile

    torch.manual_seed(0)
    model, anchors = load_run(cfg, "entropy", run_dir)
    model.cpu()                 # the breakdown is of CPU self time (the paper's G.4 profiler), wherever jobs run
    anchors = {k: v.cpu() for k, v in anchors.items()}
    images = _tensor(data_splits(cfg)["train"][0][: cfg["train"]["batch_size"]])
    labels = torch.zeros(len(images), dtype=torch.long)
    layers, alpha = cfg["regularizer"]["layers"], alpha_at(cfg, 0)
    anchors = {k: v.clone().requires_grad_(True) for k, v in anchors.items()}

    def regulariser(keys):
        return torch.stack([key_entropy(keys[layer], anchors[layer], alpha).mean() for layer in layers]).mean()

    def keys_of():
        record = {}
        model(images, record=record)
        return {layer: record["keys"][layer].detach().requires_grad_(True) for layer in layers}

    keys = keys_of()
    for _ in range(3):                                    # warm-up
        regulariser(keys).backward()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(repeats):
            regulariser(keys).backward()
    times: dict[str, float] = {}
    for event in prof.key_averages():
        times[event.key] = times.get(event.key, 0.0) + event.self_cpu_time_total
    parts = pd.Series(times).groupby(part_of).sum()
    total = float(parts.sum())
    # the regulariser against one training step of the model on the same batch (wall time, medians, interleaved)
    model.train()

    def step():
        record = {}
        F.cross_entropy(model(images, record=record), labels).backward()

    def reg_step():
        regulariser(keys).backward()

    timed = {name: t["median_ms"] for name, t in
             time_interleaved({"model_step": step, "regulariser": reg_step}, repeats, warmup=1, grad=True).items()}
    rows = [{"row": part, "self_cpu_ms_per_call": parts.get(part, 0.0) / 1e3 / repeats,
             "share": parts.get(part, 0.0) / total} for part in ("distances", "softmax", "entropy", "other")]
    rows.append({"row": "regulariser_over_model_step", "share": timed["regulariser"] / timed["model_step"],
                 "self_cpu_ms_per_call": timed["regulariser"]})
    rows += faiss_rows(keys, anchors, layers, alpha, repeats)
    frame = pd.DataFrame(rows)
    frame["batch"], frame["repeats"], frame["threads"] = len(images), repeats, torch.get_num_threads()
    write_csv(out_csv, frame)
    return frame


def faiss_rows(keys: dict, anchors: dict, layers, alpha: float, repeats: int) -> list[dict]:
    """The anchor assignment of every regularised layer's keys: exact distances (a batched matrix
    product) against FAISS search over all K anchors and for the nearest one, timed interleaved;
    `share` is FAISS's time over the exact one's, `max_abs_diff` its largest gap to the exact p."""
    from ...pruning.key_support import cluster_assignments, nearest_anchor_assignments

    k = next(iter(anchors.values())).shape[1]
    calls = {"exact": lambda: [cluster_assignments(keys[layer], anchors[layer], alpha) for layer in layers],
             "faiss_all": lambda: [nearest_anchor_assignments(keys[layer], anchors[layer], alpha) for layer in layers],
             "faiss_nearest": lambda: [nearest_anchor_assignments(keys[layer], anchors[layer], alpha, 1) for layer in layers]}
    timed = {name: t["median_ms"] for name, t in time_interleaved(calls, repeats, warmup=1).items()}
    with torch.no_grad():
        exact = calls["exact"]()
        gaps = {name: max(float((a - e).abs().max()) for a, e in zip(calls[name](), exact)) for name in ("faiss_all", "faiss_nearest")}
        hard_agree = min(float((a.argmax(-1) == e.argmax(-1)).float().mean()) for a, e in zip(calls["faiss_nearest"](), exact))
    rows = [{"row": "assignment_exact", "self_cpu_ms_per_call": timed["exact"], "share": 1.0, "anchors": k}]
    for name in ("faiss_all", "faiss_nearest"):
        rows.append({"row": f"assignment_{name}", "self_cpu_ms_per_call": timed[name], "share": timed[name] / timed["exact"],
                     "max_abs_diff": gaps[name], "anchors": k,
                     **({"nearest_agreement": hard_agree} if name == "faiss_nearest" else {})})
    return rows
