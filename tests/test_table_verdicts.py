"""A table's verdict_<metric> cell is the ledger's verdict for the same claim at the same scale: one
scoring path (claims.scored), framed by the evidence kind, so a stand-in's absolute accuracy never
reads "differs" in a study's table while the ledger withholds it."""
from pathlib import Path

import pandas as pd
import pytest

from effbench.artefacts import write_csv
from effbench.claims import find_claim, kept, load_ledger, pointer, resolve
from effbench.config import ROOT
from effbench.ledger.columns import paper_columns, with_paper_columns
from effbench.ledger.evidence import scale_config
from effbench.stats.equivalence import verdict_kind

METHODS = "results/adtp/rotten_tomatoes/tables/methods.csv"
TABLE3 = "results/text_gate/tables/table3.csv"
GEOMETRY2 = "results/geometry/tables/table2.csv"


@pytest.fixture(scope="module")
def claims():
    return load_ledger(ROOT / "claims")


@pytest.fixture(scope="module")
def ledger(claims):
    return {c["id"]: c for c in claims}


@pytest.fixture(scope="module")
def configs():
    return {s: scale_config(s) for s in ("default", "paper")}


def _ledger_says(claim, frame: pd.DataFrame, artefact: str, root: Path, scale: str, cfg: dict) -> str:
    """Write the table as the pipeline does, then let the ledger read it back."""
    write_csv(root / artefact, frame)
    return resolve(claim, root, scale, cfg)["verdict"]


def test_a_stand_in_absolute_accuracy_reads_as_the_ledger_not_differs(ledger, claims, configs, tmp_path):
    # AD-TP on Rotten Tomatoes (MiniLM-L6) at the default scale stands in for SST-2 on BERT-base: 68.9%
    # against the paper's 92.0 would "differ", but an absolute value on other data is not compared
    frame = pd.DataFrame({"method": ["dense", "adtp"], "n_seeds": [3, 3],
                          "accuracy_pct": [78.5, 68.9], "accuracy_pct_ci_low": [76.3, 66.5],
                          "accuracy_pct_ci_high": [80.7, 71.3], "flops_reduction_x": [1.0, 2.447],
                          "flops_reduction_x_ci_low": [1.0, 2.444], "flops_reduction_x_ci_high": [1.0, 2.45]})
    frame = with_paper_columns(frame, claims, METHODS, "default", cfg=configs["default"])
    table = frame.set_index("method").loc["adtp"]
    accuracy = ledger["adtp-t1-ad-tp6-sst-2-accuracy"]
    assert table["paper_accuracy"] == accuracy["paper_value"]                         # the paper's column stays
    assert table["verdict_accuracy"] == (
        "stand-in: Rotten Tomatoes for SST-2, MiniLM-L6 for BERT-base; an absolute value on other data or "
        "another model is not compared")
    assert table["verdict_accuracy"] == _ledger_says(accuracy, frame, METHODS, tmp_path, "default", configs["default"])
    # its FLOPs reduction is relative: scored, and worded as the ledger words it
    flops = ledger["adtp-t1-ad-tp6-sst-2-flops"]
    assert table["verdict_flops_reduction_x"].startswith("stand-in: Rotten Tomatoes for SST-2, MiniLM-L6 for "
                                                         "BERT-base; relative value differs")
    assert table["verdict_flops_reduction_x"] == resolve(flops, tmp_path, "default", configs["default"])["verdict"]


def _table3_row(accuracy: float) -> dict:
    return {"row": "dense", "n_seeds": 3, "accuracy": accuracy, "accuracy_ci_low": accuracy - 0.004,
            "accuracy_ci_high": accuracy + 0.004}


@pytest.mark.parametrize("scale, kind", [("default", "stand-in"), ("paper", "reproduced")])
def test_text_gate_table3_scores_by_the_evidence_kind_of_its_scale(ledger, claims, configs, tmp_path, scale, kind):
    # the same builder call: Rotten Tomatoes on MiniLM at the default scale, SST-2 on DistilBERT at the paper scale
    claim = find_claim(claims, "text_gate", "Table 3", "dense", "accuracy")
    assert claim is ledger["egp-t3-dense-acc"]
    row = _table3_row(0.9141)
    cell = paper_columns(claim, "accuracy", row, scale=scale, cfg=configs[scale])["verdict_accuracy"]
    assert verdict_kind(cell) == kind
    assert cell == _ledger_says(claim, pd.DataFrame([row]), TABLE3, tmp_path, scale, configs[scale])


def test_a_measured_claim_is_still_reproduced_or_differs(ledger, claims, configs, tmp_path):
    from effbench.studies.geometry.tables import _with_paper

    claim = ledger["der-t2-synthetic_high_entropynet_ours-speedup"]
    label = "Synthetic (High) / EntropyNet (Ours)"
    for speedup, kind in ((4.2, "reproduced"), (1.3, "differs")):
        row = {"row": label, "ci_over": "3 seeds x 5 sets", "n_seeds": 3, "trained": True, "speedup": speedup,
               "speedup_ci_low": speedup * 0.97, "speedup_ci_high": speedup * 1.03}
        row = _with_paper(row, claims, "Table 2", ("speedup",), scale="default", config=configs["default"])
        assert verdict_kind(row["verdict_speedup"]) == kind
        assert row["verdict_speedup"] == _ledger_says(claim, pd.DataFrame([row]), GEOMETRY2, tmp_path, "default",
                                                      configs["default"])


def test_a_claim_this_scale_does_not_point_at_reads_the_ledgers_reason(claims, configs):
    # EAT's Table 1 rows beside the Rotten Tomatoes frontier are measured at the paper scale only
    claim = find_claim(claims, "eat", "Table 1", "eat_tau0.90", "speedup_vs_bert")
    assert claim is not None and pointer(claim, "default") is None
    row = {"row": "eat_tau0.9", "speedup_vs_dense": 1.1, "speedup_vs_dense_ci_low": 1.06, "speedup_vs_dense_ci_high": 1.15}
    cell = paper_columns(claim, "speedup_vs_bert", row, "speedup_vs_dense", scale="default",
                         cfg=configs["default"])["verdict_speedup_vs_bert"]
    assert cell == resolve(claim, Path("."), "default", configs["default"])["verdict"]
    assert cell.startswith("not run (scale)")


def test_a_number_is_scored_as_the_artefact_keeps_it():
    assert kept(0.056965499) == 0.0569655 and kept(3) == 3 and kept("x") == "x"
    assert pd.isna(kept(float("nan")))
