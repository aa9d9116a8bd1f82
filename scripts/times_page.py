"""Write docs/results/times.md from a measured `make run`: its wall time and its rule benchmarks.

    start=$(date +%s); make run; echo $(( $(date +%s) - start )) > run_wall_seconds
    python scripts/times_page.py RUN_DIR WALL_SECONDS [--note TEXT] > docs/results/times.md

RUN_DIR is the clone the run happened in (its benchmarks/ and .git); nothing on the page is typed.
"""
from __future__ import annotations

import argparse
import platform
import subprocess
from pathlib import Path

from effbench.benchtable import summarise, to_markdown


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("run_dir", type=Path)
    p.add_argument("wall_seconds", type=float)
    p.add_argument("--note", default="")
    p.add_argument("--date", default=None)
    a = p.parse_args()
    sha = subprocess.run(["git", "-C", str(a.run_dir), "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    date = a.date or subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()
    table = summarise(a.run_dir / "benchmarks")
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    minutes = a.wall_seconds / 60
    print("# Where the time goes\n")
    print(f"Written by `scripts/times_page.py` from a fresh clone's `make run` (commit {sha}, {date}, "
          f"{platform.machine()}, {cores} cores): its wall time and the Snakemake "
          "`benchmark:` file of every job.\n")
    print(f"**`make run` on a fresh clone, install included: {a.wall_seconds:.0f} s = {minutes:.1f} minutes wall** "
          f"({'within' if minutes <= 45 else 'over'} the default scale's 45-minute goal).")
    if a.note:
        print(f"\n{a.note}")
    print(f"\nPer stage ({int(table['jobs'].sum())} jobs; job times overlap where two one-thread jobs share the "
          "two cores):\n")
    print(to_markdown(table))


if __name__ == "__main__":
    main()
