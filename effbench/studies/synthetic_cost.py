"""Measured CPU wall time of the synthetic-track models, gate overhead included.

Each trained model (first seed) is timed end to end and stage by stage (layer 1, gate,
layer 2 + pool + classifier) on validation batches. Before timing, the model's accuracy is
recomputed and must equal what its evaluation wrote: the harness never times other weights.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..artefacts import provenance, read_json, write_json
from ..cost.timing import pin_threads, time_callable
from ..stats.intervals import accuracy
from .synthetic import load_dataset, load_model, predict, variants


class TimingGuardError(RuntimeError):
    """The timed weights do not reproduce the evaluated accuracy."""


def _check_weights(model, data, metrics_path, seed):
    torch.manual_seed(seed + 10_000)   # same draws as the evaluation (random gate)
    acc = float(accuracy(data["val_labels"], predict(model, data["val_tokens"])["probs"][:, 1]))
    expected = read_json(metrics_path)["metrics"]["accuracy"]
    if abs(acc - expected) > 1e-9:
        raise TimingGuardError(f"{metrics_path}: recomputed accuracy {acc} != evaluated {expected}")
    return acc


def time_variants(cfg: dict, data_path, runs_root, out_path, threads: int) -> dict:
    data = load_dataset(data_path)
    threads = pin_threads(threads)
    seed = cfg["seeds"][0]
    tc = cfg["timing"]
    result = {}
    for name in tc["variants"]:
        run_dir = Path(runs_root) / name / f"seed{seed}"
        model = load_model(cfg, name, data, run_dir)
        acc = _check_weights(model, data, run_dir / "metrics.json", seed)
        per_batch = {}
        for bs in tc["batch_sizes"]:
            x = torch.as_tensor(data["val_tokens"][:bs])
            with torch.inference_mode():
                h, attn = model.encode_first(x)
                sel = model.select(h, attn)
            total = time_callable(lambda: model(x), tc["repeats"], tc["warmup"])
            first = time_callable(lambda: model.encode_first(x), tc["repeats"], tc["warmup"])
            gate = time_callable(lambda: model.select(h, attn), tc["repeats"], tc["warmup"])
            second = time_callable(lambda: model.encode_second(h, None, sel), tc["repeats"], tc["warmup"])
            per_batch[str(bs)] = {
                "batch_size": bs, "total": total, "layer1": first, "gate": gate, "layer2_head": second,
                "gate_share": gate["median_ms"] / total["median_ms"],
                "per_example_ms": total["median_ms"] / bs,
            }
        result[name] = {"seed": seed, "accuracy_recomputed": acc, "keep_ratio": variants(cfg)[name]["keep_ratio"],
                        "batches": per_batch}
    baseline = result.get("full")
    if baseline is not None:
        for name, entry in result.items():
            for bs, b in entry["batches"].items():
                b["speedup_vs_full"] = baseline["batches"][bs]["total"]["median_ms"] / b["total"]["median_ms"]
    write_json(out_path, {"provenance": provenance(cfg, seed=seed, threads=threads,
                                                   note="CPU wall time, torch.inference_mode, median of repeats after warm-up"),
                          "metrics": result})
    return result
