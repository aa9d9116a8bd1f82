"""The SLURM profiles against a real single-node SLURM (slurm-wlm + munge started by the test).
One run sends a representative part of the smoke DAG through sbatch with the GPU profile: a model job,
trainings and a data job of one thread, and a timing job that takes all cores (one run, not one per
profile: each run's start and each job's Snakemake start cost CI seconds; the CPU profile is planned
against the same cluster)."""
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


# one run through the GPU profile: a model job (the ViT training: `gpu` partition, --gpus=1), CPU jobs of
# one thread (the geometry trainings) and a timing job that takes every core
TARGETS = ["results/geometry/timing/mnist.csv", "results/vit/runs/dense/seed0/metrics.json"]


def test_smoke_jobs_through_the_gpu_profile_reach_their_partitions_with_their_threads(cluster, tmp_path, monkeypatch):
    """profiles/slurm-gpu with one GPU per model job: the ViT training is submitted to the `gpu` partition
    with --gpus=1; the geometry trainings and the timing job go to the `cpu` partition and ask for none, each with
    its rule's threads (1, or every core for the timing job). The local node's GPU is a placeholder, so the
    model job runs on its CPU (device auto). profiles/slurm (CPU only) differs only in its partition file:
    test_the_cpu_profile_plans_the_same_jobs reads it."""
    import re
    import shutil

    for key, value in cluster.items():
        monkeypatch.setenv(key, value)
    # the profile names its partition file relative to where snakemake runs (the repository root for users)
    shutil.copytree(ROOT / "profiles" / "slurm-gpu", tmp_path / "profiles" / "slurm-gpu")
    monkeypatch.chdir(tmp_path)
    compute = '{"device": "auto", "precision": "fp32", "timing_precision": "fp32", "compile_dense": true, "gpus_per_job": 1}'
    t0 = time.perf_counter()
    # --cores 2: the test node has 2 CPUs, so timing jobs (threads = all cores) ask for 2
    run = snakemake(tmp_path, *TARGETS, "--profile", "profiles/slurm-gpu", *POLL, "--config", f"compute={compute}",
                    "--default-resources", "mem_mb=1000", "runtime=30", "cpus_per_gpu=1", cores=2)
    seconds = time.perf_counter() - t0
    assert run.returncode == 0, run.stderr[-4000:]
    for target in TARGETS:
        assert (tmp_path / target).exists(), target
    run_id = re.search(r"SLURM run ID: (\S+)", run.stdout + run.stderr).group(1)
    fields = ["JobID", "Name:60", "Partition", "tres-per-job", "NumCPUs", "State", "Comment:80"]
    rows = subprocess.run(["squeue", "-h", "-t", "all", "-O", ",".join(fields)], capture_output=True, text=True).stdout
    ours = [r.split() for r in rows.splitlines() if run_id in r]
    assert len(ours) == len(jobs_run(run.stdout + run.stderr)), ours
    by_rule = {}
    for r in ours:
        by_rule.setdefault(re.match(r"rule_(\w+?)_wildcards", next(w for w in r if w.startswith("rule_"))).group(1), []).append(r)
    assert set(by_rule) == {"geometry_train", "geometry_timing", "vit_train"}, ours
    assert [r[2:4] for r in by_rule["vit_train"]] == [["gpu", "gres:gpu:1"]], ours                  # model job
    assert {tuple(r[2:5]) for r in by_rule["geometry_train"]} == {("cpu", "N/A", "1")}, ours
    assert [r[2:5] for r in by_rule["geometry_timing"]] == [["cpu", "N/A", "2"]], ours              # every core
    assert all(r[5] in ("COMPLETED", "COMPLETING") for r in ours), ours
    print(f"SLURM smoke part: {len(ours)} jobs in {seconds:.0f} s")


def test_the_cpu_profile_plans_the_same_jobs(cluster, tmp_path, monkeypatch):
    """profiles/slurm (one partition, no GPUs): the executor accepts the profile and plans the jobs the
    GPU profile's run submitted (a dry run: the submission path is the same executor's)."""
    for key, value in cluster.items():
        monkeypatch.setenv(key, value)
    run = snakemake(tmp_path, "-n", "--profile", str(ROOT / "profiles" / "slurm"), *POLL, *TARGETS, cores=2)
    assert run.returncode == 0, run.stderr[-4000:]
    assert {"geometry_train", "geometry_timing", "vit_train"} <= set(jobs_run(run.stdout + run.stderr))


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
def paper_dag(paper_dry_run):
    from effbench.plan.check import dry_run

    return dry_run([str(PAPER)], GPU_PROFILE, printed=paper_dry_run)


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
