"""What a GFLOP costs: measured here on the CPU, measured by a device check or assumed on a GPU.

The micro-benchmark times an encoder of two blocks at a backbone's width (hidden, feed-forward sizes):
a forward pass and a training step (forward, backward, AdamW), after a warm-up; on the CPU on one
thread (core-hours), on a GPU in the device check (scripts/device_check.py), which records it.
Its weights are random: the cost of a dense forward depends on shapes only, and nothing here is
reported as a model's speed. Seconds per GFLOP of forward work follow from the analytic FLOPs.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..config import ROOT

DEVICE_CHECKS = ROOT / "docs" / "device_checks"


def measure_cpu(hidden: int, intermediate: int, tokens: int = 128, batch: int = 4, repeats: int = 3) -> dict:
    """{forward, train}: seconds per GFLOP of forward work on one CPU thread, at this width."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return measure(hidden, intermediate, "cpu", tokens, batch, repeats)
    finally:
        torch.set_num_threads(previous)


def measure(hidden: int, intermediate: int, device: str = "cpu", tokens: int = 128, batch: int = 4,
            repeats: int = 3, precision: str = "fp32") -> dict:
    """{forward, train}: seconds per GFLOP of forward work of a two-block encoder on `device`
    (a training step is a forward, a backward and an AdamW step; `precision` autocasts both)."""
    import torch
    from transformers import BertConfig, BertModel

    from ..compute import Compute
    from ..cost.text_cost import analytic_flops
    from ..cost.timing import time_interleaved
    from ..train import adamw

    torch.manual_seed(0)
    compute = Compute(torch.device(device), precision)
    config = BertConfig(vocab_size=1000, hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=2,
                        num_attention_heads=max(1, hidden // 64), max_position_embeddings=max(512, tokens),
                        attn_implementation="sdpa")
    model = BertModel(config, add_pooling_layer=False).to(compute.device)
    head = torch.nn.Linear(hidden, 2).to(compute.device)
    optimizer = adamw([*model.parameters(), *head.parameters()], lr=1e-5)
    ids = torch.randint(5, 1000, (batch, tokens), device=compute.device)
    labels = torch.zeros(batch, dtype=torch.long, device=compute.device)

    def forward():
        with torch.inference_mode(), compute.autocast():
            model(input_ids=ids)

    def train_step():
        with compute.autocast():
            loss = torch.nn.functional.cross_entropy(head(model(input_ids=ids).last_hidden_state[:, 0]).float(), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    timed = time_interleaved({"forward": forward, "train": train_step}, repeats=repeats, warmup=2, grad=True,
                             device=compute.device)
    gflops = batch * analytic_flops(config, [tokens, tokens], 2) / 1e9
    return {name: t["median_ms"] / 1e3 / gflops for name, t in timed.items()}


def gpu_rate(assumed_tflops: float) -> dict:
    """{forward, train} seconds per GFLOP of forward work on a GPU: measured by the latest device check
    that ran the micro-benchmark, else the assumed effective throughput (a training step = 3 forwards)."""
    for path in sorted(DEVICE_CHECKS.glob("*.json"), reverse=True):
        measured = json.loads(path.read_text()).get("gpu_rates")
        if measured:
            return {**measured, "source": f"measured by {path.relative_to(ROOT)} ({measured['what']})"}
    per = 1 / (assumed_tflops * 1e3)
    return {"forward": per, "train": 3 * per,
            "source": f"assumed {assumed_tflops:g} TFLOP/s effective (no device check has measured one)"}


def benchmark_seconds(run_dir: Path, jobs: list[tuple[str, dict, str | None]]) -> dict[str, list[float]]:
    """rule -> seconds of each of its jobs that left a benchmark file in `run_dir` (a finished run)."""
    out: dict[str, list[float]] = {}
    for rule, _, bench in jobs:
        path = Path(run_dir) / bench if bench else None
        if path is not None and path.exists():
            lines = path.read_text().splitlines()
            if len(lines) > 1:
                out.setdefault(rule, []).append(float(lines[1].split("\t")[0]))
    return out
