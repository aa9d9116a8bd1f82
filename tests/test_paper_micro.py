"""The paper scale's protocol end to end, in minutes, on this CPU: configs/paper.yaml with
.test/paper_micro.yaml over it (GLUE-format SST-2 and MRPC from the offline corpus through the
`local` source, a tiny BERT with a tiny DistilBERT as the shallow baseline and the text gate's
backbone, written in the hub's layout). What it checks is the paper scale's plumbing: the
GLUE dev set is the scored split, GLUE's F1 is reported for MRPC, DistilBERT runs where the
papers ran it, and every ledger row whose paper-scale artefact the run builds gets a verdict
(a pointer naming a missing row or column would leave it pending)."""
import sys

import pandas as pd
import pytest
from smoke import snakemake

from effbench.claims import load_ledger, pointer, render
from effbench.config import ROOT

pytestmark = pytest.mark.slow

MICRO = ROOT / ".test" / "paper_micro.yaml"
TABLES = ["results/text_gate/tables/table3.csv", "results/eat/sst2/tables/frontier.csv",
          *[f"results/adtp/{task}/tables/{table}.csv" for task in ("sst2", "mrpc")
            for table in ("methods", "retainer", "consistency")],
          "results/adtp/mrpc/tables/ig_steps.csv"]
VERDICT = r"^(reproduced|differs|inconclusive)"


@pytest.fixture(scope="module")
def micro(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "scripts"))
    from micro_fixture import main as write_fixture

    work = tmp_path_factory.mktemp("paper_micro")
    write_fixture(work)
    run = snakemake(work, *TABLES, configfile=[ROOT / "configs" / "paper.yaml", MICRO])
    assert run.returncode == 0, run.stderr[-4000:]
    return work


def test_the_papers_protocol_runs_and_scores_on_the_glue_dev_set(micro):
    dev = 96                                    # scripts/micro_fixture.SIZES["dev"]
    test = pd.read_csv(micro / "data/text/glue/SST-2/test.csv")
    assert len(test) == dev                     # GLUE's dev set is the test split; validation is cut from train
    assert len(pd.read_csv(micro / "data/text/SST-2/test.csv")) == dev
    methods = pd.read_csv(micro / "results/adtp/mrpc/tables/methods.csv").set_index("method")
    assert {"f1_pct", "f1_pct_ci_low", "f1_pct_ci_high"} <= set(methods)   # GLUE scores MRPC by F1
    scored = methods.dropna(subset=["f1_pct"])     # every method with per-example predictions (not grid points)
    assert {"dense", "shallow", "adtp"} <= set(scored.index)
    assert (scored["f1_pct_ci_low"] <= scored["f1_pct"]).all() and (scored["f1_pct"] <= scored["f1_pct_ci_high"]).all()


def test_distilbert_is_the_shallow_baseline_and_the_text_gate_backbone(micro):
    from safetensors import safe_open

    for study in ("eat", "adtp"):
        with safe_open(micro / f"results/{study}/runs/sst2/shallow/seed42/model.safetensors", "pt") as f:
            assert any(k.startswith("encoder.transformer.layer.") for k in f.keys())   # DistilBertModel blocks
    with safe_open(micro / "results/text_gate/runs/entropy_topk_p0.75/seed42/model.safetensors", "pt") as f:
        assert any(k.startswith("encoder.transformer.layer.") for k in f.keys())
    frontier = pd.read_csv(micro / "results/eat/sst2/tables/frontier.csv").set_index("row")
    assert frontier.loc["shallow", "gflops"] < frontier.loc["dense", "gflops"]   # 3 DistilBERT blocks < 6 BERT blocks


def test_every_ledger_row_the_run_builds_gets_a_verdict(micro):
    claims = load_ledger(ROOT / "claims")
    frame = render(claims, micro, "paper").set_index("id")
    covered = [c["id"] for c in claims if (p := pointer(c, "paper")) and (micro / p["artefact"]).exists()]
    scored = frame.loc[covered, "verdict"]
    assert scored.str.match(VERDICT).all(), scored[~scored.str.match(VERDICT)].to_dict()
    by_paper = frame.loc[covered, "paper"].value_counts()
    assert by_paper.get("002", 0) >= 100          # EAT's Tables 1 and 4 on SST-2, DistilBERT rows included
    assert by_paper.get("001", 0) >= 20           # AD-TP's Tables 1 and 3-6 on SST-2 and MRPC
    assert by_paper.get("000", 0) >= 5            # the entropy gate's Table 3
