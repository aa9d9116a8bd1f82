"""python -m effbench.plan --configfile configs/paper.yaml [--benchmarks RUN_DIR] [--gpu-tflops 40] [--out FILE]"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..config_sources import merged
from . import estimate, render


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m effbench.plan", description=__doc__)
    p.add_argument("--configfile", nargs="*", default=[], help="config files over config.yaml, as snakemake takes them")
    p.add_argument("--benchmarks", type=Path, help="a finished run's directory: its benchmarks/ time the CPU-only jobs")
    p.add_argument("--gpu-tflops", type=float, default=40.0,
                   help="effective GPU throughput assumed when no device check measured one (default 40)")
    p.add_argument("--out", type=Path, help="write the markdown here (default: print it)")
    args = p.parse_args(argv)
    files = [str(Path(f).resolve()) for f in args.configfile]
    plan = estimate(merged(files), files, merged(), args.benchmarks, args.gpu_tflops)
    text = render(plan, " + ".join(Path(f).name for f in ["config.yaml", *files]))
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
