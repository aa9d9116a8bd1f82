"""Where H_diff's time goes (paper 003, App. G.4: "the majority of the cost comes from the pairwise
distance calculation"): torch.profiler over the regulariser's forward and backward on the trained
entropy ViT's keys of one training batch, each operator's self CPU time put in one of four parts:
the key-to-anchor distances, the softmax, the entropy of the masses, and the rest. Beside it, the
regulariser's share of one training step (the model's forward and backward on the same batch), and
the anchor lookup through FAISS (nearest-neighbour search, all K or the nearest anchor) against the
exact distances: its time per call and how far its assignment is from the exact one.

All of it on the device the ViT trained on (its metrics.json provenance): at the paper scale a GPU,
where the share of a training step is the one the paper's G.4 describes, timed by CUDA events and
profiled by device self time; a job without that device is refused (rules/vit.smk asks for it).
The FAISS rows stay on the CPU (FAISS's CPU index against the exact assignment on the CPU).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F

from ...artefacts import write_csv
from ...compute import current
from ...cost.timing import time_interleaved
from ...models.vit import recording
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


def trained_device(run_dir) -> torch.device:
    """The device type a run trained on, from its metrics.json provenance (cpu when it does not say)."""
    prov = json.loads((Path(run_dir) / "metrics.json").read_text())["provenance"]
    return torch.device(torch.device(prov.get("compute", {}).get("device", "cpu")).type)


def profile_device(run_dir) -> torch.device:
    """Where to profile: the device the ViT trained on; a clear error when this job has none of it."""
    trained, here = trained_device(run_dir), current().device
    if trained.type == "cuda" and here.type != "cuda":
        raise RuntimeError(f"{Path(run_dir) / 'metrics.json'}: the ViT trained on a GPU and this job sees none "
                           f"(it runs on {here}); App. G.4's profile is timed where the model trains: run vit_profile "
                           "on a GPU node (compute.gpus_per_job > 0 asks the scheduler for one)")
    return here if trained.type == here.type else trained


def profile_hdiff(cfg: dict, run_dir, out_csv, repeats: int = 20) -> pd.DataFrame:
    from torch.profiler import ProfilerActivity, profile

    torch.manual_seed(0)
    device = profile_device(run_dir)
    model, anchors = load_run(cfg, "entropy", run_dir)
    model.to(device)
    anchors = {k: v.to(device) for k, v in anchors.items()}
    images = _tensor(data_splits(cfg)["train"][0][: cfg["train"]["batch_size"]]).to(device)
    labels = torch.zeros(len(images), dtype=torch.long, device=device)
    layers, alpha = cfg["regularizer"]["layers"], alpha_at(cfg, 0)
    anchors = {k: v.clone().requires_grad_(True) for k, v in anchors.items()}

    def regulariser(keys):
        return torch.stack([key_entropy(keys[layer], anchors[layer], alpha).mean() for layer in layers]).mean()

    def keys_of():
        record = recording("keys", layers=layers)
        model(images, record=record)
        return {layer: record["keys"][layer].detach().requires_grad_(True) for layer in layers}

    keys = keys_of()
    for _ in range(3):                                    # warm-up
        regulariser(keys).backward()
    gpu = device.type == "cuda"
    with profile(activities=[ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if gpu else [])) as prof:
        for _ in range(repeats):
            regulariser(keys).backward()
        if gpu:
            torch.cuda.synchronize(device)
    times: dict[str, float] = {}
    for event in prof.key_averages():       # operator self time where it ran: the GPU's kernels, or the CPU
        spent = event.self_device_time_total if gpu else event.self_cpu_time_total
        times[event.key] = times.get(event.key, 0.0) + spent
    parts = pd.Series(times).groupby(part_of).sum()
    total = float(parts.sum())
    # the regulariser against one training step of the model on the same batch (wall time, medians, interleaved)
    model.train()

    def step():
        record = recording("keys", layers=layers)         # what a training step of the entropy ViT keeps
        F.cross_entropy(model(images, record=record), labels).backward()

    def reg_step():
        regulariser(keys).backward()

    timed = {name: t["median_ms"] for name, t in
             time_interleaved({"model_step": step, "regulariser": reg_step}, repeats, warmup=1, grad=True,
                              device=device).items()}
    rows = [{"row": part, "self_cpu_ms_per_call": parts.get(part, 0.0) / 1e3 / repeats,
             "share": parts.get(part, 0.0) / total, "device": str(device)}
            for part in ("distances", "softmax", "entropy", "other")]
    rows.append({"row": "regulariser_over_model_step", "share": timed["regulariser"] / timed["model_step"],
                 "self_cpu_ms_per_call": timed["regulariser"], "device": str(device)})
    cpu = {k: v.detach().cpu() for k, v in keys.items()}, {k: v.detach().cpu() for k, v in anchors.items()}
    rows += [{**row, "device": "cpu"} for row in faiss_rows(*cpu, layers, alpha, repeats)]
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
