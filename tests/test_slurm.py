"""The SLURM profile against a real single-node SLURM (slurm-wlm + munge started by the test).
Runs the smoke DAG's geometry study, 19 jobs from data to tables and figures, through sbatch."""
import subprocess
import time

import pytest

import local_slurm
from smoke import jobs_run, snakemake

from effbench.config import ROOT

pytestmark = pytest.mark.slow
WHY = local_slurm.missing()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if WHY:
        pytest.skip(f"no local SLURM: {WHY}")
    root = tmp_path_factory.mktemp("slurm")
    env = local_slurm.start(root)
    yield env
    local_slurm.stop(root)


def test_smoke_geometry_study_through_slurm(cluster, tmp_path, monkeypatch):
    for key, value in cluster.items():
        monkeypatch.setenv(key, value)
    t0 = time.perf_counter()
    run = snakemake(tmp_path, "--profile", str(ROOT / "profiles" / "slurm"), "geometry", cores=None, timeout=1500)
    seconds = time.perf_counter() - t0
    assert run.returncode == 0, run.stderr[-4000:]
    out = run.stdout + run.stderr
    jobs = jobs_run(out)
    assert "geometry_train" in jobs and "geometry_tables" in jobs
    assert "Submitted" in out and "SLURM" in out.upper()              # the jobs went through sbatch
    for table in ("table2", "table15", "table22", "table23"):
        assert (tmp_path / "results" / "geometry" / "tables" / f"{table}.csv").exists()
    assert (tmp_path / "results" / "geometry" / "figures" / "runtime.png").exists()
    accounting = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%T"], capture_output=True, text=True).stdout.split()
    assert accounting and set(accounting) <= {"COMPLETED", "COMPLETING"}
    print(f"SLURM smoke geometry: {len(jobs)} jobs in {seconds:.0f} s")
