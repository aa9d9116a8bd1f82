"""What each job asks the scheduler for, from the plan's prediction (predict.py): runtime and memory
are the prediction x `compute.resources.margin`, never below the rule's default-scale request and
capped at the partition's MaxTime / memory; a GPU-memory constraint where the predicted peak exceeds
the GPU a plain request may land on. Partition limits come from `compute.resources.partitions` (the
profile's partitions.yaml: the SLURM executor's `partitions:` and, for the plan, `gpu_memory_gb:`).

Without a GPU (gpus_per_job: 0) model jobs keep their default-scale requests (their CPU time is this
machine's, not a cluster's); timing jobs scale with their work at every scale.
"""
from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import yaml

from .predict import predict


def minutes(value) -> float:
    """SLURM time ("2-00:00:00", "48:00:00", "30") or a number of minutes -> minutes."""
    if isinstance(value, (int, float)):
        return float(value)
    m = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", str(value).strip())
    if not m:
        raise ValueError(f"partition max_runtime {value!r}: expected minutes or D-HH:MM:SS")
    d, a, b, c = (int(x) if x else 0 for x in m.groups())
    if m.group(3) is None:                      # "MM"
        return d * 1440 + a
    if m.group(4) is None:                      # "HH:MM" with a day, else "MM:SS"
        return d * 1440 + a * 60 + b if m.group(1) else a + b / 60
    return d * 1440 + a * 60 + b + c / 60


@functools.lru_cache(maxsize=8)
def partitions(path: str | None) -> dict:
    """{partitions: {name: limits}, gpu_memory_gb: {default: GB, <constraint>: GB}} of a partitions file."""
    if not path:
        return {"partitions": {}, "gpu_memory_gb": {}}
    from ..config import ROOT

    p = Path(path) if Path(path).is_absolute() else ROOT / path
    if not p.exists():
        raise FileNotFoundError(f"compute.resources.partitions: {p} does not exist")
    data = yaml.safe_load(p.read_text()) or {}
    if "partitions" not in data:
        raise ValueError(f"{p}: no 'partitions:' section (the SLURM executor's partition config)")
    return {"partitions": data["partitions"], "gpu_memory_gb": data.get("gpu_memory_gb", {})}


def partition_for(limits: dict, gpu: bool) -> tuple[str | None, dict]:
    """The partition a job goes to as the SLURM executor chooses it: GPU jobs where max_gpu > 0, CPU jobs
    preferably where there are no GPUs."""
    fits = [(n, l) for n, l in limits["partitions"].items() if (l.get("max_gpu", 0) > 0) == gpu]
    fits = fits or ([] if gpu else list(limits["partitions"].items()))
    return fits[0] if fits else (None, {})


class Requests:
    def __init__(self, config: dict):
        self.config = config
        r = config["compute"]["resources"]
        self.margin, self.limits = r["margin"], partitions(r.get("partitions"))
        self.gpus = config["compute"]["gpus_per_job"] > 0

    @functools.lru_cache(maxsize=None)
    def _predict(self, rule: str, wc: tuple) -> dict:
        return predict(self.config, rule, dict(wc))

    def predicted(self, rule: str, wc: dict) -> dict:
        return self._predict(rule, tuple(sorted(wc.items())))

    def cap(self, rule: str, wc: dict, key: str) -> float:
        gpu = self.gpus and self.predicted(rule, wc)["needs_gpu"]
        lim = partition_for(self.limits, gpu)[1]
        value = lim.get(key)
        return math.inf if value is None else (minutes(value) if key == "max_runtime" else float(value))

    def runtime(self, rule: str, wc: dict, base: int) -> int:
        """Minutes: the prediction x margin (at least `base`), capped at the partition's MaxTime."""
        p = self.predicted(rule, wc)
        if p["seconds"] is None:
            return base
        want = max(base, math.ceil(p["seconds"] * self.margin / 60))
        return int(min(want, self.cap(rule, wc, "max_runtime")))

    def mem_mb(self, rule: str, wc: dict, base: int) -> int:
        p = self.predicted(rule, wc)
        if p["gpu_bytes"] is None and not p["basis"].startswith("timed"):
            return base
        want = max(base, math.ceil(p["host_bytes"] * self.margin / 1e6))
        return int(min(want, self.cap(rule, wc, "max_mem_mb")))

    def constraint(self, rule: str, wc: dict) -> str | None:
        """The smallest GPU constraint whose memory holds the predicted peak; None where any GPU does."""
        p = self.predicted(rule, wc)
        mem = self.limits["gpu_memory_gb"]
        if p["gpu_bytes"] is None or not mem or p["gpu_bytes"] <= mem.get("default", 0) * 1e9:
            return None
        bigger = sorted((gb, c) for c, gb in mem.items() if c != "default" and gb * 1e9 >= p["gpu_bytes"])
        return bigger[0][1] if bigger else max((gb, c) for c, gb in mem.items() if c != "default")[1]
