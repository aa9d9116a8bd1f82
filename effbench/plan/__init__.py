"""A run plan before a long run: jobs, examples processed, CPU core-hours and GPU hours, per study and rule.

    python -m effbench.plan --configfile configs/paper.yaml [--benchmarks RUN_DIR] [--gpu-tflops 40]

How a user decides between a laptop, one GPU and the cluster. Model jobs are estimated from their
example passes (work.py) at this machine's measured seconds per GFLOP (rates.py); the other jobs
from a finished run's benchmark files (RUN_DIR, e.g. a default-scale run), scaled by their epochs.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .rates import benchmark_seconds, gpu_rate, measure_cpu
from .work import SizesUnknown, backbone_flops, dry_run_jobs, size_of, text_work, vit_work

# CPU-only jobs whose work grows with these config keys (paper / default), beyond their job count
GROWS_WITH = {"synthetic_train": [("synthetic", "train", "epochs")],
              "geometry_train": [("geometry", "train", "epochs"), ("geometry", "train", "sets")],
              "geometry_sweep_train": [("geometry", "train", "epochs"), ("geometry", "train", "sets")],
              "vit_train": [("vit", "train", "epochs")]}


def _get(config, keys):
    for k in keys:
        config = config[k]
    return config


def estimate(config: dict, configfiles: list[str], default_config: dict, benchmarks: Path | None,
             gpu_tflops: float | None, measure=None, printed: str | None = None) -> dict:
    """Rows per (study, rule) and what they rest on (`printed`: the configs' dry run, if already made)."""
    from ..compute import cpu_bf16_native
    from ..config import ROOT
    from ..studies.vit.plan import training_precision

    def cpu_precision(study):     # the CPU's training steps in the precision its jobs train in (bf16 where native)
        asked = training_precision(config) if study == "vit" else config["compute"]["precision"]
        return "bf16" if asked == "bf16" and cpu_bf16_native() else "fp32"

    def rate(h, i, study):
        return measure(h, i) if measure is not None else measure_cpu(h, i, train_precision=cpu_precision(study))

    jobs = dry_run_jobs(configfiles, printed)
    roots = (ROOT, benchmarks) if benchmarks else (ROOT,)
    widths = {}
    rows: dict[tuple, dict] = defaultdict(lambda: {"jobs": 0, "examples": 0, "cpu_s": 0.0, "gpu_s": 0.0,
                                                   "estimated": True, "upper_bound": False, "basis": ""})
    gpu = gpu_rate(gpu_tflops, config["compute"]["precision"])
    measured = benchmark_seconds(benchmarks, dry_run_jobs([])) if benchmarks else {}
    for rule, wc, _ in jobs:
        try:
            work = text_work(config, rule, wc, roots) or vit_work(config, rule, wc)
        except SizesUnknown as err:
            row = rows[(rule.split("_")[0], rule)]
            row.update(jobs=row["jobs"] + 1, estimated=False, basis=str(err))
            continue
        if work is None:
            key = (rule.split("_")[0] if rule not in ("all", "claims", "results_pages", "headline_metrics")
                   else "report", rule)
            row = rows[key]
            row["jobs"] += 1
            if rule in measured:
                grow = 1.0
                for keys in GROWS_WITH.get(rule, []):
                    grow *= _get(config, keys) / _get(default_config, keys)
                row["cpu_s"] += grow * sum(measured[rule]) / len(measured[rule])
                row["basis"] = "default run's benchmarks" + (" x epochs" if rule in GROWS_WITH else "")
            else:
                row["estimated"] = False
            continue
        n, h, i = size_of(work["backbone"])
        if (h, i) not in widths:
            widths[(h, i)] = rate(h, i, work["study"])
        rates = widths[(h, i)]
        gflops = backbone_flops(work["backbone"], work["tokens"]) / 1e9
        row = rows[(work["study"], rule)]
        row["jobs"] += 1
        row["examples"] += work["examples"]
        row["cpu_s"] += gflops * (work["forwards"] * rates["forward"] + work["train_steps"] * rates["train"])
        row["gpu_s"] += gflops * (work["forwards"] * gpu["forward"] + work["train_steps"] * gpu["train"])
        row["upper_bound"] |= work["upper_bound"]
        row["basis"] = "FLOPs x measured s/GFLOP"
    source = None
    if benchmarks:
        import subprocess

        sha = subprocess.run(["git", "-C", str(benchmarks), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        source = f"{benchmarks}" + (f" (commit {sha.stdout.strip()})" if sha.returncode == 0 else "")
    return {"rows": dict(rows), "gpu": gpu, "benchmarks": source, "cpu_rates": {f"{h}/{i}": r for (h, i), r in widths.items()},
            "n_jobs": len(jobs), "measured_default": {r: sum(s) for r, s in measured.items()}}


def render(plan: dict, title: str) -> str:
    rows = plan["rows"]
    rates = "; ".join(f"width {w}: forward {r['forward']:.3g} s, training step "
                      f"{r['train']:.3g} s{' in ' + r['train_precision'] if r.get('train_precision', 'fp32') != 'fp32' else ''}"
                      for w, r in plan["cpu_rates"].items())
    out = [f"# Run plan: {title}", "",
           f"{plan['n_jobs']} jobs. CPU: core-hours at this machine's measured seconds per GFLOP of forward work "
           f"({rates}). "
           f"GPU: {plan['gpu']['source']}. `≤`: token counts at max_length (the data is not here yet), an upper bound. "
           "`-`: no estimate (no benchmark of that rule).", "",
           f"`default run`: the hours that rule's jobs took in the benchmarked run, {plan['benchmarks'] or 'none given'} "
           "(the estimate's check at the default scale; context at others).", "",
           "| study | rule | jobs | examples | CPU core-h | GPU h | default run (h) | basis |",
           "|---|---|---|---|---|---|---|---|"]
    totals = defaultdict(lambda: [0, 0.0, 0.0, True])
    for (study, rule), r in sorted(rows.items(), key=lambda kv: (-kv[1]["cpu_s"], kv[0])):
        mark = "≤ " if r["upper_bound"] else ""
        cpu = f"{mark}{r['cpu_s'] / 3600:,.3f}" if r["estimated"] else "-"
        gpu = f"{mark}{r['gpu_s'] / 3600:,.3f}" if r["gpu_s"] else ""
        ran = plan["measured_default"].get(rule)
        ran = f"{ran / 3600:,.3f}" if ran is not None else ""
        out.append(f"| {study} | {rule} | {r['jobs']} | {r['examples'] or ''} | {cpu} | {gpu} | {ran} | {r['basis']} |")
        t = totals[study]
        t[0] += r["jobs"]
        t[1] += r["cpu_s"]
        t[2] += r["gpu_s"]
        t[3] &= r["estimated"]
    out += ["", "| study | jobs | CPU core-h | GPU h (model jobs) |", "|---|---|---|---|"]
    for study, (jobs, cpu, gpu, complete) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        out.append(f"| {study} | {jobs} | {cpu / 3600:,.1f}{'' if complete else ' +'} | {gpu / 3600:,.2f} |")
    cpu_all, gpu_all = sum(t[1] for t in totals.values()), sum(t[2] for t in totals.values())
    model = [(r["cpu_s"], plan["measured_default"].get(rule)) for (_, rule), r in rows.items() if r["gpu_s"]]
    if model and all(m is not None for _, m in model):
        est, ran = sum(e for e, _ in model), sum(m for _, m in model)
        out.append(f"\nModel jobs: estimated {est / 3600:.2f} core-h; the benchmarked run's jobs of the same rules took "
                   f"{ran / 3600:.2f} h of wall time (estimate / run = {est / ran:.2f}; cost jobs time on every core).")
    out.append(f"| **all** | {plan['n_jobs']} | {cpu_all / 3600:,.1f} | {gpu_all / 3600:,.2f} |")
    return "\n".join(out) + "\n"
