"""Measured CPU wall time of the synthetic-track models, gate overhead included.

Each trained model (first seed) is timed end to end and stage by stage (layer 1, gate,
layer 2 + pool + classifier) on validation batches. Before timing, the model's accuracy is
recomputed and must equal what its evaluation wrote: the harness never times other weights.
"""
from __future__ import annotations

from pathlib import Path

import torch

from ...artefacts import provenance, read_json, read_npz, write_json
from ...cost.timing import pin_threads, time_interleaved
from ...stats.intervals import accuracy
from .plan import variants
from .train import load_model, predict


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
    data = read_npz(data_path)
    threads = pin_threads(threads)
    seed = cfg["seeds"][0]
    tc = cfg["timing"]
    models, result = {}, {}
    for name in tc["variants"]:
        run_dir = Path(runs_root) / name / f"seed{seed}"
        models[name] = load_model(cfg, name, data, run_dir)
        result[name] = {"seed": seed, "keep_ratio": variants(cfg)[name]["keep_ratio"], "batches": {},
                        "accuracy_recomputed": _check_weights(models[name], data, run_dir / "metrics.json", seed)}
    for bs in tc["batch_sizes"]:
        x = torch.as_tensor(data["val_tokens"][:bs])
        calls = {}
        for name, model in models.items():
            with torch.inference_mode():
                h, attn = model.encode_first(x)
                sel = model.select(h, attn)
            calls[(name, "total")] = (lambda m=model, x=x: m(x))
            calls[(name, "layer1")] = (lambda m=model, x=x: m.encode_first(x))
            calls[(name, "gate")] = (lambda m=model, h=h, a=attn: m.select(h, a))
            calls[(name, "layer2_head")] = (lambda m=model, h=h, s=sel: m.encode_second(h, None, s))
        # round-robin over every variant and stage: drift of the machine hits all alike
        timed = time_interleaved(calls, tc["repeats"], tc["warmup"])
        for name in models:
            stages = {stage: timed[(name, stage)] for stage in ("total", "layer1", "gate", "layer2_head")}
            result[name]["batches"][str(bs)] = {
                "batch_size": bs, **stages,
                "gate_share": stages["gate"]["median_ms"] / stages["total"]["median_ms"],
                "per_example_ms": stages["total"]["median_ms"] / bs,
            }
    baseline = result.get("full")
    if baseline is not None:
        for entry in result.values():
            for bs, b in entry["batches"].items():
                b["speedup_vs_full"] = baseline["batches"][bs]["total"]["median_ms"] / b["total"]["median_ms"]
    write_json(out_path, {"provenance": provenance(cfg, seed=seed, threads=threads,
                                                   note="CPU wall time, torch.inference_mode, variants and stages "
                                                        "timed round-robin, median of repeats after warm-up"),
                          "metrics": result})
    return result
