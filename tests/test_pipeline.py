"""The smoke DAG end to end: every artefact, idempotence, one-figure rebuilds, bad input. The DAG is the
session's shared build (tests/conftest.py): .test/config.yaml as the tests trim it (tests/smoke.py:
dag_config), or whole with --full-dags; what the tests expect of a study follows the config it ran."""
import json

import pandas as pd
import pytest
import yaml
from smoke import SMOKE, snakemake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(smoke_build):
    return smoke_build


def test_every_artefact_is_built(built, smoke_config):
    from effbench.studies.synthetic.plan import MAIN_LABELS

    cfg = smoke_config["synthetic"]
    res = built / "results"
    for fig in ["loss_curves", "val_accuracy", "val_auc", "bar_accuracy", "bar_kept_tokens", "ablation",
                "roc_proposed", "reliability"]:
        for ext in ("png", "pdf"):
            assert (res / "synthetic" / "figures" / f"{fig}.{ext}").stat().st_size > 1000
    t2 = pd.read_csv(res / "synthetic" / "tables" / "table2.csv")
    assert set(t2["row"]) == {MAIN_LABELS.get(g, g) for g in cfg["gates"]} >= {"full", "attention_mass", "entropy_topk"}
    assert {"accuracy_ci_low", "accuracy_ci_high", "paper_accuracy", "verdict_accuracy", "speedup_x_b32"} <= set(t2)
    assert t2.loc[t2["row"] == "entropy_topk", "paper_accuracy"].item() == 0.551
    # paper 000's Wilson (accuracy) and DeLong (AUC) intervals beside the bootstrap ones
    assert ((t2["accuracy_wilson_low"] < t2["accuracy"]) & (t2["accuracy"] < t2["accuracy_wilson_high"])).all()
    assert ((t2["auc_delong_low"] < t2["auc"]) & (t2["auc"] < t2["auc_delong_high"]) & (t2["auc_delong_high"] < 1)).all()
    sig = pd.read_csv(res / "synthetic" / "significance.csv")
    assert len(sig) == 2 * len(smoke_config["stats"]["comparisons"]["synthetic"])
    assert {"p_value", "p_holm", "decision"} <= set(sig)
    claims = pd.read_csv(res / "claims.csv")
    assert claims.loc[claims["id"] == "egp-t2-ent-acc", "ours"].notna().item()
    kinds = claims["verdict"].str.extract(r"^(reproduced|differs|undecidable at this n|one measurement|stand-in|by design|formula|not comparable|withheld|failed|not measured|pending|not run)")[0]
    assert kinds.notna().all() and {"kind", "margin", "rounding", "margin_reason"} <= set(claims)
    # the validity stage ran on every study; at the smoke scale its failures are written, not fatal
    validity = json.loads((res / "validity.json").read_text())["metrics"]
    assert validity["scale"] == "smoke" and not validity["fails_run"] and len(validity["counts"]) >= 10
    assert claims.loc[claims["id"] == "adtp-t1-ad-tp6-sst-2-accuracy", "paper_value"].astype(str).item() == "92.0"
    for seed in cfg["seeds"]:
        assert (res / "synthetic" / "runs" / "entropy_topk" / f"seed{seed}" / "model.safetensors").exists()
    # the text gate on the MiniLM backbone, offline (Rotten Tomatoes from the pinned wheel)
    t3 = pd.read_csv(res / "text_gate" / "tables" / "table3.csv").set_index("row")
    assert {"dense", "entropy_topk_p0.75", "random_p0.75"} <= set(t3.index)
    assert t3.loc["dense", "gflops"] == pytest.approx(t3.loc["dense", "gflops_analytic"])
    assert 0.15 < t3.loc["entropy_topk_p0.75", "flops_reduction"] < 0.3          # about 21% for p=0.75 after block 1 of 6
    assert t3.loc["entropy_topk_p0.75", "paper_accuracy"] == 0.8268
    assert (res / "text_gate" / "figures" / "speed_vs_keep.png").stat().st_size > 1000
    stats = (built / "data" / "text" / "rotten_tomatoes" / "stats.json").read_text()
    assert '"size": 10246' in stats                                              # 12,808 labelled snippets, 80/10/10
    # EAT: frontier with every operating point, FLOPs checked against torch's counter in the cost job,
    # where batch-1 time goes, and the paired tests (the full smoke config adds the long-document task, spam)
    tasks = smoke_config["eat"]["tasks"]
    assert "rotten_tomatoes" in tasks
    for task in tasks:
        fr = pd.read_csv(res / "eat" / task / "tables" / "frontier.csv").set_index("row")
        assert {"dense", "shallow", "eat_tau0.8", "eat_tau0.9", "eat_no_exit", "eat_patience"} <= set(fr.index)
        assert fr["chosen"].sum() == 1
        assert fr.loc["dense", "avg_depth"] == 6 and fr.loc["shallow", "avg_depth"] == 4
        assert fr.loc["eat_no_exit", "gflops"] < fr.loc["dense", "gflops"]
        assert 4 <= fr.loc["eat_tau0.8", "avg_depth"] <= fr.loc["eat_tau0.9", "avg_depth"] <= 6
        for fig in ("frontier", "retention", "exits"):
            assert (res / "eat" / task / "figures" / f"{fig}.png").stat().st_size > 1000
        profile = json.loads((res / "eat" / "cost" / f"{task}.json").read_text())["metrics"]["profile_b1"]
        assert "dense" in profile and profile["dense"]["ops"][0]["share"] > 0
        assert len(pd.read_csv(res / "eat" / task / "significance.csv")) == 4
    fr = pd.read_csv(res / "eat" / "rotten_tomatoes" / "tables" / "frontier.csv").set_index("row")
    assert fr.loc["eat_tau0.8", "paper_speedup_vs_bert"] == 0.62                # the paper's SST-2 row beside ours
    ablation = pd.read_csv(res / "eat" / "rotten_tomatoes" / "tables" / "ablation.csv")
    assert {"eat", "eat_no_prune", "eat_no_window", "eat_no_exit", "eat_no_distill", "dense_continued"} <= set(ablation["variant"])
    # geometry: the tables, each row beside the paper's value; exact filters have zero hull error
    geo = res / "geometry"
    t2 = pd.read_csv(geo / "tables" / "table2.csv").set_index("row")
    assert t2.loc["Synthetic (High) / EntropyNet (Ours)", "paper_speedup"] == 4.14
    assert t2.loc["Synthetic (High) / Raw", "speedup"] == 1.0
    assert (t2.loc[t2["preprocess"] != "entropynet", "hull_error"] == 0).all()
    assert (t2.loc[t2["preprocess"] == "akl_toussaint", "points_out"] < t2.loc[t2["preprocess"] == "none", "points_out"].max()).all()
    for table in ("table15", "table16", "table17", "lambda_sweep", "table20", "table22", "table23", "break_even",
                  "within_run_correlation"):
        assert len(pd.read_csv(geo / "tables" / f"{table}.csv")) > 0, table
    assert pd.read_csv(geo / "tables" / "table23.csv")["paper_total_time_s"].notna().sum() == 4
    r2 = pd.read_csv(geo / "correlation" / "summary.csv")
    assert set(r2["surrogate"]) == {"anchor", "halfspace", "rectangle"} and r2["r_squared"].between(0, 1).all()
    assert claims.loc[claims["id"] == "der-t2-synthetic_high_entropynet_ours-speedup", "ours"].notna().item()
    # ViT: matched sparsity across methods, the paper's rows beside ours, both attention kernels timed
    t4 = pd.read_csv(res / "vit" / "tables" / "table4.csv").set_index("row")
    assert t4.loc["Entropy Reg. (ours)", "paper_mean_block_length"] == 12.7
    assert t4["mean_block_length"].notna().all() and t4["sparsity"].nunique() == 1
    t5 = pd.read_csv(res / "vit" / "tables" / "table5.csv").set_index("row")
    assert {"Dense Baseline", "SDPA dense (FlashAttention analogue)", "Entropy Reg. (Ours)", "SDPA + Ours"} <= set(t5.index)
    assert t5.loc["L1 Pruning", "keys_per_query"] == t5.loc["Entropy Reg. (Ours)", "keys_per_query"] < t5.loc["Dense Baseline", "keys_per_query"]
    rob = pd.read_csv(res / "vit" / "tables" / "robustness.csv").set_index("row")
    assert rob.loc["Standard [dense attention]", "mce"] == pytest.approx(100.0) and rob["iou"].between(0, 1).all()
    assert (res / "vit" / "figures" / "attention_patterns.png").stat().st_size > 1000
    # AD-TP: every method on one task, counted FLOPs, the retainer's paired tests, Table 5 and 6 analogues
    adtp = res / "adtp" / "rotten_tomatoes" / "tables"
    m = pd.read_csv(adtp / "methods.csv").set_index("method")
    assert {"dense", "shallow", "adtp", "adtp_static", "adtp_random_ratio", "attention_matched", "ig_matched",
            "residual_r0.4", "entropy_gate_entropy_topk_p0.75"} <= set(m.index)
    assert m.loc["dense", "flops_reduction_x"] == 1 and m.loc["adtp", "flops_reduction_x"] > 1
    assert m.loc["ig_matched", "flops_reduction_x_with_scoring"] < 1 < m.loc["ig_matched", "flops_reduction_x"]
    assert m.loc["adtp", "paper_accuracy"] == 92.0 and m.loc["adtp", "latency_b1_ms"] > 0
    ret = pd.read_csv(adtp / "retainer.csv").set_index("row")
    assert ret.loc["static", "rho"] == pytest.approx(ret.loc["adaptive", "rho"])      # matched budget
    assert {"adaptive_minus_delta_pp", "adaptive_minus_p_mcnemar"} <= set(ret)
    extras = smoke_config["adtp"]["tasks"]["rotten_tomatoes"]["extras"]      # the test DAG leaves two out
    if "ig_steps" in extras:
        assert pd.read_csv(adtp / "ig_steps.csv")["m"].tolist() == [1, 2]
    assert set(pd.read_csv(adtp / "consistency.csv")["row"]) == {"own_ig", "teacher_ig"}
    if "sensitivity" in extras:
        assert (res / "adtp" / "rotten_tomatoes" / "figures" / "sensitivity.png").stat().st_size > 1000
    assert len(pd.read_csv(res / "adtp" / "rotten_tomatoes" / "significance.csv")) == 4
    assert claims.loc[claims["id"] == "adtp-t4-adaptive-sst2-acc", "ours"].notna().item()
    # every rule left a log and a benchmark
    assert any((built / "benchmarks" / "synthetic").glob("train.*.tsv"))
    assert (built / "logs" / "claims.log").exists()


def test_the_report_renders_without_docutils_messages(built, smoke_configfile, tmp_path):
    """Snakemake's HTML report renders every caption and its own link targets through docutils, which
    prints a problem into the page instead of failing: a category named like Snakemake's own
    "Statistics" section, or a caption of a wildcard its rule lacks, left a "System Message" there."""
    html = tmp_path / "report.html"
    run = snakemake(built, "--report", str(html), configfile=smoke_configfile, cores=1)
    assert run.returncode == 0, run.stderr[-3000:]
    text = html.read_text()
    assert "System Message" not in text and "system-message" not in text


def test_second_run_does_nothing(built, smoke_configfile):
    run = snakemake(built, "-n", configfile=smoke_configfile)
    assert run.returncode == 0 and "Nothing to be done" in run.stdout + run.stderr


def test_one_figure_rebuilds_alone(built, smoke_configfile):
    target = built / "results" / "synthetic" / "figures" / "val_auc.png"
    target.unlink()
    run = snakemake(built, "results/synthetic/figures/val_auc.png", "-n", configfile=smoke_configfile)
    out = run.stdout + run.stderr
    assert "synthetic_figure" in out and "synthetic_train" not in out
    assert snakemake(built, "results/synthetic/figures/val_auc.png", configfile=smoke_configfile).returncode == 0
    assert target.exists()


def test_bad_config_fails_before_any_job(tmp_path):
    cfg = yaml.safe_load(SMOKE.read_text())
    cfg["synthetic"]["keep_ratio"] = 1.5
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(cfg))
    run = snakemake(tmp_path, configfile=bad)
    assert run.returncode != 0
    assert "synthetic.keep_ratio" in run.stderr + run.stdout
    assert not (tmp_path / "results").exists() and not (tmp_path / "data").exists()
    dup = tmp_path / "dup.yaml"                      # Snakemake's own loader keeps the last of two keys
    dup.write_text(SMOKE.read_text() + "threads: 2\n")
    run = snakemake(tmp_path, "-n", configfile=dup)
    assert run.returncode != 0 and "dup.yaml, line" in run.stderr + run.stdout
    assert "'threads' appears twice" in run.stderr + run.stdout
