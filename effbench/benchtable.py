"""Summarise Snakemake `benchmark:` files into the README's per-rule time table.

    python -m effbench.benchtable benchmarks
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def summarise(root) -> pd.DataFrame:
    root = Path(root)
    rows = []
    for path in sorted(Path(root).rglob("*.tsv")):
        frame = pd.read_csv(path, sep="\t")
        rule = path.stem.split(".")[0]   # benchmark files are named <rule>[.<wildcards>].tsv
        folder = path.parent.relative_to(root)
        rows.append({"stage": rule if folder == Path(".") else f"{folder}/{rule}", "job": path.stem, "seconds": float(frame["s"].iloc[-1]),
                     "max_rss_mb": float(frame["max_rss"].iloc[-1]) if "max_rss" in frame else float("nan")})
    jobs = pd.DataFrame(rows)
    if jobs.empty:
        return jobs
    return (jobs.groupby("stage").agg(jobs=("job", "count"), total_s=("seconds", "sum"),
                                      max_job_s=("seconds", "max"), max_rss_mb=("max_rss_mb", "max"))
            .reset_index().sort_values("total_s", ascending=False))


def to_markdown(table: pd.DataFrame, previous: pd.DataFrame | None = None) -> str:
    """The per-stage table; with `previous` (another run's summary), each stage's total there beside it."""
    if previous is None:
        lines = ["| stage | jobs | total (s) | longest job (s) | peak RSS (MB) |", "|---|---|---|---|---|"]
        for r in table.itertuples():
            lines.append(f"| {r.stage} | {r.jobs} | {r.total_s:.0f} | {r.max_job_s:.0f} | {r.max_rss_mb:.0f} |")
        lines.append(f"| **sum of job times** | {int(table['jobs'].sum())} | {table['total_s'].sum():.0f} | | |")
        return "\n".join(lines)
    before = previous.set_index("stage")["total_s"]
    lines = ["| stage | jobs | total (s) | previous run (s) | longest job (s) | peak RSS (MB) |",
             "|---|---|---|---|---|---|"]
    for r in table.itertuples():
        prev = f"{before[r.stage]:.0f}" if r.stage in before else "new"
        lines.append(f"| {r.stage} | {r.jobs} | {r.total_s:.0f} | {prev} | {r.max_job_s:.0f} | {r.max_rss_mb:.0f} |")
    gone = sorted(set(before.index) - set(table["stage"]))
    for stage in gone:
        lines.append(f"| {stage} | 0 | | {before[stage]:.0f} | | |")
    lines.append(f"| **sum of job times** | {int(table['jobs'].sum())} | {table['total_s'].sum():.0f} | "
                 f"{previous['total_s'].sum():.0f} | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(to_markdown(summarise(sys.argv[1] if len(sys.argv) > 1 else "benchmarks")))
