import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from effbench.stats.calibration import ece, fit_temperature, reliability_bins, scaled_probs
from effbench.stats.intervals import (
    accuracy,
    auc,
    bootstrap_ci,
    delong_ci,
    delong_components,
    interval_columns,
    seed_t_interval,
    two_level_bootstrap,
    two_level_bootstrap_of,
    wilson_ci,
)
from effbench.stats.tests import (
    cohens_h,
    delong_test,
    holm,
    mcnemar,
    mcnemar_power,
    mcnemar_sample_size,
    non_inferior,
    paired_bootstrap,
    power_two_proportions,
    sample_size_two_proportions,
)


@pytest.fixture
def scored():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    a = np.clip(0.5 + (y - 0.5) * 0.3 + rng.normal(0, 0.25, 300), 0, 1)
    b = np.clip(0.5 + (y - 0.5) * 0.1 + rng.normal(0, 0.25, 300), 0, 1)
    return y, a, b


def test_auc_matches_sklearn_with_ties_and_batches(scored):
    y, a, _ = scored
    a = np.round(a, 1)                                         # many ties
    assert auc(y, a) == pytest.approx(roc_auc_score(y, a))
    batch = np.vstack([a, a[::-1]])
    np.testing.assert_allclose(auc(y, batch), [roc_auc_score(y, a), roc_auc_score(y, a[::-1])])


def _slow_delong(y, s):
    """Textbook DeLong: structural components from the O(mn) kernel psi."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(), psi.mean(1), psi.mean(0)


def test_fast_delong_equals_textbook_components(scored):
    y, a, _ = scored
    a = np.round(a, 2)
    aucs, v10, v01 = delong_components(y, a[None, :])
    ref_auc, ref_v10, ref_v01 = _slow_delong(y, a)
    assert aucs[0] == pytest.approx(ref_auc)
    np.testing.assert_allclose(v10[0], ref_v10)
    np.testing.assert_allclose(v01[0], ref_v01)
    ci = delong_ci(y, a)
    var = ref_v10.var(ddof=1) / ref_v10.size + ref_v01.var(ddof=1) / ref_v01.size
    assert ci["se"] == pytest.approx(np.sqrt(var))


def test_delong_paired_test_detects_a_real_difference(scored):
    y, a, b = scored
    res = delong_test(y, a, b)
    assert res["delta"] == pytest.approx(roc_auc_score(y, a) - roc_auc_score(y, b))
    assert res["p_value"] < 0.01
    assert delong_test(y, a, a)["p_value"] == pytest.approx(1.0)


def test_wilson_interval_known_value():
    lo, hi = wilson_ci(8, 10)            # textbook: 0.4902, 0.9433
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)


def test_mcnemar_known_values():
    a = np.array([True] * 30 + [False] * 10 + [True] * 50)
    b = np.array([False] * 30 + [True] * 10 + [True] * 50)
    res = mcnemar(a, b)                  # b=30, c=10: (|30-10|-1)^2/40 = 9.025
    assert (res["b"], res["c"]) == (30, 10) and not res["exact"]
    assert res["statistic"] == pytest.approx(9.025)
    small = mcnemar(np.array([True] * 5 + [False]), np.array([False] * 5 + [True]))
    assert small["exact"] and small["p_value"] == pytest.approx(0.21875)   # 2 * P(X<=1 | 6, 1/2)


def test_cohens_h_and_holm_known_values():
    assert cohens_h(0.5, 0.5) == 0
    assert cohens_h(0.6, 0.5) == pytest.approx(2 * np.arcsin(np.sqrt(0.6)) - 2 * np.arcsin(np.sqrt(0.5)))
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])


def test_power_and_sample_size_invert_each_other():
    n = sample_size_two_proportions(0.55, 0.50, alpha=0.05, power=0.8)
    # Eq. 12: (1.96 + 0.8416)^2 (0.2475 + 0.25) / 0.05^2 = 1561.6
    assert n == pytest.approx(1561.6, rel=1e-3)
    assert power_two_proportions(0.55, 0.50, int(round(n))) == pytest.approx(0.8, abs=2e-3)


def test_bootstrap_ci_covers_and_narrows(scored):
    y, a, _ = scored
    r = bootstrap_ci(y, a, "accuracy", 2000)
    assert r["ci_low"] < r["estimate"] < r["ci_high"]
    se = np.sqrt(r["estimate"] * (1 - r["estimate"]) / y.size)
    assert (r["ci_high"] - r["ci_low"]) == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_two_level_bootstrap_is_wider_when_seeds_disagree(scored):
    y, a, b = scored
    same = two_level_bootstrap(y, np.vstack([a, a, a]), "accuracy", 1000)
    mixed = two_level_bootstrap(y, np.vstack([a, b, a]), "accuracy", 1000)
    assert same["estimate"] == pytest.approx(accuracy(y, a))
    assert (mixed["ci_high"] - mixed["ci_low"]) > (same["ci_high"] - same["ci_low"])


def test_paired_bootstrap_p_value_behaves(scored):
    y, a, b = scored
    diff = paired_bootstrap(y, a[None], b[None], "auc", 2000)
    assert diff["delta"] > 0 and diff["ci_low"] > 0 and diff["p_value"] < 0.01
    null = paired_bootstrap(y, a[None], a[None], "accuracy", 500)
    assert null["delta"] == 0 and null["p_value"] == 1.0


def test_non_inferiority_rule():
    assert non_inferior(0.004, 0.005) and not non_inferior(0.006, 0.005)


def test_ece_and_reliability():
    probs = np.array([[0.2, 0.8]] * 10)
    labels = np.array([1] * 8 + [0] * 2)   # 80% correct at 0.8 confidence: calibrated
    assert ece(probs, labels) == pytest.approx(0.0)
    assert ece(probs, np.array([1] * 5 + [0] * 5)) == pytest.approx(0.3)
    bins = reliability_bins(np.array([0.55, 0.95]), np.array([1, 0]), 15)
    assert bins["count"].sum() == 2


def test_temperature_scaling_recovers_the_generating_temperature():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (20000, 2))
    true_t = 2.5
    labels = np.array([rng.choice(2, p=p) for p in scaled_probs(logits, true_t)])
    fit = fit_temperature(logits, labels)
    assert fit["temperature"] == pytest.approx(true_t, rel=0.08) and fit["at_bound"] == ""


def test_temperature_at_a_bound_is_reported_not_hidden():
    logits = np.array([[-1.0, 1.0], [1.0, -1.0]] * 50)      # separable: the NLL falls as T -> 0
    fit = fit_temperature(logits, np.array([1, 0] * 50))
    assert fit["at_bound"] == "lower" and fit["temperature"] == pytest.approx(0.05, rel=0.01)


def test_seed_t_interval():
    lo, hi = seed_t_interval([1.0, 2.0, 3.0])
    assert lo == pytest.approx(2 - 4.302653 * 1 / np.sqrt(3), rel=1e-5)
    assert hi == pytest.approx(2 + 4.302653 * 1 / np.sqrt(3), rel=1e-5)


def test_seed_t_interval_of_one_value_is_no_interval():
    """One seed is one value: no interval at all, never [x, x]."""
    assert all(np.isnan(seed_t_interval([0.046])))
    assert all(np.isnan(seed_t_interval([])))


def test_seed_t_interval_is_clipped_to_the_metrics_range():
    """Three seed accuracies near 1: the symmetric t-interval crosses 1 (the defect: 62.7 [23.9, 101.6]);
    clipped, it ends at the range's edge, and an error's interval never goes below zero."""
    values = [0.6, 0.75, 0.9]
    lo, hi = seed_t_interval(values)
    assert hi > 1 and lo > 0
    clipped = seed_t_interval(values, bounds=(0.0, 1.0))
    assert clipped == (pytest.approx(lo), 1.0)
    assert seed_t_interval([0.0, 0.01, 0.6], bounds=(0.0, np.inf))[0] == 0.0


def test_two_level_bootstrap_of_a_mean_equals_the_accuracy_bootstrap():
    """The generic engine on 0/1 correctness is two_level_bootstrap's accuracy (labels all ones)."""
    rng = np.random.default_rng(2)
    correct = (rng.random((3, 200)) < [[0.7], [0.8], [0.75]]).astype(float)
    acc = two_level_bootstrap(np.ones(200), correct, "accuracy", 1000, seed=5)
    mean = two_level_bootstrap_of(correct, n_resamples=1000, seed=5)
    assert mean["estimate"] == pytest.approx(acc["estimate"])
    assert mean["per_seed"] == pytest.approx(acc["per_seed"])
    assert (mean["ci_low"], mean["ci_high"]) == (pytest.approx(acc["ci_low"]), pytest.approx(acc["ci_high"]))
    assert acc["method"] == mean["method"] == "two_level_bootstrap"
    assert 0 <= mean["ci_low"] < mean["estimate"] < mean["ci_high"] <= 1


def test_two_level_bootstrap_of_one_seed_is_over_examples_and_of_one_value_is_none():
    one_seed = two_level_bootstrap_of(np.array([[0.1, 0.4, 0.2, 0.3]]), n_resamples=500)
    assert one_seed["method"] == "example_bootstrap" and 0.1 <= one_seed["ci_low"] < one_seed["ci_high"] <= 0.4
    one_value = two_level_bootstrap_of(np.array([[0.046]]), n_resamples=500)
    assert one_value["method"] == "none" and np.isnan(one_value["ci_low"]) and np.isnan(one_value["ci_high"])
    assert one_value["estimate"] == pytest.approx(0.046) and one_value["per_seed"] == [pytest.approx(0.046)]
    seeds_only = two_level_bootstrap_of(np.array([[1.0], [2.0], [3.0]]), n_resamples=500)   # one example per seed
    assert seeds_only["method"] == "two_level_bootstrap" and 1.0 <= seeds_only["ci_low"] < 2.0 < seeds_only["ci_high"] <= 3.0


def test_two_level_bootstrap_of_a_paired_statistic_keeps_the_pairing_within_seeds():
    """A ratio of two quantities of the same seed: seeds whose numerator and denominator move
    together give a ratio of 2 on every resample, however far apart the seeds are."""
    rng = np.random.default_rng(0)
    base = rng.random((3, 1, 50)) + np.array([0.0, 5.0, 10.0])[:, None, None]    # (S, 1, n): seeds far apart
    r = two_level_bootstrap_of(np.concatenate([2 * base, base], 1), lambda m: m[..., 0] / m[..., 1], 300)
    assert r["estimate"] == pytest.approx(2.0) and (r["ci_low"], r["ci_high"]) == (pytest.approx(2.0), pytest.approx(2.0))


def test_interval_columns_show_the_seeds_and_scale():
    r = {"estimate": 0.8, "ci_low": 0.7, "ci_high": 0.9, "per_seed": [0.75, 0.8, 0.85], "method": "two_level_bootstrap"}
    assert interval_columns("top_1", r, 100) == {
        "top_1": 80.0, "top_1_ci_low": 70.0, "top_1_ci_high": 90.0, "top_1_ci_method": "two_level_bootstrap",
        "top_1_per_seed": "75 / 80 / 85"}


def test_count_based_bootstrap_equals_explicit_resampling(scored):
    """The weighted (counts) metrics equal the metrics of the explicitly resampled data."""
    from effbench.stats.intervals import accuracy_from_counts, auc_from_counts, resample_counts

    y, a, b = scored
    a = np.round(a, 1)                                         # ties
    rng = np.random.default_rng(3)
    b = rng.random(y.size)                                     # no ties: the fast path
    counts = resample_counts(rng, y.size, 20)
    assert (counts.sum(1) == y.size).all()
    for row, c in enumerate(counts):
        idx = np.repeat(np.arange(y.size), c.astype(int))
        assert auc_from_counts(counts, y, np.vstack([a, b]))[row, 0] == pytest.approx(roc_auc_score(y[idx], a[idx]))
        assert auc_from_counts(counts, y, np.vstack([a, b]))[row, 1] == pytest.approx(roc_auc_score(y[idx], b[idx]))
        assert accuracy_from_counts(counts, y, np.vstack([a, b]))[row, 1] == pytest.approx(accuracy(y[idx], b[idx]))


def test_resample_counts_in_blocks_draw_what_one_call_draws_and_bound_memory():
    """Issue 30: the index array of every draw at once was the job's peak (2,000 x 40,430 int64 at QQP).
    Blocks give the counts of the one-call formula for the same seed, and the peak stays near the
    (B, n) float32 result, not the 8 + 8 bytes per draw of the index array and int64 counts."""
    import tracemalloc

    from effbench.stats.intervals import resample_counts

    n, b = 37, 23
    rng = np.random.default_rng(5)
    idx = rng.integers(0, n, (b, n)) + np.arange(b)[:, None] * n
    unchunked = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(np.float32)
    for max_draws in (1, n, 3 * n + 1, 10 ** 6):             # one row, exact rows, a remainder, everything
        np.testing.assert_array_equal(resample_counts(np.random.default_rng(5), n, b, max_draws), unchunked)
    n, b = 20_000, 100                                        # 2 M draws: 32 MB of int64 indices and counts at once
    tracemalloc.start()
    counts = resample_counts(np.random.default_rng(0), n, b, max_draws=n * 5)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (counts.sum(1) == n).all()
    assert peak < counts.nbytes + 3 * 16 * 5 * n, peak       # the result plus one block of indices and counts


# ---- edge cases: undefined resamples, singleton classes, continuity floors, paired power ----

def test_undefined_auc_resamples_are_redrawn_and_counted_not_dropped():
    y = np.array([1, 0, 0, 0, 0])
    s = np.array([0.5, 0.6, 0.4, 0.3, 0.2])                  # AUC 0.75: the positive is not on top
    r = bootstrap_ci(y, s, "auc", 2000)
    assert r["n_redrawn"] > 0                                # P(no positive in a resample) = 0.8^5
    assert r["estimate"] == pytest.approx(0.75) and r["ci_low"] < 0.75 <= r["ci_high"] <= 1.0


def test_paired_bootstrap_with_a_rare_class_keeps_a_real_p_value():
    rng = np.random.default_rng(5)
    y = np.zeros(12, int)
    y[[2, 7]] = 1
    a, b = rng.random(12), rng.random(12)
    r = paired_bootstrap(y, a[None], b[None], "auc", 2000)
    assert r["n_redrawn"] > 0 and r["n_resamples"] == 2000
    assert r["p_value"] > 1 / 2000                           # was 1/B: the NaN draws made every tail empty


def test_one_class_labels_raise_a_clear_error():
    with pytest.raises(ValueError, match="all 6 labels are negative"):
        bootstrap_ci(np.zeros(6, int), np.linspace(0, 1, 6), "auc", 100)
    with pytest.raises(ValueError, match="resamples are undefined"):
        from effbench.stats.intervals import percentile_ci
        percentile_ci(np.array([0.5, np.nan, 0.7]))


def test_delong_with_a_singleton_class_says_so(scored):
    y = np.array([1, 0, 0, 0, 0, 0])
    a, b = np.array([0.9, 0.1, 0.2, 0.3, 0.4, 0.5]), np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    res = delong_test(y, a, b)
    assert np.isnan(res["p_value"]) and "at least 2 positives" in res["note"] and res["delta"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 2 positives"):
        delong_ci(y, a)


def test_delong_ci_stays_in_the_unit_interval():
    rng = np.random.default_rng(2)
    y = np.r_[np.ones(20), np.zeros(20)].astype(int)
    s = np.r_[rng.normal(2.2, 1, 20), rng.normal(0, 1, 20)]
    ci = delong_ci(y, s)
    assert 0.9 < ci["estimate"] < 1 and ci["ci_low"] < ci["estimate"] < ci["ci_high"] < 1.0
    se = ci["se"]
    assert ci["estimate"] + 1.96 * se > 1.0                  # the Wald interval would have left [0, 1]


def test_mcnemar_continuity_correction_is_floored_at_zero():
    def pairs(b, c, both=40):
        return (np.r_[np.ones(b), np.zeros(c), np.ones(both)].astype(bool),
                np.r_[np.zeros(b), np.ones(c), np.ones(both)].astype(bool))
    assert mcnemar(*pairs(13, 13))["p_value"] == 1.0          # statsmodels: 0.845
    assert mcnemar(*pairs(13, 12))["p_value"] == 1.0
    r = mcnemar(*pairs(30, 10))
    from scipy.stats import chi2
    assert r["p_value"] == pytest.approx(chi2.sf(9.025, 1))


def _simulated_mcnemar_power(p10, p01, n, alpha=0.05, trials=4000, seed=0):
    rng = np.random.default_rng(seed)
    cells = rng.multinomial(n, [p10, p01, 1 - p10 - p01], trials)
    b, c = cells[:, 0], cells[:, 1]
    from scipy.stats import binomtest, chi2
    p = [binomtest(min(bi, ci), bi + ci).pvalue if bi + ci < 25 else chi2.sf(max(abs(bi - ci) - 1, 0) ** 2 / (bi + ci), 1)
         for bi, ci in zip(b, c)]
    return float(np.mean(np.array(p) < alpha))


def test_paired_power_matches_simulation_and_beats_the_unpaired_formula():
    # A right on 3.5% more examples, B right on 0.5% more: accuracies 0.80 and 0.77, highly concordant
    p10, p01, n = 0.035, 0.005, 400
    planned = mcnemar_power(p10, p01, n)
    assert planned == pytest.approx(_simulated_mcnemar_power(p10, p01, n), abs=0.04)
    assert planned > 0.8 > 0.2 > power_two_proportions(0.80, 0.77, n)   # unpaired: 0.18
    n80 = mcnemar_sample_size(p10, p01)
    assert mcnemar_power(p10, p01, int(np.ceil(n80))) == pytest.approx(0.8, abs=0.01)
    assert mcnemar_sample_size(0.02, 0.02) == float("inf")


def test_classification_intervals_show_every_interval_of_paper_000(scored):
    from effbench.stats.intervals import classification_intervals
    y, a, b = scored
    r = classification_intervals(y, np.vstack([a, b]), 500)
    for m, alt in (("accuracy", "wilson"), ("auc", "delong")):
        assert r[f"{m}_ci_low"] < r[m] < r[f"{m}_ci_high"]
        assert r[f"{m}_{alt}_low"] < r[f"{m}_{alt}_high"]
    lo, hi = wilson_ci(int(((a > 0.5) == y).sum()), y.size)
    lo_b, hi_b = wilson_ci(int(((b > 0.5) == y).sum()), y.size)
    assert r["accuracy_wilson_low"] == pytest.approx((lo + lo_b) / 2)
