"""Does glibc's allocator setting move the synthetic speed-ups? (the run-8 question: entropy_topk fell
from 1.21-1.44x of the full model at batch 800 to 0.95x once jobs called `keep_freed_memory`)

    python scripts/synthetic_allocator_bench.py --threads 2 --rounds 4 --out /tmp/alloc.json

Needs the synthetic timing job's inputs (`snakemake --cores 1 results/synthetic/cost/timing.json`).
Each round starts two fresh processes, one per allocator setting, in alternating order:

  default  glibc as it comes (mmap for large blocks with a dynamic threshold, freed heap tops trimmed)
  kept     `effbench.workflow.keep_freed_memory()` first, as every job's setup does since 0f43c33

Each process does what the timing job does at one batch size: loads the first seed of the configured
timing variants, and times every variant and stage (total, layer1, gate, layer2_head) round-robin
with warm-up, under torch.inference_mode and the given torch threads. Beside each call's wall time
it records the process CPU time the call took (user + system, all threads: on a loaded machine the
steadier clock, as it leaves out time spent waiting for a core) and the minor page faults it caused
(getrusage ru_minflt), and the tokens each variant's gate kept per example. Prints, and writes to --out, the median and
IQR of each variant's wall and CPU time per call under each setting (pooled over the rounds), the
median page faults per call, and the full/variant ratio of medians (the table's speedup_x).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STAGES = ("total", "layer1", "gate", "layer2_head")


def child(args) -> dict:
    import torch

    from effbench.artefacts import read_npz
    from effbench.config import load
    from effbench.paths import runs_root
    from effbench.studies.synthetic.train import load_model
    from effbench.workflow import keep_freed_memory

    kept_setting = keep_freed_memory() if args.child == "kept" else None
    torch.set_num_threads(args.threads)
    cfg = load(ROOT / "config.yaml")["synthetic"]
    data = read_npz(ROOT / "data/generated/synthetic/base.npz")
    seed = cfg["seeds"][0]
    names = args.variants or cfg["timing"]["variants"]
    x = torch.as_tensor(data["val_tokens"][: args.batch])
    calls, kept = {}, {}
    for name in names:
        model = load_model(cfg, name, data, ROOT / runs_root("synthetic") / name / f"seed{seed}")
        with torch.inference_mode():
            h, attn = model.encode_first(x)
            sel = model.select(h, attn)
        counts = torch.full((x.shape[0],), x.shape[1]) if sel.index is None else sel.valid.sum(1)
        kept[name] = {"min": int(counts.min()), "max": int(counts.max()), "mean": float(counts.float().mean())}
        calls[(name, "total")] = (lambda m=model: m(x))
        calls[(name, "layer1")] = (lambda m=model: m.encode_first(x))
        calls[(name, "gate")] = (lambda m=model, h=h, a=attn: m.select(h, a))
        calls[(name, "layer2_head")] = (lambda m=model, h=h, s=sel: m.encode_second(h, None, s))
    ms = {key: [] for key in calls}
    cpu = {key: [] for key in calls}
    faults = {key: [] for key in calls}
    with torch.inference_mode():      # the harness's loop (effbench/cost/timing.time_interleaved), plus faults
        for _ in range(args.warmup):
            for fn in calls.values():
                fn()
        for _ in range(args.repeats):
            for key, fn in calls.items():
                f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                c0, t0 = time.process_time(), time.perf_counter()
                fn()
                t1, c1 = time.perf_counter(), time.process_time()
                faults[key].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
                ms[key].append((t1 - t0) * 1e3)
                cpu[key].append((c1 - c0) * 1e3)
    return {"setting": args.child, "keep_freed_memory": kept_setting, "threads": torch.get_num_threads(),
            "kept_tokens": kept,
            "calls": [{"variant": n, "stage": s, "ms": ms[(n, s)], "cpu_ms": cpu[(n, s)],
                       "minflt": faults[(n, s)]} for n, s in calls]}


def summary(values) -> dict:
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return {"median": float(med), "iqr": float(q3 - q1), "n": len(values)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=4, help="process pairs (default, kept), order alternating")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=800)
    ap.add_argument("--variants", nargs="*", help="default: the config's timing variants")
    ap.add_argument("--out")
    ap.add_argument("--child", choices=["default", "kept"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        json.dump(child(args), sys.stdout)
        return
    passthrough = ["--threads", str(args.threads), "--repeats", str(args.repeats), "--warmup", str(args.warmup),
                   "--batch", str(args.batch)] + (["--variants", *args.variants] if args.variants else [])
    runs = []
    for r in range(args.rounds):
        for setting in (("default", "kept") if r % 2 == 0 else ("kept", "default")):
            out = subprocess.run([sys.executable, __file__, "--child", setting, *passthrough],
                                 check=True, capture_output=True, text=True, cwd=ROOT).stdout
            runs.append({"round": r, **json.loads(out)})
            print(f"round {r} {setting} done", file=sys.stderr)
    table = {}
    for setting in ("default", "kept"):
        mine = [run for run in runs if run["setting"] == setting]
        for call in mine[0]["calls"]:
            key = (call["variant"], call["stage"])
            pooled = [c for run in mine for c in run["calls"] if (c["variant"], c["stage"]) == key]
            table.setdefault(setting, {}).setdefault(call["variant"], {})[call["stage"]] = {
                "ms": summary([v for c in pooled for v in c["ms"]]),
                "cpu_ms": summary([v for c in pooled for v in c["cpu_ms"]]),
                "minflt_per_call": summary([v for c in pooled for v in c["minflt"]]),
                "per_process_median_ms": [float(np.median(c["ms"])) for c in pooled]}
    for setting, variants in table.items():
        base = variants.get("full", {}).get("total")
        for name, stages in variants.items():
            if base:
                stages["total"]["speedup_vs_full"] = base["ms"]["median"] / stages["total"]["ms"]["median"]
                stages["total"]["cpu_speedup_vs_full"] = base["cpu_ms"]["median"] / stages["total"]["cpu_ms"]["median"]
                stages["total"]["speedup_per_process"] = [
                    b / v for b, v in zip(base["per_process_median_ms"], stages["total"]["per_process_median_ms"])]
    result = {"args": {k: v for k, v in vars(args).items() if k != "child"}, "table": table,
              "kept_tokens": runs[0]["kept_tokens"], "keep_freed_memory": [r["keep_freed_memory"] for r in runs]}
    print(f"batch {args.batch}, {args.threads} thread(s), {args.rounds} processes per setting x {args.repeats} calls")
    print(f"{'setting':8} {'variant':18} {'stage':12} {'median ms':>10} {'IQR ms':>8} {'CPU ms':>8} {'IQR':>7} "
          f"{'faults/call':>11} {'speedup':>8} {'CPU sp.':>8}")
    for setting, variants in table.items():
        for name, stages in variants.items():
            for stage, s in stages.items():
                sp = "".join(f"{s[k]:8.3f} " for k in ("speedup_vs_full", "cpu_speedup_vs_full") if k in s)
                print(f"{setting:8} {name:18} {stage:12} {s['ms']['median']:10.2f} {s['ms']['iqr']:8.2f} "
                      f"{s['cpu_ms']['median']:8.2f} {s['cpu_ms']['iqr']:7.2f} {s['minflt_per_call']['median']:11.0f} {sp}")
    print("kept tokens per example:", json.dumps(result["kept_tokens"]))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
