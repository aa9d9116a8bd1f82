"""The rehearsal: every job of the DAG against what it asks for and where it will run.

    python -m effbench.plan --configfile configs/paper.yaml --check [--profile profiles/slurm-gpu]

Snakemake's dry run, with the profile's default resources and cores, gives each job's requests as
the scheduler will see them (mem_mb, runtime, gpu, constraint). predict.py gives its peak host and
GPU memory and its runtime. A job fails the rehearsal when
  - it loads a model but asks for no GPU while the config trains on GPUs, or runs fp16 on a CPU;
  - its predicted host memory exceeds its mem_mb, or mem_mb its partition's max_mem_mb;
  - its predicted GPU peak exceeds the GPU its request may land on (partitions.yaml: gpu_memory_gb);
  - its predicted runtime exceeds its request or its request its partition's MaxTime, unless it
    resumes from per-epoch checkpoints (the profile's retries requeue it) and one epoch fits the cap.
"""
from __future__ import annotations

import math
from pathlib import Path

import yaml

from .predict import predict
from .requests import minutes, partition_for, partitions
from .work import parse_jobs, printed_dry_run


def dry_run(configfiles: list[str], profile: Path | None, printed: str | None = None) -> tuple[list[dict], dict]:
    """[{rule, wildcards, resources, threads}] of every job, requested as through `profile`; and the profile.
    `printed`: that dry run already made (work.printed_dry_run with the profile)."""
    prof = yaml.safe_load((Path(profile) / "config.yaml").read_text()) if profile else {}
    return parse_jobs(printed if printed is not None else printed_dry_run(configfiles, prof)), prof


def check(config: dict, jobs: list[dict], profile: dict, predict_fn=predict) -> list[dict]:
    """One row per job: predictions, requests, partition, and its problems (empty: it fits)."""
    limits = partitions(config["compute"]["resources"].get("partitions"))
    gpu_mem = limits["gpu_memory_gb"]
    train_on_gpu = config["compute"]["gpus_per_job"] > 0
    retries = int(profile.get("retries", 0))
    rows = []
    for job in jobs:
        rule, r = job["rule"], job["resources"]
        if rule == "all":
            continue
        p = predict_fn(config, rule, job["wildcards"])
        gpus = int(r.get("gpu", 0) or 0)
        name, part = partition_for(limits, gpus > 0) if limits["partitions"] else (None, {})
        mem_mb, runtime = float(r.get("mem_mb", 0) or 0), float(r.get("runtime", 0) or 0)
        problems = []
        if p["needs_gpu"] and gpus == 0:
            precisions = {config["compute"]["precision"], config["compute"]["timing_precision"]}
            if "fp16" in precisions:
                problems.append("loads a model in fp16 (compute) but asks for no GPU: fp16 on a CPU node fails")
            elif train_on_gpu:
                problems.append("loads a GPU-trained model but asks for no GPU: runs on a CPU node")
        if p["host_bytes"] > mem_mb * 1e6:
            problems.append(f"host memory {p['host_bytes'] / 1e9:.1f} GB > mem_mb {mem_mb / 1e3:.1f} GB")
        if mem_mb > float(part.get("max_mem_mb", math.inf)):
            problems.append(f"mem_mb {mem_mb:.0f} > partition {name} max_mem_mb {part['max_mem_mb']}")
        gpu_gb = None
        if p["gpu_bytes"] is not None and gpus:
            gpu_gb = gpu_mem.get(r.get("constraint"), gpu_mem.get("default"))
            if gpu_gb is not None and p["gpu_bytes"] > gpu_gb * 1e9:
                problems.append(f"GPU peak {p['gpu_bytes'] / 1e9:.1f} GB > {gpu_gb} GB GPU "
                                f"({'constraint ' + r['constraint'] if r.get('constraint') else 'no constraint'})")
        cap = minutes(part["max_runtime"]) if "max_runtime" in part else math.inf
        if runtime > cap:
            problems.append(f"runtime {runtime:.0f} min > partition {name} MaxTime {cap:.0f} min: rejected at submission")
        if p["seconds"] is not None and p["seconds"] / 60 > runtime:
            resumes = p["resumable"] and p["epoch_seconds"] / 60 <= runtime
            tries = math.ceil(p["seconds"] / 60 / max(runtime, 1))
            if not resumes:
                problems.append(f"predicted {p['seconds'] / 60:.0f} min > runtime {runtime:.0f} min, "
                                + ("one epoch is longer than the request" if p["resumable"] else "and it cannot resume"))
            elif tries > retries + 1:
                problems.append(f"predicted {p['seconds'] / 60:.0f} min needs {tries} tries of {runtime:.0f} min; "
                                f"the profile retries {retries} times")
        rows.append({"rule": rule, "wildcards": job["wildcards"], "partition": name, "gpus": gpus,
                     "constraint": r.get("constraint"), "gpu_gb": gpu_gb, "predicted": p, "mem_mb": mem_mb,
                     "runtime": runtime, "problems": problems})
    return rows


def table(rows: list[dict]) -> str:
    """Per rule: jobs, predicted peaks and runtimes (max over its jobs), requests, and the failing jobs."""
    by_rule: dict[str, list[dict]] = {}
    for row in rows:
        by_rule.setdefault(row["rule"], []).append(row)
    out = ["| rule | jobs | partition | GPU peak (GB) | GPU (GB) | host peak (GB) | mem_mb | predicted (min) | runtime (min) | GPU h | failing |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for rule, rs in sorted(by_rule.items()):
        gpu = [r["predicted"]["gpu_bytes"] for r in rs if r["predicted"]["gpu_bytes"] is not None]
        sec = [r["predicted"]["seconds"] for r in rs if r["predicted"]["seconds"] is not None]
        gb = sorted({str(r["gpu_gb"]) for r in rs if r["gpu_gb"] is not None})
        out.append(f"| {rule} | {len(rs)} | {rs[0]['partition'] or ''} | {max(gpu) / 1e9:.1f} |" if gpu else
                   f"| {rule} | {len(rs)} | {rs[0]['partition'] or ''} |  |")
        out[-1] += (f" {'/'.join(gb)} | {max(r['predicted']['host_bytes'] for r in rs) / 1e9:.1f} | "
                    f"{max(r['mem_mb'] for r in rs):.0f} | {max(sec) / 60:.0f} |" if sec else
                    f" {'/'.join(gb)} | {max(r['predicted']['host_bytes'] for r in rs) / 1e9:.1f} | "
                    f"{max(r['mem_mb'] for r in rs):.0f} |  |")
        gpu_h = sum(r["predicted"]["seconds"] * r["gpus"] for r in rs if r["predicted"]["seconds"] and r["gpus"]) / 3600
        out[-1] += f" {min(r['runtime'] for r in rs):.0f}-{max(r['runtime'] for r in rs):.0f} | " \
                   f"{gpu_h:,.1f} | {sum(bool(r['problems']) for r in rs) or ''} |" if gpu_h else \
                   f" {min(r['runtime'] for r in rs):.0f}-{max(r['runtime'] for r in rs):.0f} |  | " \
                   f"{sum(bool(r['problems']) for r in rs) or ''} |"
    total = sum(r["predicted"]["seconds"] * r["gpus"] for r in rows if r["predicted"]["seconds"] and r["gpus"]) / 3600
    return "\n".join(out + ["", f"GPU hours, all model jobs: {total:,.0f} (start-up included)"])


def failures(rows: list[dict]) -> list[str]:
    return [f"{r['rule']} {','.join(f'{k}={v}' for k, v in r['wildcards'].items())}: {p}"
            for r in rows for p in r["problems"]]
