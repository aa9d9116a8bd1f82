"""The SLURM profile against a real single-node SLURM (slurm-wlm + munge started by the test).
Runs a representative part of the smoke DAG through sbatch: trainings and a timing job that takes
all cores (the correlation study and its figure, three more CPU jobs of the same kind as the data job
the GPU-profile test sends, were dropped for CI's time)."""
import subprocess
import time

import local_slurm
import pytest
from smoke import jobs_run, snakemake

from effbench.config import ROOT

pytestmark = pytest.mark.slow
WHY = local_slurm.missing()
# a one-node cluster answers at once: poll it every second, not at the profile's pace for a busy cluster
POLL = ["--seconds-between-status-checks", "1", "--slurm-init-seconds-before-status-checks", "1"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if WHY:
        pytest.skip(f"no local SLURM: {WHY}")
    root = tmp_path_factory.mktemp("slurm")
    env = local_slurm.start(root)
    yield env
    local_slurm.stop(root)


TARGETS = ["results/geometry/runs/uniform/ball/seed0/metrics.json",      # a training job
           "results/geometry/timing/mnist.csv"]                                # two more trainings -> a timing job


def test_smoke_geometry_jobs_through_slurm(cluster, tmp_path, monkeypatch):
    for key, value in cluster.items():
        monkeypatch.setenv(key, value)
    t0 = time.perf_counter()
    # --cores 2: the test node has 2 CPUs, so timing jobs (threads = all cores) ask for 2
    run = snakemake(tmp_path, "--profile", str(ROOT / "profiles" / "slurm"), *POLL, *TARGETS, cores=2)
    seconds = time.perf_counter() - t0
    assert run.returncode == 0, run.stderr[-4000:]
    out = run.stdout + run.stderr
    jobs = jobs_run(out)
    assert {"geometry_train", "geometry_timing"} <= set(jobs)
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
    run = snakemake(tmp_path, *targets, "--profile", "profiles/slurm-gpu", *POLL, "--config", f"compute={compute}",
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


# ---------------------------------------------------------------- the rehearsal's cluster side (issue 30)
PAPER = ROOT / "configs" / "paper.yaml"
GPU_PROFILE = ROOT / "profiles" / "slurm-gpu"


def _profile():
    import yaml

    return yaml.safe_load((GPU_PROFILE / "config.yaml").read_text())


def test_the_gpu_profile_keeps_going_retries_and_names_the_partitions_the_rehearsal_reads():
    """No SLURM needed: the profile, the partitions file, the paper config and the local cluster agree."""
    import yaml

    from effbench.config_sources import merged
    from effbench.plan.requests import minutes
    from effbench.plan.sbatch import partition_file

    prof = _profile()
    assert prof["keep-going"] is True and prof["retries"] >= 1          # a killed job is resubmitted and resumes
    for name in ("slurm", "slurm-gpu"):
        other = yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text())
        assert other["keep-going"] is True and other["retries"] == prof["retries"], name
    # the executor's partition file is the one the plan sizes requests against and the rehearsal submits with
    assert partition_file(prof, ROOT) == ROOT / merged([str(PAPER)])["compute"]["resources"]["partitions"]
    parts = yaml.safe_load(partition_file(prof, ROOT).read_text())
    assert {"partitions", "gpu_memory_gb"} <= set(parts)
    for name, p in parts["partitions"].items():
        assert minutes(p["max_runtime"]) > 0 and p["max_mem_mb"] > 0, name
    constraints = {c for p in parts["partitions"].values() for c in p.get("available_constraints") or []}
    assert set(parts["gpu_memory_gb"]) - {"default"} <= constraints     # every GPU size the plan asks for exists
    # the local cluster mirrors them: one line per partition with its MaxTime and memory
    lines = local_slurm.mirror()["partitions"]
    for name, p in parts["partitions"].items():
        line = next(line for line in lines if line.startswith(f"PartitionName={name} "))
        assert f"MaxTime={int(minutes(p['max_runtime']))}" in line and f"MaxMemPerNode={p['max_mem_mb']}" in line


def test_every_rule_the_plan_counts_on_to_resume_keeps_a_state_and_passes_it_to_training():
    """Jobs past their partition's MaxTime finish over retries only if they resume; the resume itself is
    tested in test_train.py (fit) and test_faults.py (synthetic_train killed under Snakemake)."""
    from effbench.plan import resume
    from effbench.plan.predict import RESUMABLE

    assert resume.unbacked(ROOT) == []
    assert "synthetic_train" in RESUMABLE                                 # the rule test_faults.py kills and reruns
    assert "vit_cost" not in RESUMABLE and resume.unbacked(ROOT, ("vit_cost",)) == [
        "vit_cost: counted on to resume but has no state_dir param: a requeued job starts over"]


@pytest.fixture(scope="module")
def paper_dag():
    from effbench.plan.check import dry_run

    return dry_run([str(PAPER)], GPU_PROFILE)


def test_sbatch_test_only_accepts_every_paper_job_and_names_one_past_maxtime(cluster, paper_dag, monkeypatch):
    """Every job of the paper DAG, as profiles/slurm-gpu's executor would submit it, passes
    `sbatch --test-only` against partitions like partitions.yaml; one asking past MaxTime, or past every
    partition's memory, is rejected by SLURM and named, and a CPU job sent to the GPU partition is named."""
    from effbench.plan.sbatch import partition_file, rejected, test_only

    for key, value in cluster.items():
        monkeypatch.setenv(key, value)
    jobs, prof = paper_dag
    rows = test_only(jobs, prof, partition_file(prof, ROOT), ROOT)
    assert rejected(rows) == []
    assert sum(r["jobs"] for r in rows) == len([j for j in jobs if j["rule"] != "all"])
    gpu = [r for r in rows if "--gpus=1" in r["argv"]]
    assert gpu and all(r["argv"][r["argv"].index("-p") + 1] == "gpu" for r in gpu)
    assert any("gpu80g" in r["argv"] for r in gpu)                      # the large-GPU constraint reaches sbatch

    cap = local_slurm.minutes(local_slurm.yaml.safe_load(local_slurm.PARTITIONS.read_text())["partitions"]["gpu"]["max_runtime"])
    cut = []
    for job in jobs:
        r, wc = dict(job["resources"]), job["wildcards"]
        if job["rule"] == "dense_train" and wc["dense_task"] == "qqp" and wc["seed"] == "42":
            r["runtime"] = str(cap + 1)
        if job["rule"] == "glue_data" and wc["glue_task"] == "MNLI":
            r["mem_mb"] = "200000"            # past the cpu partition's memory: the executor sends it to `gpu`
        if job["rule"] == "glue_data" and wc["glue_task"] == "QQP":
            r["mem_mb"] = "500000"            # past every partition's memory: SLURM rejects it
        cut.append({**job, "resources": r})
    bad = sorted(rejected(test_only(cut, prof, partition_file(prof, ROOT), ROOT)))
    assert len(bad) == 3, bad
    assert bad[0].startswith("dense_train dense_task=qqp,seed=42: sbatch --test-only rejected it:"), bad
    assert "time limit" in bad[0], bad
    assert bad[1].startswith("glue_data glue_task=MNLI: misplaced: a CPU-only job placed on GPU partition gpu"), bad
    assert bad[2].startswith("glue_data glue_task=QQP: sbatch --test-only rejected it:"), bad
