"""The rehearsal's cluster side: every job's sbatch command line, built as the profile's SLURM executor
builds it, submitted with `sbatch --test-only` to the configured cluster (SLURM_CONF; tests start a
local one that mirrors profiles/slurm-gpu/partitions.yaml, tests/local_slurm.py).

    python -m effbench.plan --configfile configs/paper.yaml --check --sbatch-test-only

The command line comes from snakemake-executor-plugin-slurm's own functions (partition choice from the
profile's partition file, get_submit_command, set_gres_string), so what is tested is what the executor
would send, not a copy of it that can drift. SLURM then judges it against its partitions: MaxTime,
MaxMemPerNode, the nodes' CPUs, GRES and features (where EnforcePartLimits rejects at submission; a
cluster that only queues such a job leaves it pending for ever, which the rehearsal counts the same).

Jobs are grouped by rule and by everything that reaches sbatch (runtime, memory, GPUs, constraint,
CPUs): one submission per group keeps the paper DAG (~500 jobs) to a few dozen sbatch calls.
"""
from __future__ import annotations

import logging
import shlex
import subprocess
from pathlib import Path

# what the executor reads from a job's resources to build its command line
SBATCH_RESOURCES = ("runtime", "mem_mb", "mem_mb_per_cpu", "gpu", "gpu_model", "gres", "constraint", "qos",
                    "cpus_per_task", "cpus_per_gpu", "tasks", "nodes", "slurm_partition", "slurm_extra")


class _Resources(dict):
    """A job's resources as the executor reads them: .get() and attribute access; numbers as ints (the
    plugin rejects a cpus_per_gpu given as the dry run's string)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(name) from e


class _Job:
    def __init__(self, rule: str, wildcards: dict, resources: dict, threads: int):
        self.name, self.rule, self.wildcards, self.threads = rule, rule, wildcards, threads
        self.resources = _Resources({k: int(v) if str(v).lstrip("-").isdigit() else v
                                     for k, v in resources.items() if k in SBATCH_RESOURCES and v not in ("", "<TBD>")})


class _Settings:
    """The executor settings get_submit_command reads, from the profile's `slurm-*` keys."""

    def __init__(self, profile: dict):
        self.requeue = bool(profile.get("slurm-requeue", False))
        self.no_requeue = bool(profile.get("slurm-no-requeue", False))
        self.qos = profile.get("slurm-qos")
        self.reservation = profile.get("slurm-reservation")


def partition_file(profile: dict, root: Path) -> Path | None:
    """The partition file the executor reads: the profile's slurm-partition-config (relative to where
    snakemake runs), else $SNAKEMAKE_SLURM_PARTITIONS."""
    import os

    name = profile.get("slurm-partition-config") or os.environ.get("SNAKEMAKE_SLURM_PARTITIONS")
    return None if not name else Path(name) if Path(name).is_absolute() else root / name


def signature(job: dict) -> tuple:
    r = job["resources"]
    return (job["rule"], job.get("threads", 1), *(str(r.get(k, "")) for k in SBATCH_RESOURCES))


def command(job: dict, profile: dict, partition_file: Path | None, workdir: Path) -> list[str]:
    """The argv the SLURM executor would run to submit `job` (a dry-run job: rule, wildcards, resources,
    threads), with --test-only and a trivial script: SLURM answers whether and where it would run."""
    from snakemake_executor_plugin_slurm.partitions import get_best_partition, read_partition_file
    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    j = _Job(job["rule"], job["wildcards"], job["resources"], int(job.get("threads", 1)))
    partition = j.resources.get("slurm_partition")
    if not partition and partition_file:
        partition = get_best_partition(read_partition_file(partition_file), j, logging.getLogger("effbench.sbatch"))
    wc = "_".join(str(v) for v in job["wildcards"].values())
    params = {"run_uuid": "effbench-rehearsal", "slurm_logfile": "/dev/null",
              "comment_str": f"rule_{j.rule}" + (f"_wildcards_{wc}" if wc else ""),
              "account": "",                           # the profile sets slurm-no-account
              "partition": f"-p {shlex.quote(str(partition))}" if partition else "", "workdir": str(workdir)}
    call = get_submit_command(j, params, settings=_Settings(profile)) + set_gres_string(j)
    argv = shlex.split(call)
    return [argv[0], "--test-only", *argv[1:], "--wrap", "true"]


def test_only(jobs: list[dict], profile: dict, partition_file: Path | None, workdir: Path,
              env: dict | None = None, run=subprocess.run) -> list[dict]:
    """One row per group of jobs with the same sbatch line: {rule, wildcards (of its first job), jobs,
    argv, ok, answer (SLURM's words)}."""
    groups: dict[tuple, list[dict]] = {}
    for job in jobs:
        if job["rule"] != "all":
            groups.setdefault(signature(job), []).append(job)
    import yaml

    limits = yaml.safe_load(partition_file.read_text())["partitions"] if partition_file else {}
    rows = []
    for members in groups.values():
        argv = command(members[0], profile, partition_file, workdir)
        out = run(argv, capture_output=True, text=True, env=env)
        answer = " ".join((out.stdout + out.stderr).split())
        partition = argv[argv.index("-p") + 1] if "-p" in argv else None
        # the executor sends a CPU job whose memory or time no CPU partition allows to a GPU partition,
        # which accepts it: it runs, on a node whose GPUs it holds idle
        misplaced = (out.returncode == 0 and "--gpus" not in " ".join(argv)
                     and (limits.get(partition) or {}).get("max_gpu", 0) > 0)
        rows.append({"rule": members[0]["rule"], "wildcards": members[0]["wildcards"], "jobs": len(members),
                     "argv": argv, "partition": partition, "ok": out.returncode == 0 and not misplaced,
                     "answer": f"a CPU-only job placed on GPU partition {partition}: {answer}" if misplaced else answer})
    return rows


def rejected(rows: list[dict]) -> list[str]:
    """A line per submission SLURM rejects or the executor misplaces, naming the job (and how many more
    share its request)."""
    out = []
    for r in rows:
        if r["ok"]:
            continue
        more = f" (and {r['jobs'] - 1} more jobs with the same request)" if r["jobs"] > 1 else ""
        wc = ",".join(f"{k}={v}" for k, v in r["wildcards"].items())
        verdict = "misplaced" if r["answer"].startswith("a CPU-only job") else "sbatch --test-only rejected it"
        out.append(f"{r['rule']} {wc}{more}: {verdict}: {r['answer']} [{shlex.join(r['argv'])}]")
    return out
