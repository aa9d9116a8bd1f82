"""A real single-node SLURM cluster for the SLURM profile tests: Debian's slurm-wlm and munge,
daemons started by hand (no systemd), no accounting storage (so the profile queries squeue).
The partitions mirror profiles/slurm-gpu/partitions.yaml (names, MaxTime, MaxMemPerNode), all on the
one node, and EnforcePartLimits=ALL rejects a request beyond them at submission as most clusters do:
the rehearsal's `sbatch --test-only` (effbench/plan/sbatch.py) is judged by the limits the profile
states. The node declares itself as large as those partitions (config_overrides: CPUs, memory, the
GPUs as generic resources on placeholder devices, the GPU features), so what the profile may ask
for is schedulable; the SLURM tests' real jobs are small and run on the real, smaller machine.
Also usable by hand:  python tests/local_slurm.py start DIR  /  python tests/local_slurm.py stop DIR
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

DAEMONS = ("munged", "slurmctld", "slurmd")
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")   # srun inside a job reads this, whatever the submitter's env
SYSTEM_GRES = Path("/etc/slurm/gres.conf")     # slurmd reads gres.conf from beside the system slurm.conf
PARTITIONS = Path(__file__).resolve().parents[1] / "profiles" / "slurm-gpu" / "partitions.yaml"
# distinct character devices for the placeholder GPUs: slurmd counts one GPU per File
PLACEHOLDER_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/urandom", "/dev/random")


def missing() -> str | None:
    """Why a local cluster cannot start here, or None."""
    absent = [d for d in (*DAEMONS, "sbatch", "squeue") if shutil.which(d) is None]
    if absent:
        return f"{', '.join(absent)} not installed (Debian: apt-get install slurm-wlm munge)"
    if os.geteuid() != 0:
        return "starting slurmd and munged by hand needs root"
    # fixed ports and /etc/slurm links: a second local cluster (another test session on this machine)
    # would take over the first one's clients and jobs
    if subprocess.run(["pgrep", "-x", "slurmctld"], capture_output=True).returncode == 0:
        return "a slurmctld is already running here (another session's local cluster?)"
    for conf in (SYSTEM_CONF, SYSTEM_GRES):
        if conf.exists() and not conf.is_symlink():
            return f"{conf} exists: this machine has its own SLURM, which the test does not touch"
    return None


def _memory_mb() -> int:
    kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
    return max(1000, kb // 1024 - 2048)


def minutes(value) -> int:
    """partitions.yaml's max_runtime (minutes or D-HH:MM:SS) in SLURM's MaxTime minutes."""
    from effbench.plan.requests import minutes as parse

    return int(parse(value))


def mirror(partitions_file: Path = PARTITIONS) -> dict:
    """slurm.conf's partition lines and the node size that hold every request the partitions allow."""
    parts = yaml.safe_load(partitions_file.read_text())["partitions"]
    default = next((n for n, p in parts.items() if not p.get("max_gpu")), next(iter(parts)))
    lines = [f"PartitionName={name} Nodes=ALL{' Default=YES' if name == default else ''}"
             f" MaxTime={minutes(p['max_runtime']) if 'max_runtime' in p else 'INFINITE'}"
             + (f" MaxMemPerNode={int(p['max_mem_mb'])}" if "max_mem_mb" in p else "") + " State=UP"
             for name, p in parts.items()]
    gpus = max((int(p.get("max_gpu", 0)) for p in parts.values()), default=0)
    if gpus > len(PLACEHOLDER_DEVICES):
        raise ValueError(f"{partitions_file}: max_gpu {gpus} > the {len(PLACEHOLDER_DEVICES)} placeholder devices")
    return {"partitions": lines, "gpus": gpus,
            "mem_mb": max((int(p.get("max_mem_mb", 0)) for p in parts.values()), default=0),
            "cpus": max((int(p.get(k, 0)) for p in parts.values() for k in ("max_cpus_per_gpu", "max_threads")), default=0),
            "features": sorted({c for p in parts.values() for c in p.get("available_constraints") or []})}


def write_conf(root: Path, cpus: int | None = None, partitions_file: Path = PARTITIONS) -> Path:
    host = socket.gethostname()
    m = mirror(partitions_file)
    cpus = max(cpus or os.cpu_count(), m["cpus"])
    features = f" Features={','.join(m['features'])}" if m["features"] else ""
    gres = f" Gres=gpu:{m['gpus']}" if m["gpus"] else ""
    for d in ("state", "spool", "log"):
        (root / d).mkdir(parents=True, exist_ok=True)
    conf = root / "slurm.conf"
    conf.write_text(f"""ClusterName=effbench
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
SlurmctldPort=6917
SlurmdPort=6918
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
EnforcePartLimits=ALL
SlurmdParameters=config_overrides
GresTypes=gpu
NodeName={host} CPUs={cpus} RealMemory={max(_memory_mb(), m["mem_mb"])}{gres}{features} State=UNKNOWN
""" + "\n".join(m["partitions"]) + "\n")
    # placeholder devices: counted by the scheduler, nothing behind them
    (root / "gres.conf").write_text(f"Name=gpu File={','.join(PLACEHOLDER_DEVICES[:m['gpus']])}\n" if m["gpus"] else "")
    return conf


def start(root: Path, timeout: float = 60) -> dict:
    """Start munged, slurmctld and slurmd under `root`; return the environment clients need."""
    root = Path(root)
    conf = write_conf(root)
    SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
    for link, target in ((SYSTEM_CONF, conf), (SYSTEM_GRES, root / "gres.conf")):   # removed again by stop()
        if link.is_symlink():
            link.unlink()
        link.symlink_to(target)
    env = {**os.environ, "SLURM_CONF": str(conf)}
    Path("/run/munge").mkdir(parents=True, exist_ok=True)
    if subprocess.run(["pgrep", "-x", "munged"], capture_output=True).returncode != 0:
        subprocess.run(["munged", "--force"], check=True, capture_output=True)
    # -f (not only SLURM_CONF): slurmd then hands the config path to the jobs, whose srun needs it
    subprocess.run(["slurmctld", "-c", "-f", str(conf)], env=env, check=True, capture_output=True)
    subprocess.run(["slurmd", "-c", "-f", str(conf)], env=env, check=True, capture_output=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True).stdout
        if out.strip() in ("idle", "mix", "alloc"):
            return env
        time.sleep(1)
    raise RuntimeError(f"SLURM did not come up: sinfo says {out!r}; see {root}/log")


def stop(root: Path) -> None:
    for link in (SYSTEM_CONF, SYSTEM_GRES):
        if link.is_symlink():
            link.unlink()
    for name in ("slurmd", "slurmctld"):
        pid = Path(root) / f"{name}.pid"
        if pid.exists():
            try:
                os.kill(int(pid.read_text()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass


if __name__ == "__main__":
    action, where = sys.argv[1], Path(sys.argv[2]).resolve()
    if action == "start":
        start(where)
        print(f"export SLURM_CONF={where / 'slurm.conf'}")
    else:
        stop(where)
