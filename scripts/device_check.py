"""The device check: the smoke DAG on a GPU with zero code changes, checked against the same DAG on the CPU.

    python scripts/device_check.py --out $OUT/device_check.json            # where a GPU is lent
    python scripts/device_check.py --device cpu --targets T ... --out F    # the dry run (no GPU)
    python scripts/device_check.py --device cpu --targets T --reference DIR --out F   # the tests' dry run
    python scripts/device_check.py --configfile config.yaml --targets results/eat/spam/cost.json \
        --precision fp16 --no-cpu-side --out F     # EAT against dense on the long-document task, fp16 GPU timing

1. Runs the smoke config twice in fresh work directories, with `compute.device` set to the device
   (cuda, unless --device says otherwise) and to cpu; both from the same code and config.
2. Compares every evaluation both runs wrote (each run's preds.npz and the frontier's predictions):
   the share of equal predictions and the largest difference of a class probability; fp32 on a GPU
   differs from the CPU only by rounding, bf16 / fp16 within the stated tolerance. With --reference,
   the CPU side is an earlier CPU run of the same config in that directory (the tests' smoke build),
   not run again.
3. Reads the text studies' latencies (batch 1 and the batched throughput) from the device run's
   cost artefacts, and times a two-block encoder at bert-base width on the device (plan/rates.py):
   the seconds per GFLOP the run plan uses for GPU hours.
The result goes to one JSON (commit it under docs/device_checks/<date>.json).
"""
from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SMOKE = ROOT / ".test" / "config.yaml"


def run_dag(workdir: Path, device: str, precision: str, cores: int, targets: list[str], configfile: Path) -> dict:
    compute = (f'compute={{"device": "{device}", "precision": "{precision}", "timing_precision": "{precision}", '
               f'"compile_dense": true, "gpus_per_job": 0}}')
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir), "--cores", str(cores),
           f"--configfile={configfile}", *targets, "--config", compute]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    jobs = sorted(set(re.findall(r"^(?:local)?rule (\w+):", out.stdout + out.stderr, flags=re.M)))
    return {"returncode": out.returncode, "seconds": round(time.perf_counter() - t0, 1), "rules": jobs,
            "n_jobs": (out.stdout + out.stderr).count("Finished jobid"),
            "tail": (out.stderr or out.stdout)[-3000:] if out.returncode else ""}


def agreement(a_dir: Path, b_dir: Path) -> dict:
    """Per evaluation artefact present in both runs: equal predictions and the largest probability gap."""
    out = {}
    for path in sorted(a_dir.glob("results/**/*.npz")):
        other = b_dir / path.relative_to(a_dir)
        if not other.exists():
            continue
        a, b = np.load(path), np.load(other)
        for key in a.files:
            if not key.startswith("probs") or key not in b.files or a[key].shape != b[key].shape:
                continue
            pa, pb = a[key], b[key]
            same = (pa.argmax(-1) == pb.argmax(-1)) if pa.ndim > 1 else ((pa > 0.5) == (pb > 0.5))
            out[f"{path.relative_to(a_dir)}:{key}"] = {"n": int(same.size), "prediction_agreement": float(same.mean()),
                                                       "max_abs_prob_diff": float(np.abs(pa - pb).max())}
    return out


def latencies(workdir: Path) -> dict:
    """Batch-1 latency and batched throughput of every timed text model, from the run's cost artefacts."""
    out = {}
    for path in sorted(workdir.glob("results/**/cost*.json")) + sorted(workdir.glob("results/frontier/cost/*.json")):
        doc = json.loads(path.read_text())
        metrics = doc.get("metrics", {})
        models = metrics.get("methods", metrics)
        for name, m in models.items():
            if isinstance(m, dict) and "latency_b1" in m:
                out[f"{path.relative_to(workdir)}:{name}"] = {
                    "latency_b1_ms": m["latency_b1"]["mean_ms"], "clock": m["latency_b1"].get("clock"),
                    "examples_per_s": {b: t["examples_per_s"] for b, t in m.get("throughput", {}).items()},
                    "speedup_b1": m.get("speedup_b1"), "timing": doc["provenance"].get("timing")}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda", help="the device under test (cpu: the dry run)")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--tolerance", type=float, default=None,
                   help="largest probability gap accepted (default: 1e-3 in fp32, 5e-2 in bf16/fp16)")
    p.add_argument("--cores", type=int, default=4)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/effbench_device_check"))
    p.add_argument("--targets", nargs="*", default=[], help="part of the DAG (default: all of it)")
    p.add_argument("--configfile", type=Path, default=SMOKE, help="the scale to run (default: the smoke config)")
    p.add_argument("--no-cpu-side", action="store_true", help="time on the device only (no CPU run to compare with)")
    p.add_argument("--reference", type=Path, default=None,
                   help="the work directory of an earlier CPU run of the same config, compared with instead "
                        "of running a CPU side")
    p.add_argument("--reference-rc", type=Path, default=None,
                   help="a file the reference run writes its exit code to when it ends: the comparison waits for it "
                        "(the reference may still be running when this run starts)")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    args.configfile = args.configfile.resolve()
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("no GPU visible (torch.cuda.is_available() is False): nothing to check", file=sys.stderr)
        return 2
    tolerance = args.tolerance or (1e-3 if args.precision == "fp32" else 5e-2)
    runs = {}
    own_cpu_side = not (args.no_cpu_side or args.reference)
    sides = [("device", args.device, args.precision)] + ([("cpu", "cpu", "fp32")] if own_cpu_side else [])
    for side, device, precision in sides:
        runs[side] = run_dag(args.workdir / side, device, precision, args.cores, args.targets, args.configfile)
    if args.reference_rc is not None:
        while not args.reference_rc.exists() or not args.reference_rc.read_text().strip():
            time.sleep(2)
        if args.reference_rc.read_text().strip() != "0":
            print(f"the reference run failed (exit code {args.reference_rc.read_text().strip()} in {args.reference_rc})",
                  file=sys.stderr)
            return 1
    cpu_dir = args.reference.resolve() if args.reference else args.workdir / "cpu"
    agree = {} if args.no_cpu_side else agreement(args.workdir / "device", cpu_dir)
    ok = (all(r["returncode"] == 0 for r in runs.values()) and (bool(agree) or args.no_cpu_side)
          and all(a["prediction_agreement"] == 1.0 or a["max_abs_prob_diff"] <= tolerance for a in agree.values()))
    result = {"date": datetime.date.today().isoformat(), "device": args.device, "precision": args.precision,
              "config": str(args.configfile.relative_to(ROOT) if args.configfile.is_relative_to(ROOT) else args.configfile),
              "gpu": torch.cuda.get_device_name() if args.device == "cuda" else None, "torch": torch.__version__,
              "runs": runs, "reference": str(cpu_dir) if args.reference else None, "tolerance": tolerance,
              "agreement": agree, "passed": ok,
              "latencies": latencies(args.workdir / "device")}
    if args.device == "cuda":
        from effbench.plan import calibrate
        from effbench.plan.rates import measure

        # the plan's GPU rate in each precision the configs train and time in (paper.yaml: fp32 training, fp16
        # timing), and the rehearsal's memory formulas at full size: a BERT-base training step, a fine-patch ViT batch
        result["gpu_rates"] = {
            p: {**measure(768, 3072, "cuda", tokens=128, batch=32, repeats=20, precision=p),
                "what": f"two bert-base-width blocks, batch 32 x 128 tokens, {p}"}
            for p in sorted({"fp32", args.precision, "fp16"})}
        result["memory_calibration"] = [calibrate.train_step(12, 768, 3072, 12, 128, 32, "cuda"),
                                        calibrate.vit_eval(12, 384, 6, 32, 2, 500, "cuda")]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: result[k] for k in ("device", "passed", "tolerance")} |
                     {"jobs": {k: r["n_jobs"] for k, r in runs.items()}, "compared": len(agree)}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
