"""Point estimates and confidence intervals: vectorised bootstrap, Wilson, DeLong.

How seeds and examples combine (one definition for the whole project):
  * the 95% interval of a metric is a two-level bootstrap: resample seeds, then examples
    (the same example resample for every seed, since all seeds see one validation set),
    and take the mean over the resampled seeds;
  * a comparison's primary test is the paired bootstrap over examples of the seed-mean
    difference (`stats.tests.paired_bootstrap`).
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm, rankdata
from statsmodels.stats.proportion import proportion_confint


def accuracy(labels: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Accuracy of score > 0.5 along the last axis (scores = P(class 1))."""
    return ((np.asarray(scores) > 0.5) == np.asarray(labels, bool)).mean(-1)


def auc(labels: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC along the last axis, via the Mann-Whitney rank sum (ties count half).

    labels and scores may carry leading batch axes (one resample per row).
    """
    labels = np.asarray(labels, bool)
    scores = np.asarray(scores, float)
    labels = np.broadcast_to(labels, scores.shape)
    ranks = rankdata(scores, axis=-1)
    n_pos = labels.sum(-1)
    n_neg = labels.shape[-1] - n_pos
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((ranks * labels).sum(-1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


METRICS = {"accuracy": accuracy, "auc": auc}


def percentile_ci(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    lo, hi = np.nanpercentile(samples, [tail, 100 - tail])
    return float(lo), float(hi)


def _chunks(n_resamples: int, size: int = 500):
    for start in range(0, n_resamples, size):
        yield min(size, n_resamples - start)


def bootstrap_ci(labels, scores, metric: str = "accuracy", n_resamples: int = 2000,
                 level: float = 0.95, seed: int = 0) -> dict:
    """Percentile bootstrap over examples for one model (scores: (n,))."""
    labels, scores = np.asarray(labels), np.asarray(scores)
    fn = METRICS[metric]
    rng = np.random.default_rng(seed)
    draws = []
    for b in _chunks(n_resamples):
        idx = rng.integers(0, labels.size, (b, labels.size))
        draws.append(fn(labels[idx], scores[idx]))
    lo, hi = percentile_ci(np.concatenate(draws), level)
    return {"estimate": float(fn(labels, scores)), "ci_low": lo, "ci_high": hi}


def two_level_bootstrap(labels, scores, metric: str = "accuracy", n_resamples: int = 2000,
                        level: float = 0.95, seed: int = 0) -> dict:
    """Seed-mean metric with a two-level bootstrap CI (seeds, then examples).

    scores: (S, n), one row per seed on the same n examples.
    """
    labels, scores = np.asarray(labels), np.atleast_2d(np.asarray(scores, float))
    n_seeds, n = scores.shape
    fn = METRICS[metric]
    rng = np.random.default_rng(seed)
    draws = []
    for b in _chunks(n_resamples):
        seeds = rng.integers(0, n_seeds, (b, n_seeds))
        idx = rng.integers(0, n, (b, n))
        resampled = scores[seeds[:, :, None], idx[:, None, :]]          # (b, S, n)
        draws.append(fn(labels[idx][:, None, :], resampled).mean(1))
    lo, hi = percentile_ci(np.concatenate(draws), level)
    per_seed = fn(labels, scores)
    return {"estimate": float(per_seed.mean()), "ci_low": lo, "ci_high": hi,
            "per_seed": per_seed.tolist()}


def seed_t_interval(values, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval over seed-level values (mean +/- t * s / sqrt(S))."""
    from scipy.stats import t

    values = np.asarray(values, float)
    if values.size < 2:
        return float(values.mean()), float(values.mean())
    half = t.ppf(0.5 + level / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return float(values.mean() - half), float(values.mean() + half)


def wilson_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    lo, hi = proportion_confint(successes, n, alpha=1 - level, method="wilson")
    return float(lo), float(hi)


# DeLong: no maintained Python library implements it; this is the fast algorithm of
# Sun & Xu (2014), checked in the tests against the O(mn) structural-component definition.
def _midrank(x: np.ndarray) -> np.ndarray:
    return rankdata(x, method="average")


def delong_components(labels, scores):
    """AUCs and DeLong structural components for k score rows on the same examples.

    scores: (k, n). Returns aucs (k,), v10 (k, m) over positives, v01 (k, n_neg).
    """
    labels = np.asarray(labels, bool)
    scores = np.atleast_2d(np.asarray(scores, float))
    pos, neg = scores[:, labels], scores[:, ~labels]
    m, n = pos.shape[1], neg.shape[1]
    tx = np.apply_along_axis(_midrank, 1, pos)
    ty = np.apply_along_axis(_midrank, 1, neg)
    tz = np.apply_along_axis(_midrank, 1, np.concatenate([pos, neg], axis=1))
    aucs = (tz[:, :m].sum(1) / m - (m + 1) / 2) / n
    v10 = (tz[:, :m] - tx) / n
    v01 = 1.0 - (tz[:, m:] - ty) / m
    return aucs, v10, v01


def delong_covariance(labels, scores):
    aucs, v10, v01 = delong_components(labels, scores)
    s10 = np.atleast_2d(np.cov(v10))
    s01 = np.atleast_2d(np.cov(v01))
    return aucs, s10 / v10.shape[1] + s01 / v01.shape[1]


def delong_ci(labels, scores, level: float = 0.95) -> dict:
    aucs, cov = delong_covariance(labels, np.asarray(scores)[None, :])
    se = float(np.sqrt(cov[0, 0]))
    z = norm.ppf(0.5 + level / 2)
    return {"estimate": float(aucs[0]), "se": se,
            "ci_low": float(aucs[0] - z * se), "ci_high": float(aucs[0] + z * se)}
