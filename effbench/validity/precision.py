"""One training precision per task: rows compared on a page were trained the same way.

`compute.precision` (bf16 autocast where the CPU has it natively, else fp32, effbench.compute) is
resolved per job and recorded in each run's provenance. A dense model trained in fp32 beside a method
trained in bf16 (a resumed or rerun job on another node, a config changed between runs) would make
a row's difference partly a precision difference, and the AD-TP table's seconds per epoch
incomparable; nothing else would show it.
  same_precision   every run of a text task that trained (its dense fine-tunes and every study's
                   trained runs on it: a history.json) records one training precision
"""
from __future__ import annotations

import json
from collections import defaultdict

from .. import paths
from . import layout
from .core import record


def _precision(path) -> str:
    doc = json.loads(path.read_text())
    return ((doc.get("provenance") or {}).get("compute") or {}).get("precision", "fp32 (not recorded)")


def check(run) -> list[dict]:
    out = []
    for task, facts in layout.text_tasks(run.config).items():
        found: dict[str, list[str]] = defaultdict(list)
        files = [run.path(f"{paths.dense_dir(task, s)}/metrics.json") for s in facts["seeds"]]
        tables = layout.tables(run.config, task)
        for table in tables:
            if table.runs:
                files += sorted(run.path(table.runs).glob("*/seed*/metrics.json"))
        for f in files:
            if f.exists() and (f.parent / "history.json").exists():     # trained here (not an evaluated variant)
                found[_precision(f)].append(str(f.relative_to(run.root).parent))
        if not found:
            continue
        n = sum(len(v) for v in found.values())
        guards = [t.artefact for t in tables]
        if len(found) == 1:
            (p, _), = found.items()
            out.append(record("same_precision", "dense", task, f"results/dense/{task}", "training precision", "pass",
                              f"{n} runs, all trained in {p}", {"runs": n, "precision": p}, guards))
        else:
            parts = "; ".join(f"{p}: {len(v)} ({', '.join(v[:3])}{', ...' if len(v) > 3 else ''})"
                              for p, v in sorted(found.items()))
            out.append(record("same_precision", "dense", task, f"results/dense/{task}", "training precision", "fail",
                              f"the runs of one task trained in different precisions ({parts}): retrain them in one "
                              "(compute.precision; a CPU without native bf16 trains in fp32)",
                              {"runs": n, "precisions": len(found)}, guards))
    return out
