"""The run plan: jobs from Snakemake's dry run, example passes from the config, hours from rates."""
import pytest

from effbench.config import ROOT
from effbench.config_sources import merged
from effbench.plan import estimate, render
from effbench.plan.work import backbone_flops, task_facts, text_work, vit_work

FIXED = {"forward": 0.01, "train": 0.03}          # s per GFLOP: a stand-in for the micro-benchmark


def test_a_hub_task_without_data_uses_its_published_sizes_and_max_length_as_a_bound():
    facts = task_facts({"source": "glue", "glue_task": "SST-2", "train_subset": 0, "eval_subset": 500}, 128, roots=())
    assert facts["sizes"] == {"train": 67_349, "validation": 500, "test": 872}
    assert facts["tokens"] == 128 and facts["upper_bound"]


def test_the_dense_fine_tune_is_at_most_its_training_examples_times_max_epochs():
    config = merged([ROOT / "configs" / "paper.yaml"])
    work = text_work(config, "dense_train", {"dense_task": "mrpc", "seed": "42"}, roots=())
    epochs = config["dense"]["train"]["max_epochs"]
    assert work["examples"] == 3_668 * epochs and work["train_steps"] == 3_668 * epochs
    assert work["backbone"] == "bert-base-uncased" and work["tokens"] == 128
    # bert-base at 128 tokens: 12 blocks of 2t(4h^2 + 2hi) + 4t^2 h, and the 2-class head
    h, i, t = 768, 3072, 128
    assert backbone_flops("bert-base-uncased", 128) == 12 * (2 * t * (4 * h * h + 2 * h * i) + 4 * t * t * h) + 2 * h * 2


def test_a_vit_small_training_on_cifar100_is_its_epochs_of_images_at_bert_block_flops():
    config = merged([ROOT / "configs" / "paper.yaml"])
    work = vit_work(config, "vit_train", {"vit_variant": "entropy", "seed": "0"})
    v = config["vit"]
    assert work["train_steps"] == (50_000 - v["data"]["validation"]) * v["train"]["epochs"]
    assert work["tokens"] == 65 and work["backbone"] == "vit:12/384/1536"        # 8 x 8 patches + [CLS]
    assert 2.5e9 < backbone_flops(work["backbone"], 65) < 3.0e9                    # ViT-Small at 65 tokens: ~1.4 GMACs
    assert vit_work(merged(), "vit_train", {"vit_variant": "entropy", "seed": "0"}) is None   # MNIST: benchmarks


@pytest.mark.slow
def test_the_paper_plan_covers_every_model_job_and_dwarfs_the_default_one(paper_dry_run):
    default, paper = merged(), merged([ROOT / "configs" / "paper.yaml"])
    small = estimate(default, [], default, None, 40.0, measure=lambda h, i: FIXED)
    big = estimate(paper, [str(ROOT / "configs" / "paper.yaml")], default, None, 40.0, measure=lambda h, i: FIXED,
                   printed=paper_dry_run)
    # paper scale: every task's sizes are published, so every model job is estimated
    model_rows = {rule: r for (study, rule), r in big["rows"].items() if r["examples"]}
    assert {"dense_train", "eat_train", "adtp_train", "adtp_teacher_cache", "frontier_cost", "text_gate_cost",
            "vit_train"} <= set(model_rows)
    assert all(r["cpu_s"] > 0 and r["gpu_s"] > 0 for r in model_rows.values())
    # text tasks at max_length (no GLUE here) are bounds; CIFAR's 65 tokens are exact
    assert all(r["upper_bound"] for rule, r in model_rows.items() if rule != "vit_train")
    assert not model_rows["vit_train"]["upper_bound"]
    # default scale on a fresh clone: the offline corpora are not prepared yet, and the plan says so
    unprepared = [r for r in small["rows"].values() if not r["estimated"] and "not prepared" in r["basis"]]
    assert all(r["examples"] for r in small["rows"].values() if r["estimated"] and r["gpu_s"])
    assert unprepared or small["rows"][("dense", "dense_train")]["cpu_s"] > 0     # or the data is here
    assert big["rows"][("dense", "dense_train")]["cpu_s"] > 100 * small["rows"][("dense", "dense_train")]["cpu_s"]
    assert big["n_jobs"] > small["n_jobs"]
    page = render(big, "paper")
    assert "assumed 40 TFLOP/s" in page and "| **all** |" in page and "≤" in page


# ---------------------------------------------------------------- the rehearsal (plan/check.py)
PAPER = ROOT / "configs" / "paper.yaml"


@pytest.fixture(scope="module")
def paper_jobs(paper_dry_run):
    from effbench.plan.check import dry_run

    return dry_run([str(PAPER)], ROOT / "profiles" / "slurm-gpu", printed=paper_dry_run)


def _rehearse(jobs, prof):
    from effbench.plan.check import check, failures

    return check(merged([PAPER]), jobs, prof), failures


def test_the_paper_scale_fits_every_request_and_partition(paper_jobs):
    jobs, prof = paper_jobs
    rows, failures = _rehearse(jobs, prof)
    assert prof["keep-going"] is True and prof["retries"] >= 1
    # every model job's GPU peak and time are predicted; the fine-grained AD-TP training asks for a large GPU
    model = [r for r in rows if r["predicted"]["needs_gpu"] and r["rule"] not in ("vit_profile", "vit_figure", "vit_cost")]
    assert all(r["predicted"]["gpu_bytes"] and r["predicted"]["seconds"] for r in model)
    assert any(r["constraint"] == "gpu80g" for r in rows if r["rule"] == "adtp_train")
    timing = [r for r in rows if r["rule"] == "geometry_timing"]
    assert all(r["runtime"] > 60 and r["runtime"] * 60 >= r["predicted"]["seconds"] for r in timing)
    # vit_profile and vit_figure load the GPU-trained ViTs and ask for its GPU: no job fails
    assert failures(rows) == []


def test_the_rehearsal_names_each_job_whose_request_is_cut_below_its_prediction(paper_jobs):
    jobs, prof = paper_jobs
    cut = []
    for job in jobs:
        r = dict(job["resources"])
        if job["rule"] == "dense_train" and job["wildcards"]["dense_task"] == "qqp":
            r["runtime"] = "30"                                   # hours of QQP in half an hour
        if job["rule"] == "vit_train" and job["wildcards"]["vit_variant"] == "dense" and job["wildcards"]["seed"] == "0":
            r["mem_mb"] = "1000"                                  # below the process with CIFAR-100 in memory
        if job["rule"] == "adtp_train" and r.get("constraint"):
            r.pop("constraint")                                   # a 77 GB peak on a 40 GB GPU
        if job["rule"] == "geometry_timing":
            r["runtime"] = "60"                                   # the default scale's request, not resumable
        cut.append({**job, "resources": r})
    rows, failures = _rehearse(cut, prof)
    bad = "\n".join(failures(rows))
    assert "dense_train dense_task=qqp,seed=42: predicted" in bad and "runtime 30 min" in bad
    assert "vit_train vit_variant=dense,seed=0: host memory" in bad
    assert "adtp_train" in bad and "GB > 40 GB GPU (no constraint)" in bad
    assert "geometry_timing geo_family=uniform: predicted" in bad and "cannot resume" in bad


def test_a_model_job_without_a_gpu_fails_where_the_config_runs_fp16():
    from effbench.plan.check import check

    config = merged([PAPER])
    job = {"rule": "vit_profile", "wildcards": {}, "resources": {"mem_mb": "2000", "runtime": "10"}}
    rows = check(config, [job], {}, predict_fn=lambda c, r, w: {"needs_gpu": True, "host_bytes": 1e9, "gpu_bytes": None,
                                                                "seconds": None, "resumable": False})
    assert rows[0]["problems"] == ["loads a model in fp16 (compute) but asks for no GPU: fp16 on a CPU node fails"]
    with_gpu = {**job, "resources": {**job["resources"], "gpu": "1"}}
    assert check(config, [with_gpu], {}, predict_fn=lambda c, r, w: rows[0]["predicted"])[0]["problems"] == []
