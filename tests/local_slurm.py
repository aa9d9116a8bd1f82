"""A real single-node SLURM cluster for the SLURM profile tests: Debian's slurm-wlm and munge,
daemons started by hand (no systemd), no accounting storage (so the profile queries squeue).
Two partitions on the one node, as a GPU cluster has them: `cpu` (the default) and `gpu`, and the
node declares one GPU as a generic resource (counted by the scheduler, no device behind it), so
the GPU profile's requests are scheduled and can be read back from squeue.
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

DAEMONS = ("munged", "slurmctld", "slurmd")
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")   # srun inside a job reads this, whatever the submitter's env
SYSTEM_GRES = Path("/etc/slurm/gres.conf")     # slurmd reads gres.conf from beside the system slurm.conf


def missing() -> str | None:
    """Why a local cluster cannot start here, or None."""
    absent = [d for d in (*DAEMONS, "sbatch", "squeue") if shutil.which(d) is None]
    if absent:
        return f"{', '.join(absent)} not installed (Debian: apt-get install slurm-wlm munge)"
    if os.geteuid() != 0:
        return "starting slurmd and munged by hand needs root"
    for conf in (SYSTEM_CONF, SYSTEM_GRES):
        if conf.exists() and not conf.is_symlink():
            return f"{conf} exists: this machine has its own SLURM, which the test does not touch"
    return None


def _memory_mb() -> int:
    kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
    return max(1000, kb // 1024 - 2048)


def write_conf(root: Path, cpus: int | None = None) -> Path:
    host = socket.gethostname()
    cpus = cpus or os.cpu_count()
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
GresTypes=gpu
NodeName={host} CPUs={cpus} RealMemory={_memory_mb()} Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=ALL MaxTime=INFINITE State=UP
""")
    (root / "gres.conf").write_text("Name=gpu File=/dev/null\n")   # a placeholder device: counted, nothing behind it
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
