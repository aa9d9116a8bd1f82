"""ViT cost: FLOPs and memory of gathered-key attention, timed interleaved (manual and SDPA)."""
from __future__ import annotations

import pandas as pd
import torch

from ...artefacts import write_csv
from ...compute import current
from ...cost.timing import time_interleaved
from ...models.vit import ViT, attention_flops
from ...stats.ratios import ratio_columns, ratio_interval
from .plan import variants
from .train import _tensor, data_splits, load_run, selector_for

# each timed call's speed-up over the dense model with manual attention at the same batch, with its interval
# over the interleaved rounds (stats.ratios): Table 5's wall-clock speed-up reads it
REFERENCE = "speedup_vs_dense_manual"


@torch.inference_mode()
def measure_cost(cfg: dict, runs: dict, out_path) -> pd.DataFrame:
    """Latency (batch 1) and throughput (batch `throughput_batch`) of every model at the headline
    sparsity, manual and SDPA attention, dense and gathered keys, timed interleaved."""
    c = cfg["cost"]
    data = data_splits(cfg)
    device = current().device
    x = _tensor(data["test"][0]).to(device)
    one, batch = x[:1], x[: c["throughput_batch"]]
    fns, meta = {}, {}
    for name, run_dir in runs.items():
        model, anchors = load_run(cfg, name, run_dir)
        sel = selector_for(cfg, name, anchors, cfg["inference"]["headline_sparsity"])
        for impl in ("manual", "sdpa"):
            for mode, s in (("dense", None), ("sparse", sel)):
                for size, inputs in (("b1", one), ("batch", batch)):
                    key = (name, impl, mode, size)
                    fns[key] = (lambda m=model, s=s, i=impl, inp=inputs: m(inp, selector=s, impl=i))
        kept = _kept_keys(model, sel, one)
        meta[name] = {"patch": variants(cfg)[name]["patch"], "tokens": model.tokens, "kept_keys": kept,
                      **{f"flops_{k}": v for k, v in attention_flops(model).items()},
                      "flops_total_sparse": _sparse_flops(model, kept, cfg["inference"]["sparse_layers"])}
    timed = time_interleaved(fns, repeats=c["repeats"], warmup=c["warmup"], device=device)
    peak = {key: _peak_memory_gb(fn, device) for key, fn in fns.items() if key[3] == "batch"}
    rows = []
    for (name, impl, mode, size), t in timed.items():
        per = len(one) if size == "b1" else len(batch)
        ref = timed.get(("dense", "manual", "dense", size))     # Table 5's reference: the dense model, manual attention
        speedup = {} if ref is None else ratio_columns(REFERENCE, ratio_interval(ref["raw_ms"], t["raw_ms"]))
        rows.append({**speedup, "variant": name, "impl": impl, "mode": mode, "batch": per, "median_ms": t["median_ms"],
                     "iqr_ms": t["iqr_ms"], "per_image_ms": t["median_ms"] / per,
                     "images_per_s": 1e3 * per / t["median_ms"], "device": str(device), **meta[name],
                     "attention_matrix_mb": _attention_mb(meta[name], per, mode, cfg),
                     "peak_memory_gb": peak.get((name, impl, mode, size), float("nan"))})
    frame = pd.DataFrame(rows)
    write_csv(out_path, frame)
    return frame


def _peak_memory_gb(fn, device) -> float:
    """Peak device memory during one call, in GiB (weights and inputs included), on a GPU; NaN on the
    CPU, where torch keeps no allocator peak."""
    if device.type != "cuda":
        return float("nan")
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    fn()
    torch.cuda.synchronize(device)
    return torch.cuda.max_memory_allocated(device) / 2**30


def _kept_keys(model, sel, one) -> int:
    record = {}
    model(one, selector=sel, record=record)
    return int(next(iter(record["support"].values())).shape[-1]) if record.get("support") else model.tokens


def _sparse_flops(model: ViT, kept: int, sparse_layers) -> float:
    dense, sparse = attention_flops(model), attention_flops(model, kept)
    frac = len(sparse_layers) / len(model.blocks)
    return dense["rest"] + dense["attention"] * (1 - frac) + sparse["attention"] * frac


def _attention_mb(meta: dict, batch: int, mode: str, cfg: dict) -> float:
    """Size of one layer's attention-probability tensor (float32), the part of peak memory sparsity changes."""
    keys = meta["kept_keys"] if mode == "sparse" else meta["tokens"]
    return batch * cfg["model"]["heads"] * meta["tokens"] * keys * 4 / 2**20
