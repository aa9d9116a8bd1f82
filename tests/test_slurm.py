"""The SLURM profile against a real single-node SLURM (slurm-wlm + munge started by the test).
Runs a representative part of the smoke DAG through sbatch: trainings, a timing job that takes
all cores, the correlation study and a figure."""
import subprocess
import time

import local_slurm
import pytest
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


TARGETS = ["results/geometry/figures/correlation.png",                      # correlation job -> figure job
           "results/geometry/runs/uniform/ball/seed0/metrics.json",      # a training job
           "results/geometry/timing/mnist.csv"]                                # two more trainings -> a timing job


def test_smoke_geometry_jobs_through_slurm(cluster, tmp_path, monkeypatch):
    for key, value in cluster.items():
        monkeypatch.setenv(key, value)
    t0 = time.perf_counter()
    # --cores 2: the test node has 2 CPUs, so timing jobs (threads = all cores) ask for 2
    run = snakemake(tmp_path, "--profile", str(ROOT / "profiles" / "slurm"), *TARGETS, cores=2)
    seconds = time.perf_counter() - t0
    assert run.returncode == 0, run.stderr[-4000:]
    out = run.stdout + run.stderr
    jobs = jobs_run(out)
    assert {"geometry_train", "geometry_correlation", "geometry_figure", "geometry_timing"} <= set(jobs)
    for target in TARGETS:
        assert (tmp_path / target).exists(), target
    states = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%T %C"], capture_output=True, text=True).stdout.split("\n")
    states = [s.split() for s in states if s.strip()]
    assert len(states) == len(jobs) and all(state in ("COMPLETED", "COMPLETING") for state, _ in states), states
    assert {cpus for _, cpus in states} == {"1", "2"}         # per-rule threads reached sbatch
    print(f"SLURM smoke geometry part: {len(jobs)} jobs in {seconds:.0f} s")
