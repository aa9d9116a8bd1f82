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
def test_the_paper_plan_covers_every_model_job_and_dwarfs_the_default_one():
    default, paper = merged(), merged([ROOT / "configs" / "paper.yaml"])
    small = estimate(default, [], default, None, 40.0, measure=lambda h, i: FIXED)
    big = estimate(paper, [str(ROOT / "configs" / "paper.yaml")], default, None, 40.0, measure=lambda h, i: FIXED)
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
