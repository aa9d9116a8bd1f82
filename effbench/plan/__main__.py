"""python -m effbench.plan --configfile configs/paper.yaml [--benchmarks RUN_DIR] [--gpu-tflops T] [--out FILE]
python -m effbench.plan --configfile configs/paper.yaml --check [--profile profiles/slurm-gpu] [--sbatch-test-only]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config_sources import merged
from . import estimate, render


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m effbench.plan", description=__doc__)
    p.add_argument("--configfile", nargs="*", default=[], help="config files over config.yaml, as snakemake takes them")
    p.add_argument("--benchmarks", type=Path, help="a finished run's directory: its benchmarks/ time the CPU-only jobs")
    p.add_argument("--gpu-tflops", type=float, default=None,
                   help="effective GPU throughput assumed when no device check measured one "
                        "(default: an A100's peak in each job's precision x a utilisation, plan/rates.py)")
    p.add_argument("--check", action="store_true",
                   help="the rehearsal: every job's predicted memory and time against its requests and partition")
    p.add_argument("--profile", type=Path, default=Path("profiles/slurm-gpu"),
                   help="the cluster profile whose default resources and cores the jobs are requested with")
    p.add_argument("--sbatch-test-only", action="store_true",
                   help="with --check: also submit each job's sbatch line, as the profile's executor builds it, "
                        "with `sbatch --test-only` to the cluster SLURM_CONF names (plan/sbatch.py)")
    p.add_argument("--out", type=Path, help="write the markdown here (default: print it)")
    args = p.parse_args(argv)
    files = [str(Path(f).resolve()) for f in args.configfile]
    config = merged(files)
    if args.check:
        from ..config import ROOT
        from . import resume, sbatch
        from .check import check, dry_run, failures, table

        profile = args.profile if args.profile.is_absolute() else ROOT / args.profile
        jobs, prof = dry_run(files, profile)
        rows = check(config, jobs, prof)
        text = table(rows)
        bad = failures(rows) + resume.unbacked(ROOT)
        if args.sbatch_test_only:
            submitted = sbatch.test_only(jobs, prof, sbatch.partition_file(prof, ROOT), ROOT)
            bad += sbatch.rejected(submitted)
            text += (f"\n\nsbatch --test-only: {len(submitted)} distinct requests of {sum(r['jobs'] for r in submitted)} "
                     f"jobs, {sum(not r['ok'] for r in submitted)} rejected.")
        text += f"\n\n{len(rows)} jobs; {len({(r['rule'], str(r['wildcards'])) for r in rows if r['problems']})} would fail.\n"
        text += "".join(f"FAIL {line}\n" for line in bad)
        (args.out.write_text(text) if args.out else print(text))
        return 1 if bad else 0
    plan = estimate(config, files, merged(), args.benchmarks, args.gpu_tflops)
    text = render(plan, " + ".join(Path(f).name for f in ["config.yaml", *files]))
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
