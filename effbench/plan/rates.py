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


def measure_cpu(hidden: int, intermediate: int, tokens: int = 128, batch: int = 4, repeats: int = 3,
                train_precision: str = "fp32") -> dict:
    """{forward, train}: seconds per GFLOP of forward work on one CPU thread, at this width; the forward
    in fp32 (every evaluation is), the training step in the precision the jobs train in."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rates = measure(hidden, intermediate, "cpu", tokens, batch, repeats)
        if train_precision != "fp32":
            rates["train"] = measure(hidden, intermediate, "cpu", tokens, batch, repeats, train_precision)["train"]
        return {**rates, "train_precision": train_precision}
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


# A100 peak dense throughput (TFLOP/s) per precision. compute.py enables no TF32 (torch's default keeps
# float32 matmuls in full fp32), so fp32 training runs at the fp32 peak, 19.5, not TF32's 156.
PEAK_TFLOPS = {"fp32": 19.5, "tf32": 156.0, "bf16": 312.0, "fp16": 312.0}
UTILISATION = {"fp32": 0.6, "tf32": 0.4, "bf16": 0.35, "fp16": 0.35}   # of peak, BERT-base-sized matmuls
TF32 = False


def gpu_rate(assumed_tflops: float | None = None, precision: str = "fp32") -> dict:
    """{forward, train} seconds per GFLOP of forward work on a GPU in `precision`: measured by the latest
    device check that ran the micro-benchmark in that precision, else `assumed_tflops` effective, else
    an A100 at its peak for the precision x a utilisation (a training step = 3 forwards)."""
    for path in sorted(DEVICE_CHECKS.glob("*.json"), reverse=True):
        measured = (json.loads(path.read_text()).get("gpu_rates") or {}).get(precision)
        if measured:
            return {**measured, "precision": precision,
                    "source": f"{precision} measured by {path.relative_to(ROOT)} ({measured['what']})"}
    if assumed_tflops:
        tflops, why = assumed_tflops, f"assumed {assumed_tflops:g} TFLOP/s effective"
    else:
        tflops = PEAK_TFLOPS[precision] * UTILISATION[precision]
        why = (f"{precision} on an A100: {PEAK_TFLOPS[precision]:g} TFLOP/s peak x {UTILISATION[precision]:g} "
               f"= {tflops:.3g} effective{', TF32 off (compute.py enables none)' if precision == 'fp32' else ''}")
    per = 1 / (tflops * 1e3)
    return {"forward": per, "train": 3 * per, "precision": precision,
            "source": why + " (no device check has measured it)"}


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
