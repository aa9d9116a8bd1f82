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


TARGETS = ["results/geometry/figures/correlation.png",    # correlation and collapse jobs -> their figure job
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
    assert {"geometry_train", "geometry_correlation", "geometry_analysis_figure", "geometry_timing"} <= set(jobs)
    for target in TARGETS:
        assert (tmp_path / target).exists(), target
    states = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%T %C"], capture_output=True, text=True).stdout.split("\n")
    states = [s.split() for s in states if s.strip()]
    assert len(states) == len(jobs) and all(state in ("COMPLETED", "COMPLETING") for state, _ in states), states
    assert {cpus for _, cpus in states} == {"1", "2"}         # per-rule threads reached sbatch
    print(f"SLURM smoke geometry part: {len(jobs)} jobs in {seconds:.0f} s")


def test_gpu_profile_sends_model_jobs_to_the_gpu_partition_with_a_gpu_request(cluster, tmp_path, monkeypatch):
    """profiles/slurm-gpu with one GPU per model job: the ViT training (a model job) is submitted to the
    `gpu` partition with --gpus=1; a data job goes to the `cpu` partition and asks for none. The local
    node's GPU is a placeholder, so the model job runs on its CPU (device auto)."""
    import re
    import shutil

    for key, value in cluster.items():
        monkeypatch.setenv(key, value)
    # the profile names its partition file relative to where snakemake runs (the repository root for users)
    shutil.copytree(ROOT / "profiles" / "slurm-gpu", tmp_path / "profiles" / "slurm-gpu")
    monkeypatch.chdir(tmp_path)
    compute = '{"device": "auto", "precision": "fp32", "timing_precision": "fp32", "compile_dense": true, "gpus_per_job": 1}'
    targets = ["results/vit/runs/dense/seed0/metrics.json", "data/generated/synthetic/base.npz"]
    run = snakemake(tmp_path, *targets, "--profile", "profiles/slurm-gpu", "--config", f"compute={compute}",
                    "--default-resources", "mem_mb=1000", "runtime=30", "cpus_per_gpu=1", cores=2)
    assert run.returncode == 0, run.stderr[-4000:]
    run_id = re.search(r"SLURM run ID: (\S+)", run.stdout + run.stderr).group(1)
    fields = ["JobID", "Name:60", "Partition", "tres-per-job", "NumCPUs", "State", "Comment:80"]
    rows = subprocess.run(["squeue", "-h", "-t", "all", "-O", ",".join(fields)], capture_output=True, text=True).stdout
    ours = [r.split() for r in rows.splitlines() if run_id in r]
    by_rule = {next(w for w in r if w.startswith("rule_")): r for r in ours}
    assert set(by_rule) == {"rule_vit_train_wildcards_dense_0", "rule_synthetic_data_wildcards_base"}, ours
    assert by_rule["rule_vit_train_wildcards_dense_0"][2:4] == ["gpu", "gres:gpu:1"], ours        # model job
    assert by_rule["rule_synthetic_data_wildcards_base"][2:4] == ["cpu", "N/A"], ours             # data job
    assert all(r[5] in ("COMPLETED", "COMPLETING") for r in ours), ours
