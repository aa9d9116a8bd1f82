"""The ledger says what kind of evidence each row is, tests equivalence with TOST, and counts one
measurement once (issue 29)."""
import math

import pandas as pd
import pytest
import yaml
from ledger_fixture import NOT_REPRODUCTIONS, RUN8, write_artefacts

from effbench.claims import load_ledger, pointer, render, to_markdown
from effbench.config import ROOT
from effbench.ledger.evidence import kind_of, scale_config
from effbench.stats.equivalence import ci90, verdict, verdict_kind


@pytest.fixture(scope="module")
def ledger():
    return {c["id"]: c for c in load_ledger(ROOT / "claims")}


@pytest.fixture(scope="module")
def configs():
    return {s: scale_config(s) for s in ("default", "paper")}


def test_tost_uses_the_90_percent_interval_and_the_largest_margin():
    # 95% CI [0.90, 0.94] around 0.92 -> 90% CI 0.92 +/- 0.0168: inside 0.91 +/- 0.03 (the spread), not inside +/- 0.01
    assert ci90(0.92, 0.90, 0.94) == pytest.approx((0.92 - 0.0168, 0.92 + 0.0168), abs=1e-4)
    assert verdict(0.91, 0.92, 0.90, 0.94, margin=0.01, spread=0.03).startswith("reproduced (TOST")
    text = verdict(0.91, 0.918, 0.898, 0.938, margin=0.01, rounding=0.0005)      # 90% CI [0.9012, 0.9348]
    assert text.startswith("undecidable at this n") and "smallest margin it passes is +/- 0.0248" in text
    assert "about 70.4x the seeds/examples would decide it" in text         # (0.0168 / 0.002)^2
    assert verdict(0.5, 0.60, 0.53, 0.65, margin=0.01).startswith("differs: ours above (our 90% CI")
    # SST-2 dev at 0.91 (872 examples, 95% half-width 1.9 pp) passes a 2 pp printed spread; 1 pp alone cannot decide it
    assert verdict(91.0, 91.0, 89.1, 92.9, margin=1.0, spread=2.0).startswith("reproduced")
    assert verdict(91.0, 91.0, 89.1, 92.9, margin=1.0).startswith("undecidable")


def test_ratios_are_compared_on_the_log_scale_and_ranges_stay_ranges():
    # 4.14x x/ 1.1 = [3.764, 4.554]; 4.5 with CI [4.45, 4.55] reproduces, 4.6 does not
    assert verdict(4.14, 4.5, 4.45, 4.55, margin=0.1, log=True).startswith("reproduced")
    assert verdict(4.14, 4.8, 4.7, 4.9, margin=0.1, log=True).startswith("differs: ours above")
    # "4-5x": 4.8x lies in the printed range
    assert verdict(4.0, 4.8, 4.7, 4.9, margin=0.1, log=True, paper_high=5.0).startswith("reproduced")
    # x/ 1.1 is symmetric in ratio: 2/1.1 and 2*1.1 are the edges
    assert "region [1.818, 2.2]" in verdict(2.0, 2.0, margin=0.1, log=True)


def test_a_single_value_is_one_measurement_never_a_zero_width_ci():
    for args in ((1.72,), (1.72, 1.72, 1.72), (1.72, float("nan"), float("nan"))):
        text = verdict(1.5, *args, margin=0.375)
        assert verdict_kind(text) == "one measurement, no interval" and "not scored" in text
    assert verdict(64.0, 64.0, 64.0, 64.0, margin=1.28, point_basis="deterministic count").startswith("reproduced")


def test_intervals_are_clipped_to_the_metric_range():
    text = verdict(0.99, 0.995, 0.98, 1.02, margin=0.01, bounds=(0.0, 1.0))
    assert "our 90% CI [0.9824, 1]" in text and text.startswith("reproduced")


def test_the_evidence_kind_is_derived_per_scale(ledger, configs):
    def kind(cid, scale):
        c = ledger[cid]
        return kind_of(c, scale, pointer(c, scale), configs[scale])

    assert kind("egp-t3-dense-acc", "default") == ("stand-in", "Rotten Tomatoes for SST-2, MiniLM-L6 for DistilBERT")
    assert kind("egp-t3-dense-acc", "paper")[0] == "measured"
    assert kind("adtp-t1-ad-tp6-sst-2-accuracy", "default")[1] == "Rotten Tomatoes for SST-2, MiniLM-L6 for BERT-base"
    assert kind("adtp-t1-ad-tp12-sst-2-accuracy", "paper")[0] == "measured"
    # Table 2's accuracies: the paper's Trainer simulated them ("deterministically improving validation
    # metrics"): nothing to reproduce, ours shown beside them
    assert kind("egp-t2-ent-acc", "default")[0] == "not comparable"
    assert kind("egp-t2-ent-flops", "default")[0] == "formula"
    assert kind("der-t2-synthetic_high_raw-speedup", "default")[0] == "by design"
    assert kind("der-t22-quickdraw_low-entropynet", "default") == (
        "not comparable", "an absolute time on other hardware: ratios are compared, not milliseconds; "
                          "MNIST digits for QuickDraw")
    assert "MNIST-5k for CIFAR-100" in kind("der-s4-iou-der", "default")[1]
    assert ledger["egp-t2-ent-acc"]["paper_simulated"]


def test_none_of_the_28_is_counted_as_reproduced(ledger, tmp_path):
    claims = list(ledger.values())
    write_artefacts(RUN8, claims, tmp_path)
    frame = render([ledger[i] for i in NOT_REPRODUCTIONS], tmp_path, "default").set_index("id")
    kinds = frame["verdict"].map(verdict_kind)
    assert not kinds.isin(["reproduced", "differs", "undecidable at this n"]).any(), kinds[kinds == "reproduced"]
    assert (frame["cell_kind"] != "reproduced").all()
    assert set(frame.loc[[i for i in NOT_REPRODUCTIONS if i.startswith("der-t22")], "evidence"]) == {"not comparable"}
    assert kinds["der-t17-fixed_anchors-hull_error_hausdorff_10_3"] == "one measurement, no interval"
    page = to_markdown(frame.reset_index())
    assert "## Measured reproductions\n\n0 rows" in page
    assert "| by design |" in page and "| formula |" in page and "| not comparable |" in page


def _one(tmp_path, **fields):
    path = tmp_path / "ledger.yaml"
    claims = [{**c, "paper_value": str(c["paper_value"])} for c in fields.pop("claims")]   # as printed: a string
    path.write_text(yaml.safe_dump({"claims": claims}))
    return load_ledger([path, ROOT / "claims" / "margins.yaml"])


def test_one_measurement_is_counted_once_and_keeps_each_verdict(tmp_path):
    pd.DataFrame({"row": ["ours"], "speedup": [0.0467], "speedup_ci_low": [0.045], "speedup_ci_high": [0.048]}
                 ).to_csv(tmp_path / "t.csv", index=False)
    ours = {"artefact": "t.csv", "row": "ours", "column": "speedup"}
    claims = _one(tmp_path, claims=[
        {"id": f"c{i}", "paper": "003", "study": "geometry", "source": f"T{i}", "row": "r", "metric": "speedup",
         "paper_value": v, "ours": ours} for i, v in enumerate((4.14, 2.33, 0.047))])
    frame = render(claims, tmp_path, "default")
    assert list(frame["verdict"].map(verdict_kind)) == ["differs", "differs", "reproduced"]
    assert list(frame["cell_kind"]) == ["differs", "", ""] and frame["cell_rows"].tolist() == [3, 3, 3]
    # the same measurement copied into another table is the same evidence
    pd.DataFrame({"row": ["x"], "s": [0.0467], "s_ci_low": [0.045], "s_ci_high": [0.048]}).to_csv(tmp_path / "u.csv", index=False)
    other = _one(tmp_path, claims=[{"id": "d", "paper": "003", "study": "geometry", "source": "T9", "row": "r",
                                    "metric": "speedup", "paper_value": 4.1,
                                    "ours": {"artefact": "u.csv", "row": "x", "column": "s"}}])
    frame = render(claims + other, tmp_path, "default")
    assert frame["cell_kind"].tolist() == ["differs", "", "", ""] and set(frame["cell_rows"]) == {4}


def test_a_missing_artefact_the_config_builds_is_a_failure_not_a_reason(tmp_path):
    claims = _one(tmp_path, claims=[
        {"id": "x", "paper": "003", "study": "geometry", "source": "Table 2", "row": "Synthetic (High) / Raw",
         "metric": "hull_error", "paper_value": 0.5, "reason": "elsewhere", "reason_kind": "scale",
         "ours": {"artefact": "results/geometry/tables/table2.csv", "row": "x", "column": "hull_error"}}])
    assert render(claims, tmp_path, "default", complete=True)["verdict"].item() == \
        "failed: results/geometry/tables/table2.csv missing"
    assert render(claims, tmp_path, "default")["verdict"].item().startswith("pending")


def test_an_empty_cell_is_not_measured_with_the_artefacts_why(tmp_path):
    """A built table holding NaN is "not measured", never "pending" (nothing is left to build), and says why
    where the artefact does: a `<col>_why` text, a false `<col>_measured` flag (geometry Table 20)."""
    pd.DataFrame({"row": ["a", "b", "c"], "red": [float("nan")] * 3, "red_measured": [False, None, None],
                  "red_why": [None, "no bound of the raw input", None]}).to_csv(tmp_path / "t.csv", index=False)
    claims = _one(tmp_path, claims=[
        {"id": f"n{r}", "paper": "003", "study": "geometry", "source": "Table 20", "row": r, "metric": "entropy_reduction",
         "paper_value": "12%", "ours": {"artefact": "t.csv", "row": r, "column": "red"}} for r in "abc"])
    frame = render(claims, tmp_path, "default", complete=True)
    assert frame["verdict"].tolist() == ["not measured: the artefact marks it unmeasured (red_measured false)",
                                         "not measured: no bound of the raw input",
                                         "not measured: red is empty (NaN) in the artefact, which says no more"]
    assert frame["cell_kind"].tolist() == ["not measured"] * 3
    assert "| not measured |" in to_markdown(frame)


def test_stand_ins_are_scored_on_relative_quantities_only(ledger, tmp_path):
    pd.DataFrame({"row": ["dense", "entropy_topk_p0.75"], "accuracy": [0.77, 0.75],
                  "accuracy_ci_low": [0.75, 0.73], "accuracy_ci_high": [0.79, 0.77],
                  "delta_acc_pp": [math.nan, -2.0], "delta_acc_pp_ci_low": [math.nan, -3.0],
                  "delta_acc_pp_ci_high": [math.nan, -1.0]}).to_csv(tmp_path / "t3.csv", index=False)
    (tmp_path / "results/text_gate/tables").mkdir(parents=True)
    (tmp_path / "t3.csv").rename(tmp_path / "results/text_gate/tables/table3.csv")
    # the gap's own row is declared not comparable at the default scale (other training budgets than §8);
    # without that declaration it is the stand-in relative quantity this test needs
    drop = {k: v for k, v in ledger["egp-s8-acc-drop"].items() if k not in ("evidence", "evidence_reason")}
    declared = render([ledger["egp-s8-acc-drop"]], tmp_path, "default")["verdict"].iloc[0]
    assert declared.startswith("not comparable: the default scale trains dense and gated models"), declared
    frame = render([ledger["egp-t3-dense-acc"], drop], tmp_path, "default").set_index("id")
    assert frame.loc["egp-t3-dense-acc", "verdict"].startswith(
        "stand-in: Rotten Tomatoes for SST-2, MiniLM-L6 for DistilBERT; an absolute value")
    assert frame.loc["egp-s8-acc-drop", "verdict"].startswith("stand-in: Rotten Tomatoes for SST-2, MiniLM-L6 for "
                                                              "DistilBERT; relative value differs")
    assert set(frame["cell_kind"]) == {"stand-in"}


def test_every_margin_kind_carries_a_basis():
    kinds = yaml.safe_load((ROOT / "claims" / "margins.yaml").read_text())["margins"]
    assert all(spec.get("basis") for spec in kinds.values())
    assert kinds["ratio"]["scale"] == "log"


def _sweep(tmp_path, rows: dict, paper_value="0.09"):
    """A geometry-shaped table (n_seeds, ci_over, per-seed values, as summarise_method writes them) and
    one hull-error claim per row, paper 0.09 (region [0.04, 0.14])."""
    pd.DataFrame([{"row": name, **cells} for name, cells in rows.items()]).to_csv(tmp_path / "t16.csv", index=False)
    return _one(tmp_path, claims=[
        {"id": f"h-{name}", "paper": "003", "study": "geometry", "source": "Table 16", "row": name, "metric": "hull_error",
         "paper_value": paper_value, "ours": {"artefact": "t16.csv", "row": name, "column": "hull_error"}} for name in rows])


ONE_SEED_CELL = {"n_seeds": 1, "ci_over": "1 seed x 4 sets", "hull_error": 0.0883, "hull_error_ci_low": 0.0751,
                 "hull_error_ci_high": 0.1009, "hull_error_ci_method": "example_bootstrap", "hull_error_per_seed": "0.08827"}


def test_one_trained_seed_is_never_scored_even_inside_the_region(tmp_path):
    """Table 16's k = 8 variant is one trained EntropyNet: its per-example interval lies inside the
    region, yet it holds no seed-to-seed variance, so it is "one seed", not "reproduced" (nor "differs"
    when outside); the same interval over three seeds is scored. The seed count is the artefact's."""
    three = {**ONE_SEED_CELL, "n_seeds": 3, "ci_over": "3 seeds x 4 sets", "hull_error_ci_method": "two_level_bootstrap",
             "hull_error_per_seed": "0.08 / 0.09 / 0.095"}
    far = {**ONE_SEED_CELL, "hull_error": 0.5, "hull_error_ci_low": 0.45, "hull_error_ci_high": 0.55}
    untrained = {**ONE_SEED_CELL, "trained": False}               # a heuristic's seed draws point sets, not a model
    by_count = {k: v for k, v in ONE_SEED_CELL.items() if k not in ("hull_error_per_seed", "ci_over")}
    by_method = {k: v for k, v in ONE_SEED_CELL.items() if k not in ("hull_error_per_seed", "ci_over", "n_seeds")}
    # ledger.cells counts equal numbers of one study as one measurement: shift each row's a little
    rows = {"k8": ONE_SEED_CELL, "ball": three, "far": far, "sort": untrained, "n": by_count, "m": by_method}
    rows = {k: {**v, "hull_error": v["hull_error"] + i * 1e-4} for i, (k, v) in enumerate(rows.items())}
    claims = _sweep(tmp_path, rows)
    frame = render(claims, tmp_path, "default").set_index("id")
    kinds = frame["verdict"].map(verdict_kind)
    assert kinds.to_dict() == {"h-k8": "one seed", "h-ball": "reproduced", "h-far": "one seed", "h-sort": "reproduced",
                               "h-n": "one seed", "h-m": "one seed"}
    assert frame.loc["h-k8", "verdict"] == (
        "one seed: ours 0.0883, per-example 90% CI [0.07722, 0.09887] inside the region [0.04, 0.14] = paper 0.09 "
        "+/- 0.05; one trained model: the interval holds no seed-to-seed variance, so it cannot decide equivalence; "
        "not scored until more seeds are trained")
    assert "wholly above the region" in frame.loc["h-far", "verdict"]
    assert frame.loc["h-k8", "cell_kind"] == "one seed" and frame.loc["h-k8", "seeds"] == 1
    assert frame.loc["h-ball", "seeds"] == 3 and pd.isna(frame.loc["h-sort", "seeds"])
    page = to_markdown(frame.reset_index())
    assert "## Measured on one trained seed\n\n4 rows" in page
    header = next(line for line in page.split("## Counts")[1].splitlines() if line.startswith("| evidence |"))
    assert header == "| evidence | one seed | reproduced | cells | rows |"          # its own column in the counts
    assert "| measured  | 4 | 2 | 6 | 6 |" in page


def test_the_page_shows_the_interval_the_verdict_is_decided_on(tmp_path):
    """claims.csv keeps the artefact's 95% CI (ci_low/high) and adds the 90% one each verdict uses
    (ci90_low/high, clipped to the metric's range); the page's tables show the 90% one."""
    three = {**ONE_SEED_CELL, "n_seeds": 3, "hull_error_per_seed": "0.08 / 0.09 / 0.095"}
    frame = render(_sweep(tmp_path, {"ball": three}), tmp_path, "default")
    row = frame.iloc[0]
    assert (row["ci_low"], row["ci_high"]) == (0.0751, 0.1009)
    assert (row["ci90_low"], row["ci90_high"]) == pytest.approx(ci90(0.0883, 0.0751, 0.1009))
    assert f"our 90% CI [{row['ci90_low']:.4g}, {row['ci90_high']:.4g}]" in row["verdict"]
    page = to_markdown(frame)
    assert "| ci90_low | ci90_high |" in page and "| ci_low |" not in page
