"""Paired tests, effect sizes, multiple comparisons, non-inferiority and power.

Library procedures are wrapped (statsmodels, scipy); the paired bootstrap and DeLong's
paired test are written here because no maintained library offers them in this form.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import binomtest, chi2, norm
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_effectsize

from .intervals import METRICS, auc, bootstrap_metric, delong_covariance, percentile_ci


def paired_bootstrap(labels, scores_a, scores_b, metric: str = "accuracy",
                     n_resamples: int = 10000, level: float = 0.95, seed: int = 0) -> dict:
    """Paired bootstrap over examples of the seed-mean difference M(A) - M(B).

    scores_a: (S_a, n), scores_b: (S_b, n), every row on the same n examples. One example
    resample is shared by all seeds of both models (examples resampled jointly across
    seeds). Two-sided p-value: twice the tail beyond |delta| under the bootstrap null
    (the centred resampling distribution), as in the entropy-gate paper's §9.4. Resamples on
    which the metric is undefined (AUC without both classes) are redrawn and counted.
    """
    labels = np.asarray(labels)
    a = np.atleast_2d(np.asarray(scores_a, float))
    b = np.atleast_2d(np.asarray(scores_b, float))
    fn = METRICS[metric]
    delta = float(fn(labels, a).mean() - fn(labels, b).mean())
    both, redrawn = bootstrap_metric(labels, np.vstack([a, b]), metric, n_resamples, np.random.default_rng(seed))
    draws = both[:, : len(a)].mean(1) - both[:, len(a):].mean(1)
    lo, hi = percentile_ci(draws, level)
    centred = draws - draws.mean()
    p = float(max(np.mean(np.abs(centred) >= abs(delta)), 1.0 / draws.size))
    one_sided_upper = float(np.percentile(draws, 100 * level))
    one_sided_lower = float(np.percentile(draws, 100 * (1 - level)))
    return {"delta": delta, "ci_low": lo, "ci_high": hi, "p_value": p,
            "upper_one_sided": one_sided_upper, "lower_one_sided": one_sided_lower,
            "n_resamples": int(draws.size), "n_redrawn": redrawn}


def mcnemar(correct_a, correct_b, exact_below: int = 25) -> dict:
    """McNemar's test: exact binomial when b + c is small, else chi-squared with Edwards'
    continuity correction floored at zero, (max(|b - c| - 1, 0))^2 / (b + c). statsmodels
    does not floor it, so b = c = 13 would give p = 0.845 where b = 13, c = 12 gives 1."""
    correct_a, correct_b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    b = int((correct_a & ~correct_b).sum())
    c = int((~correct_a & correct_b).sum())
    exact = (b + c) < exact_below
    if b + c == 0:
        return {"b": 0, "c": 0, "statistic": 0.0, "p_value": 1.0, "exact": exact}
    if exact:
        statistic, p = float(min(b, c)), binomtest(min(b, c), b + c, 0.5).pvalue
    else:
        statistic = max(abs(b - c) - 1, 0) ** 2 / (b + c)
        p = chi2.sf(statistic, 1)
    return {"b": b, "c": c, "statistic": float(statistic), "p_value": float(p), "exact": exact}


def delong_test(labels, scores_a, scores_b) -> dict:
    """DeLong's paired test of AUC(A) = AUC(B).

    Undefined (p = NaN, with a `note` saying why) when a class has fewer than two examples;
    a zero variance gives p = 1 for equal AUCs and p = 0 for different ones."""
    try:
        aucs, cov = delong_covariance(labels, np.vstack([scores_a, scores_b]))
    except ValueError as err:
        delta = float(auc(labels, np.asarray(scores_a, float)) - auc(labels, np.asarray(scores_b, float)))
        return {"delta": delta, "z": float("nan"), "p_value": float("nan"), "note": str(err)}
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    delta = float(aucs[0] - aucs[1])
    if var > 0:
        z = delta / np.sqrt(var)
    else:
        z = 0.0 if delta == 0 else np.copysign(np.inf, delta)
    return {"delta": delta, "z": float(z), "p_value": float(2 * norm.sf(abs(z)))}


def cohens_h(p1: float, p2: float) -> float:
    """2 arcsin sqrt(p1) - 2 arcsin sqrt(p2)."""
    return float(proportion_effectsize(p1, p2))


def holm(p_values) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values."""
    p_values = np.asarray(p_values, float)
    if p_values.size == 0:
        return p_values
    return multipletests(p_values, method="holm")[1]


def non_inferior(upper_bound_of_loss: float, margin: float) -> bool:
    """Non-inferiority: the one-sided upper bound of (baseline - pruned) is below the margin."""
    return bool(upper_bound_of_loss < margin)


def sample_size_two_proportions(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Per-group n to detect p1 - p2 (the entropy-gate paper's Eq. 12, unpaired)."""
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return float(z ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2)


def power_two_proportions(p1: float, p2: float, n: int, alpha: float = 0.05) -> float:
    """Power of the unpaired two-proportion z-test at n per group (inverse of Eq. 12)."""
    se = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    return float(norm.cdf(abs(p1 - p2) / se - norm.ppf(1 - alpha / 2)))


# Paired designs (two models on the same examples) are powered by their discordant pairs:
# p10 = P(A right, B wrong), p01 = P(A wrong, B right). Connor (1987), the normal approximation
# to McNemar's test; checked against simulation in the tests. A planning figure: with observed
# p10, p01 it says what n a study of this effect would need, not how likely this study was.

def mcnemar_power(p10: float, p01: float, n: int, alpha: float = 0.05) -> float:
    """Power of McNemar's test at n pairs for discordant proportions p10, p01 (Connor 1987)."""
    psi, delta = p10 + p01, abs(p10 - p01)
    if psi == 0 or delta == 0:
        return float(alpha) if psi else 0.0
    return float(norm.cdf((delta * np.sqrt(n) - norm.ppf(1 - alpha / 2) * np.sqrt(psi)) / np.sqrt(psi - delta ** 2)))


def mcnemar_sample_size(p10: float, p01: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Pairs needed for McNemar's test to reach `power` (Connor 1987); inf without an effect."""
    psi, delta = p10 + p01, abs(p10 - p01)
    if delta == 0:
        return float("inf")
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    return float((za * np.sqrt(psi) + zb * np.sqrt(psi - delta ** 2)) ** 2 / delta ** 2)
