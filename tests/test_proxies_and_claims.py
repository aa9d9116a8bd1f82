import pytest

from effbench.claims import load_ledger, paper_value, render, rounding_tolerance, verdict
from effbench.config import ROOT
from effbench.cost.proxies import flops_proxy, latency_proxy, proxy_table


def test_paper_proxies_exactly_as_defined():
    assert latency_proxy(64) == pytest.approx(83.92)
    assert latency_proxy(32) == pytest.approx(22.48)
    t = proxy_table(64, 64, 0.5)
    assert t["flops_proxy_rel"] == pytest.approx(0.625)               # the paper's "37.5%" savings
    assert t["latency_proxy_paper_rel"] == pytest.approx(22.48 / 83.92)  # the paper's 0.27x
    assert t["latency_proxy_two_layer_rel"] == pytest.approx((2 + 0.02 * (64**2 + 32**2)) / (2 + 0.02 * 2 * 64**2))
    assert flops_proxy(64, 64, 1.0) == 2 * 2 * 64**2 * 64


def test_verdicts():
    assert rounding_tolerance(0.63) == pytest.approx(0.005)
    assert verdict(0.63, 0.625).startswith("reproduced")
    assert verdict(0.27, 0.3167).startswith("differs")
    assert verdict(0.55, 0.60, 0.53, 0.65).startswith("reproduced")
    assert "above" in verdict(0.9, 0.60, 0.53, 0.65)


def test_ledger_loads_and_pending_rows_are_marked(tmp_path):
    claims = load_ledger(ROOT / "claims")
    assert paper_value(claims, "synthetic", "Table 2", "entropy_topk", "accuracy") == 0.551
    frame = render(claims, tmp_path)           # no artefacts here: everything pending
    assert frame["verdict"].str.match(r"(pending|not run)").all()
    assert len(frame) == len(claims) > 700
    not_run = frame[frame["verdict"].str.startswith("not run")]
    assert (not_run["verdict"].str.len() > len("not run: ")).all()          # every one says why
    assert {"000", "001", "002", "003"} == set(frame["paper"])


def test_claims_carry_the_paper_inconsistencies():
    claims = {c["id"]: c for c in load_ledger(ROOT / "claims")}
    assert "21%" in claims["egp-t3-flops-red"]["paper_consistency"]
    assert "3.0x" in claims["der-t2-synthetic_high_entropynet_ours-speedup"]["paper_consistency"]
    assert "12-layer" in claims["eat-t1-eat_tau0.80-avg_depth"]["paper_consistency"]
    assert "stale" in claims["eat-t3-eat_tau0.80-accuracy"]["paper_consistency"]
    assert "repeats Table 1" in claims["eat-t4-bert-latency_ms"]["paper_consistency"]
