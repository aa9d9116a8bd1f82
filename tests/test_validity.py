"""The validity stage on artefacts shaped like a run's: every defect of the last full default run is
flagged by the right check, a clean run passes, the stage fails the run only at the default and
paper scales, the ledger withholds what a failed check guards, and pages show the checks."""
import json

import numpy as np
import pandas as pd
import pytest
from validity_fixture import EXPECTED, build, config

from effbench import claims as ledger
from effbench.pages import Reader
from effbench.stats.ratios import ratio_columns, ratio_interval
from effbench.validity import report, run_checks
from effbench.validity.core import Run
from effbench.validity.intervals import metric_range
from effbench.validity.stage import main


@pytest.fixture(scope="module")
def defective(tmp_path_factory):
    root = build(tmp_path_factory.mktemp("defects"), defects=True)
    return root, run_checks(root, config())


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = build(tmp_path_factory.mktemp("clean"), defects=False)
    return root, run_checks(root, config())


@pytest.mark.parametrize("check, artefact, subject, status", EXPECTED,
                         ids=[f"{c}:{a.split('/')[-2] if a else ''}:{s}" for c, a, s, _ in EXPECTED])
def test_each_defect_is_flagged(defective, check, artefact, subject, status):
    _, records = defective
    hits = [r for r in records if r["check"] == check and artefact in r["artefact"] and r["subject"] == subject]
    assert hits, f"{check} made no record on {artefact} / {subject}"
    assert {r["status"] for r in hits} == {status}, [r["message"] for r in hits]


def test_the_clean_run_passes(clean):
    _, records = clean
    assert not [r for r in records if r["status"] != "pass"], report.to_markdown(records, "default")
    assert {r["check"] for r in records} >= {c for c, *_ in EXPECTED}      # every check ran and passed


def test_degenerate_baselines_are_named_and_findings_do_not_fail(defective):
    _, records = defective
    shallow = next(r for r in records if r["check"] == "baseline_floor" and r["subject"] == "shallow"
                   and "adtp/spam" in r["artefact"])
    assert "degenerate: predicts class 1 for every example" in shallow["message"]
    at_rate = next(r for r in records if r["subject"] == "random_r0.4" and r["check"] == "baseline_floor"
                   and r["task"] == "spam")
    assert "degenerate: predicts one class" in at_rate["message"] and not at_rate["withhold"]
    collapsed = next(r for r in records if r["check"] == "ratio_predictor_varies" and r["subject"] == "adaptive")
    assert collapsed["withhold"] and "not adaptive:" in collapsed["message"]
    assert "0.6 for every sequence" in collapsed["message"]
    # the frontier's AD-TP row is that student too: withheld there with the same finding
    assert any(r["check"] == "ratio_predictor_varies" and r["subject"] == "adtp" and r["withhold"]
               and r["artefact"] == "results/frontier/rotten_tomatoes/frontier.csv" for r in records)
    # above the majority rate but below the table's bag-of-words row: a finding, not a pass (and not a failure)
    weak = next(r for r in records if r["check"] == "baseline_floor" and r["subject"] == "attention_r0.2"
                and r["task"] == "rotten_tomatoes")
    assert weak["status"] == "finding" and not weak["withhold"] and "below the bag of words'" in weak["message"]
    assert weak["numbers"]["accuracy"] < weak["numbers"]["bag_of_words"]


def test_a_control_explains_a_gain_as_a_finding(clean, tmp_path):
    """A student above dense where dense_continued reaches as far is a finding (training length), not a failure."""
    root = build(tmp_path, defects=False)
    path = root / "results/eat/rotten_tomatoes/tables/frontier.csv"
    frame = pd.read_csv(path)
    frame.loc[frame["row"] == "eat_tau0.8", ["accuracy", "accuracy_ci_low"]] = [0.83, 0.80]
    frame.loc[frame["row"] == "dense_continued", ["accuracy", "accuracy_ci_high"]] = [0.82, 0.86]
    frame["model"] = frame["row"] + "_no_preds"           # no saved predictions: the intervals decide
    frame.to_csv(path, index=False)
    records = run_checks(root, config())
    hit = next(r for r in records if r["check"] == "teacher_ceiling" and r["subject"] == "eat_tau0.8"
               and r["artefact"].endswith("eat/rotten_tomatoes/tables/frontier.csv"))
    assert hit["status"] == "finding" and "dense_continued reaches" in hit["message"]


def test_missing_contracts_fail_only_where_results_are_published(tmp_path):
    root = build(tmp_path, defects=False)
    (root / "results/dense/spam/floor.json").unlink()
    for scale, status in (("smoke", "not_applicable"), ("default", "fail"), ("paper", "fail")):
        records = run_checks(root, config(scale))
        hit = next(r for r in records if r["check"] == "bow_floor" and r["task"] == "spam")
        assert hit["status"] == status and "floor.json" in hit["message"]


def test_the_stage_fails_the_run_at_default_and_paper_scale_only(defective, tmp_path):
    root, _ = defective
    for scale, code in (("default", 1), ("paper", 1), ("smoke", 0)):
        out = tmp_path / scale
        log = (tmp_path / f"{scale}.log").open("w")
        assert main(root, config(scale), out / "validity.json", out / "validity.md", stream=log) == code
        log.close()
        doc = json.loads((out / "validity.json").read_text())["metrics"]
        assert doc["fails_run"] == bool(code) and "bow_floor" in doc["failed_checks"]
        text = (tmp_path / f"{scale}.log").read_text()
        assert ("validity: " in text and "bow_floor" in text) == bool(code)
        assert "## Failures" in (out / "validity.md").read_text()


def test_the_stage_passes_a_clean_run(clean, tmp_path):
    root, _ = clean
    assert main(root, config("default"), tmp_path / "v.json", tmp_path / "v.md", stream=(tmp_path / "log").open("w")) == 0


def test_the_ledger_withholds_a_verdict_whose_cell_failed_a_check(defective, tmp_path):
    root, records = defective
    spec = {"claims": [
        {"id": "t-adtp-spam", "paper": "001", "study": "adtp", "source": "Table 1", "row": "AD-TP", "metric": "accuracy",
         "paper_value": "92.0", "ours": {"artefact": "results/adtp/spam/tables/methods.csv", "row": "adtp",
                                       "column": "accuracy_pct", "key": "method"}},
        {"id": "t-adtp-rt", "paper": "001", "study": "adtp", "source": "Table 1", "row": "AD-TP", "metric": "accuracy x",
         "paper_value": "75.0", "ours": {"artefact": "results/adtp/rotten_tomatoes/tables/methods.csv", "row": "adtp",
                                       "column": "accuracy_pct", "key": "method"}},
        {"id": "t-retainer", "paper": "001", "study": "adtp", "source": "Table 4", "row": "adaptive", "metric": "accuracy",
         "paper_value": "75.0", "ours": {"artefact": "results/adtp/rotten_tomatoes/tables/retainer.csv", "row": "adaptive",
                                       "column": "accuracy_pct"}}]}
    (tmp_path / "ledger.yaml").write_text(json.dumps(spec))
    frame = ledger.render(ledger.load_ledger(tmp_path / "ledger.yaml"), root, "default", validity=records)
    verdicts = frame.set_index("id")["verdict"]
    assert verdicts["t-adtp-spam"].startswith("withheld: teacher_ceiling")
    assert verdicts["t-retainer"].startswith("withheld: ratio_predictor_varies")
    # rotten tomatoes' AD-TP row is the student at its collapsed ratio predictor's constant, and its methods
    # table rests on a dense model read differently on four pages: both named
    assert verdicts["t-adtp-rt"].startswith("withheld: ratio_predictor_varies, same_dense_score")
    assert "| withheld |" in ledger.to_markdown(frame)
    scored = ledger.render(ledger.load_ledger(tmp_path / "ledger.yaml"), root, "default")
    assert not scored["verdict"].str.startswith("withheld").any()


def test_pages_show_the_checks_beside_the_table(defective, tmp_path):
    root, records = defective
    (root / "results/validity.json").write_text(json.dumps({"metrics": report.to_json(records, "default")}))
    text = Reader(root, tmp_path).checks("results/adtp/spam/tables/methods.csv")
    assert "teacher_ceiling" in text and "degenerate: predicts one class" in text and "| fail |" in text
    assert "no validity check guards" in Reader(root, tmp_path).checks("results/nothing.csv")
    # a record shown beside one table is named, not repeated, beside the next table it guards on that page
    page = Reader(root, tmp_path)
    first, again = (page.checks("results/adtp/spam/tables/methods.csv") for _ in range(2))
    assert "| fail |" in first and "| fail |" not in again and "teacher_ceiling" in again and "shown above" in again


def test_metric_ranges_follow_units():
    assert metric_range("accuracy") == (0, 1) and metric_range("accuracy_pct") == (0, 100)
    assert metric_range("top_1_acc") == (0, 100) and metric_range("delta") == (-1, 1)
    assert metric_range("vs_dense_delta_pp") == (-100, 100) and metric_range("hull_error")[0] == 0
    assert metric_range("speedup_vs_raw")[0] == 0 and metric_range("mean_block_length") is None


def test_no_torch_in_the_stage():
    import subprocess
    import sys

    code = "import sys, effbench.validity, effbench.validity.stage; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_run_reads_a_missing_artefact_as_none(tmp_path):
    run = Run(tmp_path, config())
    assert run.csv("results/x.csv") is None and run.json("x.json") is None and run.npz("x.npz") is None


@pytest.mark.parametrize("bow_noise, status", [(2.0, "pass"), (0.1, "fail")])
def test_a_regression_task_is_held_to_its_bag_of_words_correlation(tmp_path, bow_noise, status):
    """STS-B (paper scale): the floor is a correlation; no majority class for the baselines to clear."""
    import numpy as np
    from validity_fixture import _write

    rng = np.random.default_rng(0)
    y = rng.uniform(0, 5, 300)
    _write(tmp_path, "results/dense/spam/floor.json", {"n_test": 300, "majority_value": 2.5, "bow": {"pearson": 0.5}})
    _write(tmp_path, "results/dense/spam/floor_preds.npz",
           {"labels": y, "bow_probs": y + rng.normal(0, bow_noise, 300), "majority_probs": np.full(300, 2.5)})
    _write(tmp_path, "results/adtp/runs/spam/dense/seed42/preds.npz",
           {"ids": np.arange(300), "labels": y, "probs": y + rng.normal(0, 1.0, 300)})
    _write(tmp_path, "results/adtp/spam/tables/methods.csv",
           pd.DataFrame([{"method": "dense", "accuracy_pct": float("nan"), "pearson_pct": 80.0}]))
    records = [r for r in run_checks(tmp_path, config("paper")) if r["task"] == "spam"]
    by = {r["check"]: r for r in records if r["check"] in ("majority_floor", "bow_floor", "baseline_floor")}
    assert by["majority_floor"]["status"] == "pass" and by["bow_floor"]["status"] == status
    assert by["baseline_floor"]["status"] == "not_applicable"


def test_a_mean_over_seeds_is_compared_by_its_shared_seed(tmp_path):
    """The text gate's dense row averages two seeds; the other pages show seed 42: compared on seed 42."""
    root = build(tmp_path, defects=False)
    path = root / "results/text_gate/tables/table3.csv"
    frame = pd.read_csv(path)
    frame.loc[frame["row"] == "dense", "accuracy"] = 0.781           # the two-seed mean, seed 43 better
    frame.to_csv(path, index=False)
    hit = [r for r in run_checks(root, config()) if r["check"] == "same_dense_score" and r["task"] == "rotten_tomatoes"]
    assert [r["status"] for r in hit] == ["pass"]


def test_a_bootstrap_over_examples_that_all_agree_is_an_exact_interval():
    """The shallow model has half the FLOPs on every test example: stats.ratios' bootstrap over them
    gives [2, 2], exact, not one value dressed as an interval (run of commit eb671e4 failed on it);
    the same width over one example or an unstated method still fails. The count is the table's
    `<metric>_ci_n` (stats.ratios.ratio_columns), never parsed from the method's prose."""
    from effbench.validity.intervals import _from_one_value

    half = ratio_interval(np.full(1281, 2.0), np.full(1281, 1.0), statistic="mean", unit="test examples")
    row = ratio_columns("flops_reduction_x", half)
    assert (row["flops_reduction_x_ci_low"], row["flops_reduction_x_ci_high"]) == (2.0, 2.0)
    assert (row["flops_reduction_x_ci_n"], row["flops_reduction_x_ci_unit"]) == (1281, "test examples")
    methods_csv = "results/adtp/rotten_tomatoes/tables/methods.csv"
    method = row["flops_reduction_x_ci_method"]
    assert not _from_one_value(row, "flops_reduction_x", methods_csv, None, method)
    assert _from_one_value({**row, "flops_reduction_x_ci_n": 1}, "flops_reduction_x", methods_csv, None, method)
    assert _from_one_value({}, "flops_reduction_x", methods_csv, None, "unknown")
    # a table written before `_ci_n`: stats.ratios never writes an interval over fewer than MIN_REPEATS values
    assert not _from_one_value({}, "flops_reduction_x", methods_csv, None, method)


# 455 of 500 against 447: significant only when paired (the ViT gets right every image the regression does)
@pytest.mark.parametrize("vit_right, expect", [(470, "significantly above"), (455, "significantly above"),
                                               (449, "not significantly above")])
def test_the_pixel_floor_says_whether_the_vit_is_significantly_above_it(tmp_path, vit_right, expect):
    """The referee's point: 0.898 against 0.894 passes on its point estimate alone. The check pairs the
    dense ViT's per-image correctness with the regression's on the same test images and says which."""
    from effbench.validity import pixels

    root = build(tmp_path, defects=False)
    rng = np.random.default_rng(0)
    floor = np.zeros(500, int)
    floor[rng.choice(500, 447, replace=False)] = 1                  # the regression: 0.894
    for seed in range(3):
        correct = floor.astype(bool).copy()
        extra = np.flatnonzero(~correct)[: vit_right - 447]       # the ViT gets these right too
        correct[extra] = True
        np.savez(root / f"results/vit/runs/dense/seed{seed}/per_example.npz", **{"correct|none|0": correct})
        pd.DataFrame([{"variant": "dense", "seed": seed, "selector": "none", "sparsity": 0,
                       "accuracy": correct.mean()}]).to_csv(root / f"results/vit/runs/dense/seed{seed}/eval.csv",
                                                             index=False)
    (root / "results/vit/pixel_floor.json").write_text(json.dumps(
        {"accuracy": floor.mean(), "test_correct": floor.tolist(), "C": 0.1, "val_accuracy": 0.9, "n_test": 500}))
    [rec] = pixels.check(Run(root, config()))
    assert rec["status"] == ("pass" if expect == "significantly above" else "finding") and f"; {expect} it" in rec["message"]
    assert not rec["withhold"]
    assert (rec["numbers"]["lower_one_sided"] > 0) == (expect == "significantly above")
    assert rec["numbers"]["lower_one_sided"] <= rec["numbers"]["delta"]


def test_runs_of_one_task_trained_in_two_precisions_fail(tmp_path):
    """The dense model in fp32 beside a method in bf16 (a job rerun on a CPU without native bf16, a
    config changed between runs): the rows' differences would be partly precision."""
    from effbench.validity import precision

    root = build(tmp_path, defects=False)
    cfg = config()
    for task in ("rotten_tomatoes", "spam"):
        for d in [root / f"results/dense/{task}/seed{s}" for s in (42, 43)] + list((root / f"results/eat/runs/{task}").glob("*/seed*")):
            if d.is_dir():
                (d / "metrics.json").write_text(json.dumps({"provenance": {"compute": {"precision": "bf16"}}}))
                (d / "history.json").write_text(json.dumps({"history": []}))
    ok = {r["task"]: r for r in precision.check(Run(root, cfg))}
    assert ok and all(r["status"] == "pass" and "bf16" in r["message"] for r in ok.values())
    eat_run = next((root / "results/eat/runs/spam").glob("*/seed*"))
    (eat_run / "metrics.json").write_text(json.dumps({"provenance": {"compute": {"precision": "fp32"}}}))
    evaluated = root / "results/eat/runs/spam/evaluated_only/seed42"       # no history.json: not a training
    evaluated.mkdir(parents=True)
    (evaluated / "metrics.json").write_text(json.dumps({"provenance": {}}))
    spam = next(r for r in precision.check(Run(root, cfg)) if r["task"] == "spam")
    assert spam["status"] == "fail" and "fp32: 1" in spam["message"] and "not recorded" not in spam["message"]

    # the pages quote the check's records, not a walk of their own: one precision, or the runs that differ
    def said(records):
        (root / "results/validity.json").write_text(json.dumps({"metrics": report.to_json(records, "default")}))
        return Reader(root, tmp_path).trained_in()

    assert said(list(ok.values())).startswith("bf16 autocast (fp32 weights; bf16 matmuls in the training steps) for "
                                              "every text run (validity check `same_precision`: "
                                              f"{ok['rotten_tomatoes']['numbers']['runs']} trained runs on rotten_tomatoes")
    assert said([spam]).startswith("runs differ: spam: the runs of one task trained in different precisions")
    assert said([]) == "not recorded (no text run yet)"


@pytest.mark.parametrize("share, status", [(0.9977, "finding"), (0.95, "pass")])
def test_a_predictor_that_gives_nearly_every_sequence_one_ratio_is_not_adaptive(tmp_path, share, status):
    """Run 16's retrained ratio predictor gave 3 of 1,281 sequences another ratio (2 distinct, sd 0.010):
    a constant with noise. At least 1% of the sequences off the most common ratio counts as varying."""
    from effbench.validity import adaptive

    root = build(tmp_path, defects=False)
    path = root / "results/adtp/rotten_tomatoes/tables/arp.csv"
    frame = pd.read_csv(path)
    frame["most_common_ratio_share"] = np.where(frame["row"] == "adtp_arp_all", share, 0.5)
    frame.loc[frame["row"] == "adtp_arp_all", ["distinct_ratios", "rho_sd"]] = [2, 0.0097]
    frame.to_csv(path, index=False)
    rec = next(r for r in adaptive.check(Run(root, config())) if r["subject"] == "adtp_arp_all")
    assert rec["status"] == status
    if status == "finding":
        assert "99.77% of the sequences one ratio" in rec["message"] and rec["withhold"]
