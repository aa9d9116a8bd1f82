"""What one job of the DAG will need: peak GPU memory, peak host memory, runtime, whether it needs a
GPU and whether it resumes from checkpoints. No torch (the scheduler's resource functions call it).

Model jobs: their shapes from the config (backbone, max_length, batch, precision, Integrated
Gradients' steps) through memory.py, their time from work.py's example passes at the GPU rate of the
precision they run in (rates.gpu_rate) plus a start-up (loading the model and the data). Timing jobs:
their timed calls x the points or examples each call processes, at a per-unit cost of the default run
(a run's benchmarks). Other CPU jobs: a base resident set.
"""
from __future__ import annotations

import math

from . import memory
from .rates import gpu_rate
from .work import SizesUnknown, backbone_flops, size_of, text_work, vit_work

STARTUP_S = 300            # a model job's start: python, torch and CUDA, the model and data from shared storage
TEXT_EVAL_BATCH = 64       # the studies' evaluation traces (adtp/eat evaluate.trace)
ATTRIBUTION_BATCH = 32     # adtp/teacher.token_attributions: captum's m steps of a batch in one pass
CPU_JOB_BYTES = 0.4e9      # python, numpy, pandas and a table's inputs: the jobs that load no model
VIT_TEST_IMAGES = 10_000   # the largest split a ViT job scores (CIFAR test): one pass when vit.eval_batch_size is 0
HEADS = {768: 12, 1024: 16, 384: 6}
# rules that load a transformer or the ViT: on a GPU where the study trains on one, never fp16 on a CPU
MODEL_RULES = ("adtp_teacher_cache", "adtp_train", "adtp_methods", "adtp_consistency", "adtp_cost", "dense_train",
               "eat_train", "eat_cost", "eat_exit_probe", "frontier_cost", "text_gate_dense", "text_gate_gated",
               "text_gate_cost", "vit_train", "vit_cost", "vit_profile", "vit_figure")
# rules whose training loop checkpoints every epoch and resumes (train.fit with a state_dir)
RESUMABLE = ("adtp_train", "dense_train", "eat_train", "text_gate_gated", "text_gate_dense", "vit_train",
             "geometry_train", "geometry_neuralsort", "synthetic_train")
# geometry_timing: seconds per point of one pass of every pipeline over a set (QHull and Chan after each
# preprocessing, EntropyNet): the default run's 12 s a family over 3 seeds x 4 sets x 6 passes x 11,000 points
GEOMETRY_S_PER_POINT_PASS = 15e-6
GEOMETRY_PIPELINES_S_PER_POINT = {"large": 40e-6}      # geometry_large: hull at 10^6 and Delaunay at 10^5, per point


# a cost job the config times on the CPU (text_gate.cost.device: cpu, as paper 000 timed its SST-2 track):
# seconds per GFLOP of forward work on one thread (plan.rates.measure_cpu at width 384 on the developers'
# 2-core machine) over the cores a timing rule takes (the cluster profiles' `cores`)
CPU_FORWARD_S_PER_GFLOP = 0.0216
CPU_TIMING_THREADS = 8


def is_model_rule(rule: str) -> bool:
    return rule.startswith(MODEL_RULES)


def cpu_timed(config: dict, rule: str) -> bool:
    """A model rule that the config runs on the CPU wherever a GPU is: it asks for none."""
    return rule == "text_gate_cost" and config["text_gate"]["cost"].get("device") == "cpu"


def predict(config: dict, rule: str, wc: dict, roots=None) -> dict:
    """{gpu_bytes, host_bytes, seconds, epoch_seconds, needs_gpu, resumable, basis} of one job;
    gpu_bytes / seconds None where the plan has no model of them."""
    from ..config import ROOT

    roots = roots or (ROOT,)
    out = {"gpu_bytes": None, "host_bytes": CPU_JOB_BYTES, "seconds": None, "epoch_seconds": None,
           "needs_gpu": is_model_rule(rule) and not cpu_timed(config, rule), "resumable": rule.startswith(RESUMABLE), "basis": "base"}
    try:
        work = text_work(config, rule, wc, roots) or vit_work(config, rule, wc)
    except SizesUnknown:
        work = None
    if work is not None:
        _model_job(config, rule, wc, work, out)
    elif rule == "geometry_timing":
        t = config["geometry"]["timing"]
        passes = len(config["geometry"]["seeds"]) * t["sets_per_seed"] * (t["repeats"] + t["warmup"])
        out.update(seconds=60 + passes * sum(t["sizes"]) * GEOMETRY_S_PER_POINT_PASS, basis="timed passes x points")
    elif rule == "geometry_large":
        g = config["geometry"]["large"]
        out.update(seconds=60 + (g["repeats"] + 1) * (g["n_hull"] + g["n_delaunay"]) * GEOMETRY_PIPELINES_S_PER_POINT["large"],
                   host_bytes=2e9 + 200 * g["n_hull"], basis="timed passes x points")
    return out


def _shape(config: dict, rule: str, wc: dict, work: dict) -> dict:
    """Batch, longest tokens, mode and graph copies of the job's widest pass."""
    study = work["study"]
    if study == "vit":
        v = config["vit"]
        return {"batch": v["train"]["batch_size"], "tokens": work["tokens"], "train": True}
    cfg = config["text_gate" if study == "text_gate" else study]
    tokens = (cfg["max_length"] if study == "text_gate" else config["eat"]["tasks"][work["task"]]["max_length"]
              if study == "frontier" else None if study == "dense" else cfg["tasks"][work["task"]]["max_length"])
    if study == "dense":
        tokens = _dense_tokens(config, work["task"])
    train = (rule in ("dense_train", "eat_train", "adtp_train") or rule.startswith("text_gate_gated")
             or (rule == "text_gate_dense" and config["text_gate"]["dense_train"] is not None))
    batch = (config["dense"]["train"]["batch_size"] if study == "dense" else
             cfg["train"]["batch_size"] if train else TEXT_EVAL_BATCH)
    if rule.endswith("_cost") or rule == "frontier_cost":
        c = cfg["cost"] if study != "frontier" else config["frontier"]
        batch = max(c.get("batch_sizes", [c.get("batch_size", 32)]))
    copies = 1
    if study == "adtp":
        a = config["adtp"]["adtp"]
        if rule == "adtp_train":
            from ..studies.adtp.plan import variants

            spec = variants(config["adtp"], work["task"])[wc["adtp_variant"]]
            copies = 1 + 2 * (spec.get("ig_steps", 0) if spec["kind"] == "adtp" else 0)
            train = spec["kind"] != "dense"
        elif rule in ("adtp_teacher_cache", "adtp_consistency") or rule.startswith("adtp_methods"):
            copies, train = max(a["teacher_ig_steps"], a["ig_steps"]), None      # attributions: a backward, no optimiser
            batch = ATTRIBUTION_BATCH
    if rule == "eat_train":
        from ..studies.eat.plan import variants

        spec = variants(config["eat"], work["task"])[wc["eat_variant"]]
        train = not (spec["kind"] == "dense" and not spec.get("continued"))
    return {"batch": batch, "tokens": tokens, "train": train, "copies": copies}


def _dense_tokens(config: dict, task: str) -> int:
    from ..studies.dense.plan import tasks

    return tasks(config)[task].get("max_length") or max(
        config[s]["tasks"][task]["max_length"] for s in ("eat", "adtp") if task in config[s].get("tasks", {}))


def _model_job(config: dict, rule: str, wc: dict, work: dict, out: dict) -> None:
    c = config["compute"]
    timing = rule.endswith("_cost")
    precision = c["timing_precision"] if timing else c["precision"]
    if work["study"] == "vit" and not timing:          # the ViT's own training precision (vit.precision)
        from ..studies.vit.plan import training_precision

        precision = training_precision(config)
    layers, h, i = size_of(work["backbone"])
    heads = HEADS.get(h, max(1, h // 64))
    s = _shape(config, rule, wc, work)
    if work["study"] == "vit":
        v = config["vit"]
        n = memory.vit_params(layers, h, i, work["tokens"], int(round(32 / math.sqrt(work["tokens"] - 1))))
        images = 50_000 * 32 * 32 * 3 * 4                          # the whole image set sits on the device
        tensors = images + max(memory.train_peak(layers, h, i, heads, s["tokens"], s["batch"], precision, n),
                               memory.eval_peak(layers, h, i, heads, s["tokens"], v["eval_batch_size"] or VIT_TEST_IMAGES, n,
                                                record_per_token_layer=h))
        host = memory.HOST_BASE + 2 * images
        epochs = v["train"]["epochs"]
    else:
        n = memory.params(layers, h, i)
        if s["train"]:
            tensors = memory.train_peak(layers, h, i, heads, s["tokens"], s["batch"], precision, n, s["copies"])
        elif s["train"] is None:      # attributions: weights, activations of every IG step and their backward
            tensors = (memory.train_peak(layers, h, i, heads, s["tokens"], s["batch"], "fp32", n, s["copies"])
                       - 12 * n)                     # gradients reach the inputs only: no AdamW moments
        else:
            tensors = memory.eval_peak(layers, h, i, heads, s["tokens"], s["batch"], n,
                                       weight_bytes=memory.BYTES[precision])
        tensors += 4 * n                                     # a teacher, a dense reference or a second model
        host = memory.HOST_BASE + 16 * work["examples"] * s["tokens"] / max(1, _epochs(config, rule, work, wc))
        epochs = _epochs(config, rule, work, wc)
    gpus = c["gpus_per_job"] > 0 and not cpu_timed(config, rule)
    rate = gpu_rate(None, precision)
    gflops = backbone_flops(work["backbone"], work["tokens"]) / 1e9
    seconds = gflops * (work["forwards"] * rate["forward"] + work["train_steps"] * rate["train"])
    if cpu_timed(config, rule) and c["gpus_per_job"] > 0:      # a CPU node of a GPU run: its own estimate
        seconds = gflops * work["forwards"] * CPU_FORWARD_S_PER_GFLOP / CPU_TIMING_THREADS
        out.update(host_bytes=host + tensors, seconds=STARTUP_S + seconds, epoch_seconds=None,
                   basis=f"fp32 CPU, {CPU_TIMING_THREADS} threads, batch {s['batch']} x {s['tokens']} tokens")
        return
    out.update(gpu_bytes=memory.on_gpu(tensors) if gpus else None,
               host_bytes=host if gpus else host + tensors,
               seconds=STARTUP_S + seconds if gpus else None,
               epoch_seconds=(STARTUP_S + seconds / max(1, epochs)) if gpus else None,
               basis=f"{precision} shapes, batch {s['batch']} x {s['tokens']} tokens")


def _epochs(config: dict, rule: str, work: dict, wc: dict | None = None) -> int:
    if rule == "dense_train":
        return config["dense"]["train"]["max_epochs"]
    if rule in ("eat_train", "adtp_train"):
        cfg = config[work["study"]]
        from ..studies.adtp.plan import variants as adtp_variants
        from ..studies.eat.plan import variants as eat_variants

        name = (wc or {}).get("eat_variant") or (wc or {}).get("adtp_variant")
        kind = (eat_variants if rule == "eat_train" else adtp_variants)(cfg, work["task"]).get(name, {}).get("kind")
        return cfg["shallow_train"]["max_epochs"] if kind == "shallow" else cfg["train"]["epochs"]
    if rule.startswith("text_gate_gated"):
        return config["text_gate"]["gate"]["epochs"]
    if rule == "text_gate_dense" and config["text_gate"]["dense_train"] is not None:
        return config["text_gate"]["dense_train"]["epochs"]
    return 1
