"""Write docs/results/times.md from a measured `make run`: its wall time and its rule benchmarks.

    start=$(date +%s); make run; echo $(( $(date +%s) - start )) > run_wall_seconds
    git show HEAD:docs/results/times.md > previous_times.md
    python scripts/times_page.py RUN_DIR WALL_SECONDS [--previous previous_times.md] [--note TEXT] > docs/results/times.md

RUN_DIR is the clone the run happened in (its benchmarks/ and .git); --previous is the page this
script wrote for an earlier measured run: its commit, wall time and per-stage job times are set
beside this run's. Nothing on the page is typed but the note.
"""
from __future__ import annotations

import argparse
import platform
import re
import subprocess
from pathlib import Path

import pandas as pd

from effbench.benchtable import summarise, to_markdown


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("run_dir", type=Path)
    p.add_argument("wall_seconds", type=float)
    p.add_argument("--previous", type=Path, default=None, help="the times page of an earlier run")
    p.add_argument("--note", default="")
    p.add_argument("--date", default=None)
    a = p.parse_args()
    sha = commit(a.run_dir)
    date = a.date or subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()
    table = summarise(a.run_dir / "benchmarks")
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    minutes = a.wall_seconds / 60
    print("# Where the time goes\n")
    print(f"Written by `scripts/times_page.py` from a fresh clone's `make run` (commit {sha}, {date}, "
          f"{platform.machine()}, {cores} cores): its wall time and the Snakemake "
          "`benchmark:` file of every job.\n")
    print(f"**`make run` on a fresh clone, install included: {a.wall_seconds:.0f} s = {minutes:.1f} minutes wall** "
          f"({'within' if minutes <= 60 else 'over'} the default scale's 60-minute ceiling, which holds the floor; "
          f"{'within' if minutes <= 45 else 'over'} its 45-minute goal).")
    previous = None
    if a.previous:
        prev_sha, prev_wall, previous = read_page(a.previous)
        now, then = table["total_s"].sum(), previous["total_s"].sum()
        print(f"\nThe previous measured run (commit {prev_sha}, same machine and command): {prev_wall:.0f} s = "
              f"{prev_wall / 60:.1f} minutes, {(a.wall_seconds - prev_wall) / 60:+.1f} minutes here. Job times add up to "
              f"{now:.0f} s here against {then:.0f} s there ({100 * (now / then - 1):+.0f}%).")
    if a.note:
        print(f"\n{a.note}")
    print("\nWhat the default scale trades for time, as its config says (config.yaml's header: each line is "
          "breadth the paper scale restores; none is a training or test set cut below the floor):\n")
    print("```\n" + trades(a.run_dir / "config.yaml") + "\n```")
    print(f"\nPer stage ({int(table['jobs'].sum())} jobs; job times overlap where two one-thread jobs share the "
          "two cores):\n")
    print(to_markdown(table, previous))


def trades(config_path: Path) -> str:
    """The header comment of the default config that says what it keeps of the paper scale."""
    lines = config_path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# What the default keeps"))
    end = next(i for i, line in enumerate(lines) if not line.startswith("#") and i > start)
    return "\n".join(line[2:] for line in lines[start:end])


def read_page(path: Path) -> tuple[str, float, pd.DataFrame]:
    """An earlier page of this script: (commit, wall seconds, per-stage job times)."""
    text = path.read_text()
    sha = re.search(r"\(commit (\w+),", text).group(1)
    wall = float(re.search(r"install included: (\d+) s", text).group(1))
    rows = re.findall(r"^\| (?!stage |\*\*)([^|]+?) \| (\d+) \| (\d+) \|", text, flags=re.M)
    return sha, wall, pd.DataFrame([{"stage": st, "jobs": int(n), "total_s": float(t)} for st, n, t in rows])


def commit(run_dir: Path) -> str:
    return subprocess.run(["git", "-C", str(run_dir), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


if __name__ == "__main__":
    main()
