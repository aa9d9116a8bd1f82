"""EAT's cost job: FLOPs from traces (checked against torch's counter) and interleaved CPU timing."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...artefacts import provenance, read_json, write_json
from ...data import tasks
from ...data.batching import collate, encode
from ...data.text import read_split as load_split
from ...models.eat import EATClassifier, trace_flops
from .evaluate import at_tau, summarise, trace
from .model import load_trained
from .plan import ABLATIONS, DENSE, DENSE_CONTINUED, EAT, NO_EXIT, PATIENCE, SHALLOW, variants


class AtTau(torch.nn.Module):
    """One EAT model timed at one operating point (the timing harness calls model(**batch))."""

    def __init__(self, model, tau, patience=False):
        super().__init__()
        self.model, self.tau, self.patience = model, tau, patience

    def forward(self, **batch):
        self.model.eat.patience = self.patience
        try:
            return self.model(**batch, tau=self.tau)
        finally:
            self.model.eat.patience = False


def operating_points(cfg: dict, task: str, runs_root) -> dict:
    """name -> (variant, tau, patience) for every row of the frontier and ablation."""
    seed = cfg["tasks"][task]["seeds"][0]
    out = {DENSE: (DENSE, None, False), SHALLOW: (SHALLOW, None, False)}
    eat_metrics = read_json(Path(runs_root) / EAT / f"seed{seed}" / "metrics.json")["metrics"]
    for tau in cfg["taus"]:
        out[f"eat_tau{tau:g}"] = (EAT, tau, False)
    out[NO_EXIT] = (EAT, None, False)
    chosen = eat_metrics["chosen_tau"]
    out[PATIENCE] = (EAT, float(chosen) if chosen != "none" else cfg["taus"][-1], True)
    if DENSE_CONTINUED in variants(cfg, task):
        out[DENSE_CONTINUED] = (DENSE_CONTINUED, None, False)
    for name in variants(cfg, task):
        if name in ABLATIONS:
            m = read_json(Path(runs_root) / name / f"seed{seed}" / "metrics.json")["metrics"]
            out[name] = (name, None if m["chosen_tau"] == "none" else float(m["chosen_tau"]), False)
    return out


def measure_cost(cfg: dict, task: str, runs_root, out_path, threads: int) -> dict:
    """FLOPs (analytic from traces, checked against torch's counter) and CPU latency at
    batch 1 / throughput at the configured batch sizes, all operating points interleaved."""
    from ...compute import current, on
    from ...cost.flops import count_flops
    from ...cost.text_cost import (
        DENSE_COMPILED,
        DENSE_SDPA,
        add_library_dense,
        latency_batch1,
        speedups,
        throughput,
        timed_models,
    )
    from ...cost.timing import pin_threads

    threads = pin_threads(threads)
    tcfg, cc = cfg["tasks"][task], cfg["cost"]
    directory = tasks.data_dir(cfg["tasks"][task])
    seed = tcfg["seeds"][0]
    pair = tasks.is_pair(directory)
    test = load_split(directory, "test")
    points = operating_points(cfg, task, runs_root)
    loaded, models, result, flops_of, full_traces = {}, {}, {}, {}, {}
    for name, (variant, tau, patience) in points.items():
        if variant not in loaded:
            loaded[variant] = load_trained(cfg, task, variant, Path(runs_root) / variant / f"seed{seed}", directory)
        model, tokenizer = loaded[variant]
        models[name] = AtTau(model, tau, patience) if isinstance(model, EATClassifier) else model
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    encoded = encode(tokenizer, test.head(max(cc["latency_examples"] + cc["warmup"], cc["throughput_examples"])),
                     tcfg["max_length"])
    labels = test["label"].to_numpy()[: len(encoded)]
    # the reference of every speed-up: the same dense weights through transformers' default (SDPA) attention
    sdpa_check = add_library_dense(models, DENSE, [collate(encoded[i:i + 32], pad, sep) for i in range(0, len(encoded), 32)])
    for name, (variant, tau, patience) in points.items():
        model = loaded[variant][0]
        if isinstance(model, EATClassifier):     # one no-exit trace per model; tau applied per example
            full = full_traces.setdefault(variant, trace(model, encoded, pad, None, sep_id=sep))
            tr = at_tau(model, full, tau, patience) if tau is not None else full
        else:
            tr = trace(model, encoded, pad, sep_id=sep)
        flops = np.array([trace_flops(model, t, int(e)) for t, e in zip(tr["tokens"].tolist(), tr["exit_layer"])])
        for i in range(min(cc["flops_examples"], len(encoded))):   # the analytic count is torch's count
            if count_flops(models[name], **on(model, collate([encoded[i]], pad, sep))) != flops[i]:
                raise RuntimeError(f"{task}/{name}: analytic FLOPs differ from torch's count (example {i})")
        flops_of[name] = flops
        result[name] = {"variant": variant, "tau": tau, "patience": patience, "seed": seed,
                        **summarise(model, tr, labels)}
    flops_of[DENSE_SDPA] = flops_of[DENSE]            # the same model and tokens: checked equal above
    result[DENSE_SDPA] = {**result[DENSE], "attention": "sdpa", "agreement_with_eager": sdpa_check}
    models, timing = timed_models(models, current())
    if DENSE_COMPILED in models:
        flops_of[DENSE_COMPILED] = flops_of[DENSE]
        result[DENSE_COMPILED] = {**result[DENSE_SDPA], "compiled": True}
    n_lat = min(cc["latency_examples"], len(encoded) - cc["warmup"])    # warm-up examples come first
    n_thr = min(cc["throughput_examples"], len(encoded)) or len(encoded)
    latency = latency_batch1(models, {k: encoded for k in models}, pad, n_lat, cc["warmup"])
    sweeps = {b: throughput(models, {k: encoded[:n_thr] for k in models}, pad, b, cc["repeats"]) for b in cc["batch_sizes"]}
    dense_flops = flops_of[DENSE]
    for name in models:
        r, g = result[name], flops_of[name]
        r["latency_b1"] = latency[name]
        r.update(speedups(latency, sweeps, name, DENSE))          # against SDPA dense, and our eager one
        timed = slice(cc["warmup"], cc["warmup"] + n_lat)                  # the examples latency_batch1 times
        r["predicted_speedup_b1"] = float(dense_flops[timed].mean() / g[timed].mean())
        r["predicted_speedup_batched"] = float(dense_flops[:n_thr].mean() / g[:n_thr].mean())
    chosen = read_json(Path(runs_root) / EAT / f"seed{seed}" / "metrics.json")["metrics"]["chosen_tau"]
    chosen_name = f"eat_tau{float(chosen):g}" if chosen != "none" else NO_EXIT
    result["profile_b1"] = {name: profile_ops(models[name], encoded[: cc["profile_examples"]], pad, sep)
                            for name in (DENSE, chosen_name)}
    write_json(out_path, {"provenance": provenance(cfg, task=task, threads=threads, timing=timing,
                                                   note="latency = mean per example at batch 1 over the "
                                                        "first latency_examples test examples; throughput over "
                                                        "length-sorted batches; all operating points interleaved; "
                                                        "speed-ups against dense_sdpa (transformers' default "
                                                        "attention, same weights), speedup*_vs_eager against dense"),
                          "metrics": result})
    return result


@torch.inference_mode()
def profile_ops(model, encoded, pad_id: int, sep_id=None, top: int = 12) -> dict:
    """Where batch-1 time goes: torch.profiler's self time per operator (CPU time, or the GPU's kernel
    time where the model is on a GPU), in ms per example."""
    from torch.profiler import ProfilerActivity, profile

    from ...compute import device_of, on

    gpu = device_of(model).type == "cuda"
    batches = [on(model, collate([ids], pad_id, sep_id)) for ids in encoded]
    for b in batches[:5]:
        model(**b)
    with profile(activities=[ProfilerActivity.CPU, *([ProfilerActivity.CUDA] if gpu else [])]) as prof:
        for b in batches:
            model(**b)
    key = "self_device_time_total" if gpu else "self_cpu_time_total"
    ops = sorted(prof.key_averages(), key=lambda e: getattr(e, key), reverse=True)
    total = sum(getattr(e, key) for e in ops)
    rows = [{"op": e.key, "ms_per_example": getattr(e, key) / 1e3 / len(batches),
             "share": getattr(e, key) / total, "calls_per_example": e.count / len(batches)} for e in ops[:top]]
    return {"total_ms_per_example": total / 1e3 / len(batches), "ops": rows, "time": "gpu" if gpu else "cpu"}
