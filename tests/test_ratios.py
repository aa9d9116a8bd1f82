"""The speed-up interval from timing repeats (effbench.stats.ratios): numbers on small samples."""
import math

import numpy as np
import pytest

from effbench.stats.ratios import MIN_REPEATS, overhead_pct, ratio_columns, ratio_interval


def _drifting(n=20, seed=1):
    """Rounds whose machine speed drifts a lot (x0.5 to x2), base exactly twice the method in each round."""
    drift = np.exp(np.random.default_rng(seed).uniform(np.log(0.5), np.log(2), n))
    return 2.0 * drift, drift


def test_the_estimate_is_the_ratio_of_the_statistic():
    base, method = [10, 11, 12, 13, 30], [5, 5, 6, 6, 6]
    assert ratio_interval(base, method)["estimate"] == pytest.approx(12 / 6)
    assert ratio_interval(base, method, statistic="mean")["estimate"] == pytest.approx(15.2 / 5.6)


def test_pairing_cancels_what_a_round_shares():
    base, method = _drifting()
    paired = ratio_interval(base, method)
    assert (paired["ci_low"], paired["ci_high"]) == pytest.approx((2.0, 2.0))   # every round says 2x
    unpaired = ratio_interval(base, method, paired=False)
    assert unpaired["ci_low"] < 1.6 and unpaired["ci_high"] > 2.5                 # the drift left in
    assert "paired percentile bootstrap" in paired["method"] and "unpaired" in unpaired["method"]
    assert ratio_interval(base, method, unit="examples")["method"].endswith("over 20 examples, 2000 resamples")


def test_the_interval_is_symmetric_in_base_and_method_on_the_log_scale():
    rng = np.random.default_rng(0)
    base, method = rng.lognormal(1.0, 0.2, 30), rng.lognormal(0.3, 0.2, 30)
    fwd, back = ratio_interval(base, method), ratio_interval(method, base)
    assert fwd["ci_low"] == pytest.approx(1 / back["ci_high"], rel=1e-9)
    assert fwd["ci_high"] == pytest.approx(1 / back["ci_low"], rel=1e-9)
    assert fwd["ci_low"] <= fwd["estimate"] <= fwd["ci_high"]


def test_the_interval_narrows_with_more_repeats_and_covers_the_true_ratio():
    rng = np.random.default_rng(3)
    widths, covered = [], 0
    for n in (10, 1000):
        r = ratio_interval(3 * rng.lognormal(0, 0.3, n), rng.lognormal(0, 0.3, n))
        widths.append(math.log(r["ci_high"] / r["ci_low"]))
        covered += r["ci_low"] <= 3 <= r["ci_high"]
    assert widths[1] < widths[0] / 5 and covered == 2


def test_too_few_repeats_or_the_reference_itself_give_no_interval():
    few = ratio_interval([2, 2.1, 2.2, 2.3], [1, 1, 1, 1.1])
    assert math.isnan(few["ci_low"]) and math.isnan(few["ci_high"]) and few["estimate"] == pytest.approx(2.15 / 1.0)
    assert f"fewer than {MIN_REPEATS}" in few["method"]
    same = ratio_interval([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    assert same["estimate"] == 1 and math.isnan(same["ci_low"]) and "reference itself" in same["method"]


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="positive"):
        ratio_interval([1, 0, 1, 1, 1], [1, 1, 1, 1, 1])
    with pytest.raises(ValueError, match="equal counts"):
        ratio_interval([1] * 6, [1] * 5)


def test_columns_and_the_overhead_form():
    r = {"estimate": 1.2, "ci_low": 1.1, "ci_high": 1.3, "method": "m"}
    assert ratio_columns("x", r) == {"x": 1.2, "x_ci_low": 1.1, "x_ci_high": 1.3, "x_ci_method": "m"}
    counted = {**r, "n_values": 40, "unit": "interleaved rounds"}       # what ratio_interval returns
    assert ratio_columns("x", counted)["x_ci_n"] == 40 and ratio_columns("x", counted)["x_ci_unit"] == "interleaved rounds"
    assert ratio_interval([2, 2.1, 2.2, 2.3], [1, 1, 1, 1.1])["n_values"] == 4        # said even with no interval
    o = overhead_pct(r)
    assert (o["estimate"], o["ci_low"], o["ci_high"]) == pytest.approx((20, 10, 30))


def test_text_speedups_carry_their_interval_over_the_paired_examples():
    """cost.text_cost.speedups: batch-1 speed-ups (EAT's speedup_vs_dense, AD-TP's speedup_b1) with the
    interval of the examples timed back to back; the point is the summary's ratio of means."""
    from effbench.cost.text_cost import DENSE_SDPA, speedups

    lengths = np.linspace(1, 4, 12)                        # per-example time follows the length: pairing cancels it
    lat = {DENSE_SDPA: lengths * 2.0, "dense": lengths * 2.2, "m": lengths * 1.0 + 0.01 * np.sin(np.arange(12))}
    latency = {k: {"mean_ms": float(v.mean()), "raw_ms": v.tolist()} for k, v in lat.items()}
    sweeps = {8: {k: {"examples_per_s": 100.0} for k in lat}}
    out = speedups(latency, sweeps, "m", "dense")
    assert out["speedup_b1"] == pytest.approx(2.0 * lengths.mean() / lat["m"].mean())
    assert out["speedup_b1_ci_low"] <= out["speedup_b1"] <= out["speedup_b1_ci_high"]
    assert out["speedup_b1_ci_high"] - out["speedup_b1_ci_low"] < 0.02      # unpaired, the lengths would swamp it
    assert "paired percentile bootstrap of the ratio of means" in out["speedup_b1_ci_method"]
    assert out["speedup_b1_vs_eager_ci_low"] <= out["speedup_b1_vs_eager"] <= out["speedup_b1_vs_eager_ci_high"]
    assert "reference itself" in speedups(latency, sweeps, DENSE_SDPA, "dense")["speedup_b1_ci_method"]
    del latency["m"]["raw_ms"]                             # an older cost artefact: the ratio alone
    assert set(speedups(latency, sweeps, "m", "dense")) == {"speedup_b1", "speedup_b1_vs_eager", "throughput"}


def test_the_ledger_row_names_its_interval(tmp_path):
    """claims.resolve carries `<col>_ci_method` beside the interval, so a verdict says what it rests on."""
    import pandas as pd
    import yaml

    from effbench.claims import load_ledger, resolve
    from effbench.config import ROOT

    pd.DataFrame({"row": ["r"], "speedup": [2.0], "speedup_ci_low": [1.8], "speedup_ci_high": [2.2],
                  "speedup_ci_method": ["repeats: paired"]}).to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "l.yaml").write_text(yaml.safe_dump({"claims": [
        {"id": "x", "paper": "003", "study": "geometry", "source": "T", "row": "r", "metric": "speedup",
         "paper_value": "2.0x", "ours": {"artefact": "t.csv", "row": "r", "column": "speedup"}}]}))
    claim = load_ledger([tmp_path / "l.yaml", ROOT / "claims" / "margins.yaml"])[0]
    out = resolve(claim, tmp_path, "default")
    assert out["ci_method"] == "repeats: paired" and "our 90% CI" in out["verdict"]     # scored on the interval
