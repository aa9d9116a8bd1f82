"""The text gate's cost job: FLOPs (counted and analytic) and interleaved timing of every variant."""
from __future__ import annotations

from pathlib import Path

import torch

from ...artefacts import provenance, read_json, write_json
from ...data.batching import encode
from ...stats.intervals import accuracy
from .plan import DENSE, variants
from .train import load_trained, predict, scored_frame


def measure_cost(cfg: dict, data_dir, runs_root, out_path, threads: int) -> dict:
    """FLOPs and wall time of every variant (first seed). Each model's accuracy is recomputed
    first and must equal its evaluation; then all models are timed interleaved. cost.device `cpu`: on the
    CPU in fp32 wherever the job runs (paper 000 timed its SST-2 track on a CPU)."""
    from ...compute import configure, configured_block, current

    if cfg["cost"]["device"] == "cpu":
        configure({**configured_block(), "device": "cpu", "precision": "fp32", "timing_precision": "fp32"})
    from ...cost.text_cost import (
        DENSE_COMPILED,
        DENSE_SDPA,
        add_library_dense,
        flops_per_example,
        latency_batch1,
        speedups,
        throughput,
        time_tokeniser,
        timed_models,
    )
    from ...cost.timing import pin_threads
    from ...data.batching import collate

    threads = pin_threads(threads)
    cc = cfg["cost"]
    val = scored_frame(cfg, data_dir)
    models, encoded, result = {}, {}, {}
    for name, spec in variants(cfg).items():
        seed = spec["seeds"][0]
        run_dir = Path(runs_root) / name / f"seed{seed}"
        model, tokenizer = load_trained(cfg, name, run_dir)
        encoded[name] = encode(tokenizer, val, cfg["max_length"])
        pad = tokenizer.pad_token_id
        torch.manual_seed(seed + 10_000)
        acc = float(accuracy(val["label"].to_numpy(), predict(model, encoded[name], pad)["probs"][:, 1]))
        expected = read_json(run_dir / "metrics.json")["metrics"]["accuracy"]
        if abs(acc - expected) > 1e-9:
            raise RuntimeError(f"{name}: timed weights give accuracy {acc}, evaluation said {expected}")
        flops = flops_per_example(model, encoded[name][: cc["flops_examples"]], pad)
        models[name] = model
        result[name] = {"seed": seed, "keep_ratio": spec["keep_ratio"], "accuracy_recomputed": acc,
                        "gflops_counted": float(flops["counted"].mean() / 1e9),
                        "gflops_analytic": float(flops["analytic"].mean() / 1e9)}
    x = encoded[DENSE]
    sdpa_check = add_library_dense(models, DENSE, [collate(x[i:i + 32], pad) for i in range(0, len(x), 32)])
    encoded[DENSE_SDPA] = x
    result[DENSE_SDPA] = {**result[DENSE], "attention": "sdpa", "agreement_with_eager": sdpa_check}
    models, timing = timed_models(models, current())
    if DENSE_COMPILED in models:
        encoded[DENSE_COMPILED] = x
        result[DENSE_COMPILED] = {**result[DENSE_SDPA], "compiled": True}
    latency = latency_batch1(models, encoded, pad, cc["latency_examples"], cc["warmup"])
    n_thr = cc["throughput_examples"] or len(x)
    sweeps = {b: throughput(models, {k: v[:n_thr] for k, v in encoded.items()}, pad, b, cc["repeats"])
              for b in cc["batch_sizes"]}
    result["tokeniser"] = time_tokeniser(tokenizer, val["text"].tolist(), cfg["max_length"])
    dense = result[DENSE]
    for name in models:       # speed-ups against the library's (SDPA) dense model, and our eager dense path
        entry = result[name]
        entry["latency_b1"] = latency[name]
        entry["flops_reduction"] = 1 - entry["gflops_counted"] / dense["gflops_counted"]
        entry.update(speedups(latency, sweeps, name, DENSE, stat="median_ms"))
    write_json(out_path, {"provenance": provenance(cfg, threads=threads, timing=timing, note="torch.inference_mode; "
                                                   "models timed interleaved; latency per example at batch 1; "
                                                   "speed-ups against dense_sdpa (transformers' default attention, "
                                                   "same weights), *_vs_eager against dense (our eager path)"),
                          "metrics": result})
    return result
