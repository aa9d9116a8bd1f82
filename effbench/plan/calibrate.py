"""Measured peak memory and time of one BERT training step and one ViT evaluation batch, beside the
plan's prediction for the same shapes (memory.py): what keeps the rehearsal's numbers honest.

    python -m effbench.plan.calibrate train LAYERS HIDDEN INTERMEDIATE HEADS TOKENS BATCH [--device cuda]
    python -m effbench.plan.calibrate vit DEPTH DIM HEADS IMAGE PATCH BATCH [--device cuda]

Prints one JSON line: measured and predicted bytes of what the step adds to the weights and
optimiser state already resident (activations kept for backward, gradients, transients, records),
and the step's seconds. On a GPU: torch's peak allocation. On the CPU: the process's peak resident
set (VmHWM, reset through /proc/self/clear_refs) above its resident set before the step; run it in a
fresh process with MALLOC_MMAP_THRESHOLD_=65536, so that freed tensors leave the resident set
(tests/test_plan_calibration.py does).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import time

from . import memory


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))


class Peak:
    """Peak bytes allocated inside the `with` block, above what was allocated at its start."""

    def __init__(self, device):
        self.device = device

    def __enter__(self):
        import torch

        if self.device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        else:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            self.base = _status("VmRSS")
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import torch

        if self.device.type == "cuda":
            torch.cuda.synchronize()
            self.bytes = torch.cuda.max_memory_allocated() - self.base
        else:
            self.bytes = _status("VmHWM") - self.base
        self.seconds = time.perf_counter() - self.t0


def train_step(layers, hidden, intermediate, heads, tokens, batch, device="cpu") -> dict:
    """One training step of a BERT encoder with a classification head (eager attention, dropout on)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from ..train import adamw

    torch.manual_seed(0)
    dev = torch.device(device)
    cfg = BertConfig(vocab_size=1000, hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=layers,
                     num_attention_heads=heads, max_position_embeddings=max(512, tokens), attn_implementation="eager")
    model = BertForSequenceClassification(cfg).to(dev).train()
    optimizer = adamw(model.parameters(), lr=1e-5)   # the pipeline's optimiser (fused)
    ids = torch.randint(5, 1000, (batch, tokens), device=dev)
    labels = torch.zeros(batch, dtype=torch.long, device=dev)

    def step():
        loss = model(input_ids=ids, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step()                                   # AdamW's moments exist from here on: resident before the timed step
    optimizer.zero_grad(set_to_none=True)
    with Peak(dev) as peak:
        step()
    seconds = [peak.seconds]
    for _ in range(2):                       # time: the fastest of three steps (the first pays fresh pages)
        t0 = time.perf_counter()
        step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - t0)
    n = sum(p.numel() for p in model.parameters())
    # resident before the step: weights and the two moments (12 bytes a parameter)
    predicted = memory.train_peak(layers, hidden, intermediate, heads, tokens, batch, n_params=n) - 12 * n
    return {"kind": "train", "params": n, "measured_bytes": peak.bytes, "predicted_bytes": predicted,
            "seconds": min(seconds), "device": str(dev)}


def vit_eval(depth, dim, heads, image, patch, batch, device="cpu") -> dict:
    """One evaluation batch of models/vit.py's ViT that records every layer's keys (a copy of each, dim per
    token: what a recorded evaluation keeps, at most; it records the regularised layers only)."""
    import torch

    from ..models.vit import ViT, recording

    torch.manual_seed(0)
    dev = torch.device(device)
    model = ViT(image=image, patch=patch, dim=dim, depth=depth, heads=heads, classes=100, mlp_ratio=4,
                channels=3).to(dev).eval()
    x = torch.rand(batch, image, image, 3, device=dev)
    with torch.inference_mode():
        model(x[:2], record=recording("keys"))
        with Peak(dev) as peak:
            model(x, record=recording("keys"))
    n = sum(p.numel() for p in model.parameters())
    predicted = memory.eval_peak(depth, dim, 4 * dim, heads, model.tokens, batch, n_params=n,
                                 record_per_token_layer=dim) - 4 * n
    return {"kind": "vit_eval", "params": n, "tokens": model.tokens, "measured_bytes": peak.bytes,
            "predicted_bytes": predicted, "seconds": peak.seconds, "device": str(dev)}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m effbench.plan.calibrate", description=__doc__)
    p.add_argument("kind", choices=["train", "vit"])
    p.add_argument("sizes", nargs=6, type=int)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    fn = train_step if args.kind == "train" else vit_eval
    print(json.dumps(fn(*args.sizes, device=args.device)))


if __name__ == "__main__":
    main()
