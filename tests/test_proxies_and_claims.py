import pytest

from effbench.claims import judge, load_ledger, paper_value, render
from effbench.config import ROOT
from effbench.cost.proxies import flops_proxy, latency_proxy, proxy_table
from effbench.stats.equivalence import half_unit, more_data_factor, verdict


def test_paper_proxies_exactly_as_defined():
    assert latency_proxy(64) == pytest.approx(83.92)
    assert latency_proxy(32) == pytest.approx(22.48)
    t = proxy_table(64, 64, 0.5)
    assert t["flops_proxy_rel"] == pytest.approx(0.625)               # the paper's "37.5%" savings
    assert t["latency_proxy_paper_rel"] == pytest.approx(22.48 / 83.92)  # the paper's 0.27x
    assert t["latency_proxy_two_layer_rel"] == pytest.approx((2 + 0.02 * (64**2 + 32**2)) / (2 + 0.02 * 2 * 64**2))
    assert flops_proxy(64, 64, 1.0) == 2 * 2 * 64**2 * 64


def test_printed_precision_comes_from_the_typed_text():
    assert half_unit("0.63") == pytest.approx(0.005)
    assert half_unit("92.0") == pytest.approx(0.05)          # a float's repr would say 0.5
    assert half_unit("1.0") == pytest.approx(0.05)
    assert half_unit("0.0") == pytest.approx(0.05)
    assert half_unit("64") == pytest.approx(0.5)
    assert half_unit("5e-05") == pytest.approx(5e-6)         # repr-based precision gave 0.5
    assert half_unit("1.5e-3") == pytest.approx(5e-5)
    with pytest.raises(ValueError, match="not a printed number"):
        half_unit("n/a")


def test_ledger_keeps_what_the_paper_printed(tmp_path):
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text("claims:\n"
                      "- {id: a, paper: '001', study: s, source: T1, row: r, metric: SST-2 accuracy, paper_value: '92.0', unit: '%', reason: t, reason_kind: scale}\n"
                      "- {id: b, paper: '003', study: s, source: T2, row: r, metric: speedup, paper_value: '1.0x', reason: t, reason_kind: scale}\n"
                      "- {id: c, paper: '003', study: s, source: T2, row: r, metric: hull_error, paper_value: '0.0', reason: t, reason_kind: scale}\n"
                      "- {id: d, paper: '000', study: s, source: T2, row: r, metric: accuracy, paper_value: '0.519', reason: t, reason_kind: scale}\n"
                      "- {id: e, paper: '000', study: s, source: T2, row: r, metric: mse, paper_value: '5e-05',\n"
                      "   margin: 1e-05, margin_reason: a test, reason: t, reason_kind: scale}\n")
    c = {x["id"]: x for x in load_ledger([ledger, ROOT / "claims" / "margins.yaml"])}
    assert c["a"]["paper_text"] == "92.0" and c["a"]["rounding"] == pytest.approx(0.05)
    assert (c["a"]["kind"], c["a"]["margin"]) == ("proportion", 1.0)              # 1 pp on a percent scale (unit: %)
    assert (c["d"]["kind"], c["d"]["margin"]) == ("proportion", pytest.approx(0.01))  # ... and on a fraction
    assert (c["b"]["kind"], c["b"]["margin"]) == ("ratio", pytest.approx(0.1))
    assert c["e"]["margin"] == 1e-05 and c["e"]["rounding"] == pytest.approx(5e-6)
    assert c["b"]["log_scale"] and not c["a"]["log_scale"]
    # the examples: a typed 1.0 speed-up is not 1.45, a 0.0% hull error is not 0.49%; one value
    # without an interval is said where it lies, never scored
    assert judge(c["b"], 1.45).startswith("one measurement, no interval: ours 1.45 above")
    assert judge(c["c"], 0.49).startswith("one measurement, no interval: ours 0.49 above")
    assert judge(c["b"], 1.45, 1.40, 1.50).startswith("differs: ours above (our 90% CI")
    assert judge(c["b"], 1.05, 1.04, 1.06).startswith("reproduced (TOST")


def test_equivalence_verdicts():
    m = dict(margin=0.01, rounding=0.0005)
    # a wide interval reproduces nothing
    assert verdict(0.9, 0.5, 0.0, 1.0, **m).startswith("undecidable at this n")
    assert verdict(2.0, 4.3, 0.49, 8.11, margin=0.1, log=True).startswith("undecidable at this n")
    # the whole 90% CI inside the region: reproduced; wholly outside: differs, with the side
    assert verdict(0.519, 0.52, 0.512, 0.527, **m).startswith("reproduced")
    assert verdict(0.9, 0.60, 0.53, 0.65, **m).startswith("differs: ours below")
    assert verdict(0.5, 0.60, 0.53, 0.65, **m).startswith("differs: ours above")
    # point estimates: scored only when the pointer says the value is deterministic
    assert verdict(0.63, 0.625, margin=0.0, rounding=0.005, point_basis="deterministic").startswith("reproduced (deterministic")
    assert verdict(0.27, 0.3167, margin=0.027, rounding=0.005, point_basis="deterministic").startswith("differs")
    assert verdict(0.63, 0.625, margin=0.0, rounding=0.005).startswith("one measurement, no interval")
    assert verdict(0.5, None, **m) == "not measured: no estimate"              # an empty cell is not pending
    with pytest.raises(ValueError, match="reversed"):
        verdict(0.5, 0.5, 0.6, 0.4, **m)


def test_undecidable_says_how_much_more_data_decides_it():
    # region 0.49..0.51; estimate 0.50 with 95% half-width 0.02 -> 90% half-width 0.0168: (0.0168 / 0.01)^2 = 2.8x
    text = verdict(0.50, 0.50, 0.48, 0.52, margin=0.01, rounding=0.0)
    assert text.startswith("undecidable at this n") and "about 2.8x" in text and "+/- 0.0168" in text
    assert more_data_factor(0.50, 0.48, 0.52, 0.49, 0.51) == pytest.approx(4.0)
    # outside the region: estimate 0.56, edge 0.51 -> distance 0.05, half-width 0.1 -> 4x
    assert more_data_factor(0.56, 0.46, 0.66, 0.49, 0.51) == pytest.approx(4.0)
    assert "no sample size" in verdict(0.50, 0.51, 0.48, 0.54, margin=0.01, rounding=0.0)


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


def test_a_table_finds_its_paper_values_through_the_ledger_pointers_of_its_scale():
    from effbench.claims import claims_at

    claims = load_ledger(ROOT / "claims")
    cola = claims_at(claims, "results/adtp/cola/tables/methods.csv", "paper")
    assert (cola[("adtp", "matthews_pct")]["row"], cola[("adtp", "matthews_pct")]["metric"]) == ("AD-TP12", "CoLA matthews")
    assert cola[("dense", "matthews_pct")]["row"] == "BERT-base (T)"     # Table 1 before Table 3's same number
    assert cola[("shallow", "matthews_pct")]["row"] == "DistilBERT6"
    assert claims_at(claims, "results/adtp/cola/tables/methods.csv", "default") == {}
    # the 6-layer student's rows are the default scale's stand-ins, never BERT-base's at the paper scale
    sst2 = claims_at(claims, "/any/clone/results/adtp/sst2/tables/methods.csv", "paper")
    assert sst2[("dense", "accuracy_pct")]["row"] == "BERT-base (T)"
    assert sst2[("adtp", "accuracy_pct")]["row"] == "AD-TP12"
    rt = claims_at(claims, "results/adtp/rotten_tomatoes/tables/methods.csv", "smoke")     # smoke reads default's
    assert rt[("adtp", "accuracy_pct")]["row"] == "AD-TP6" and rt[("ltp_t0.03", "accuracy_pct")]["row"] == "LTP"
