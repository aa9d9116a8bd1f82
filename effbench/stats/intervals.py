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
from scipy.stats import rankdata
from statsmodels.stats.proportion import proportion_confint

from .delong import delong_ci, delong_components, delong_covariance  # noqa: F401  (their home before)


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
    samples = np.asarray(samples, float)
    if not np.isfinite(samples).all():
        raise ValueError(f"{int((~np.isfinite(samples)).sum())} of {samples.size} resamples are undefined: "
                         "redraw them (bootstrap_metric does) instead of dropping them")
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(samples, [tail, 100 - tail])
    return float(lo), float(hi)


def check_both_classes(labels) -> None:
    """AUC (and DeLong) need positives and negatives: say so before any resampling."""
    labels = np.asarray(labels, bool)
    if labels.all() or not labels.any():
        raise ValueError(f"AUC is undefined: all {labels.size} labels are {'positive' if labels.all() else 'negative'}")


# ---- the bootstrap engine -------------------------------------------------------------
# A resample of n examples is a vector of counts (how often each example was drawn), so a
# metric of many resamples is a weighted metric: accuracy is counts @ correct, and AUC is a
# weighted Mann-Whitney statistic computed once the scores are sorted. This keeps 10,000
# resamples of ~1,000 examples at tens of milliseconds per metric and seed.

def resample_counts(rng: np.random.Generator, n: int, n_resamples: int, max_draws: int = 1 << 22) -> np.ndarray:
    """(B, n) draw counts of B bootstrap resamples of n examples.

    Drawn in blocks of rows of at most `max_draws` indices: the int64 index array of all B x n draws
    at once was the job's peak (2,000 x QQP's 40,430 dev examples: 650 MB, and as much again for the
    counts before the cast). Generator.integers fills row after row, so the blocks draw exactly the
    numbers one call would: the same counts for the same seed, whatever `max_draws` is."""
    out = np.empty((n_resamples, n), np.float32)                 # exact for counts < 2^24
    rows = max(1, max_draws // max(n, 1))
    for start in range(0, n_resamples, rows):
        b = min(rows, n_resamples - start)
        idx = rng.integers(0, n, (b, n)) + np.arange(b)[:, None] * n
        out[start: start + b] = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n)
    return out


def accuracy_from_counts(counts: np.ndarray, labels, scores) -> np.ndarray:
    """Accuracy of each resample; scores (S, n) -> (B, S)."""
    correct = (np.atleast_2d(scores) > 0.5) == np.asarray(labels, bool)
    return (counts @ correct.T.astype(np.float32)).astype(np.float64) / counts.sum(1, keepdims=True)


def auc_from_counts(counts: np.ndarray, labels, scores) -> np.ndarray:
    """AUC of each resample (ties count half); scores (S, n) -> (B, S)."""
    labels = np.asarray(labels, bool)
    out = np.empty((counts.shape[0], np.atleast_2d(scores).shape[0]))
    for s, row in enumerate(np.atleast_2d(scores)):
        order = np.argsort(row, kind="stable")
        sorted_scores, sorted_pos = row[order], labels[order]
        c = counts[:, order]
        neg_upto = np.cumsum(c * ~sorted_pos, axis=1)          # negatives scored <= each position
        if np.all(sorted_scores[1:] != sorted_scores[:-1]):
            # no ties: each positive beats exactly the negatives sorted below it
            num = np.einsum("bn,bn->b", c[:, sorted_pos], neg_upto[:, sorted_pos])
        else:
            # ties count half: a positive beats the negatives of lower tie groups, half of its own
            starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
            pos = np.add.reduceat(c * sorted_pos, starts, axis=1)
            neg = np.add.reduceat(c * ~sorted_pos, starts, axis=1)
            num = (pos * (np.cumsum(neg, axis=1) - 0.5 * neg)).sum(1)
        n_pos = c[:, sorted_pos].sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, s] = num / (n_pos * (c.sum(1) - n_pos))
    return out


FROM_COUNTS = {"accuracy": accuracy_from_counts, "auc": auc_from_counts}


def defined_resample_counts(rng: np.random.Generator, labels, n_resamples: int, metric: str,
                            max_rounds: int = 1000) -> tuple[np.ndarray, int]:
    """Resample counts on which `metric` is defined, and how many draws were redrawn.

    AUC needs a positive and a negative in the resample; a resample without one is drawn
    again (the bootstrap conditioned on both classes being present), never dropped, so the
    interval always rests on `n_resamples` values and the redraw count is reported."""
    labels = np.asarray(labels, bool)
    counts = resample_counts(rng, labels.size, n_resamples)
    if metric != "auc":
        return counts, 0
    check_both_classes(labels)
    redrawn = 0
    for _ in range(max_rounds):
        bad = np.flatnonzero((counts[:, labels].sum(1) == 0) | (counts[:, ~labels].sum(1) == 0))
        if bad.size == 0:
            return counts, redrawn
        redrawn += bad.size
        counts[bad] = resample_counts(rng, labels.size, bad.size)
    raise ValueError(f"AUC stayed undefined after {max_rounds} redraws: {labels.sum()} positives of {labels.size}")


def bootstrap_metric(labels, scores, metric: str, n_resamples: int, rng: np.random.Generator,
                     chunk: int = 2000) -> tuple[np.ndarray, int]:
    """(B, S) metric of every seed's scores on B shared example resamples, and the number of
    resamples redrawn because the metric was undefined on them (see defined_resample_counts)."""
    labels = np.asarray(labels)
    scores = np.atleast_2d(np.asarray(scores, float))
    fn = FROM_COUNTS[metric]
    parts, redrawn = [], 0
    for start in range(0, n_resamples, chunk):
        counts, r = defined_resample_counts(rng, labels, min(chunk, n_resamples - start), metric)
        parts.append(fn(counts, labels, scores))
        redrawn += r
    return np.concatenate(parts), redrawn


def bootstrap_ci(labels, scores, metric: str = "accuracy", n_resamples: int = 2000,
                 level: float = 0.95, seed: int = 0) -> dict:
    """Percentile bootstrap over examples for one model (scores: (n,))."""
    draws, redrawn = bootstrap_metric(labels, scores, metric, n_resamples, np.random.default_rng(seed))
    lo, hi = percentile_ci(draws[:, 0], level)
    return {"estimate": float(METRICS[metric](labels, scores)), "ci_low": lo, "ci_high": hi, "n_redrawn": redrawn}


def two_level_bootstrap(labels, scores, metric: str = "accuracy", n_resamples: int = 2000,
                        level: float = 0.95, seed: int = 0) -> dict:
    """Seed-mean metric with a two-level bootstrap CI (seeds, then examples).

    scores: (S, n), one row per seed on the same n examples; each resample draws S seeds
    with replacement and one example resample shared by them.
    """
    scores = np.atleast_2d(np.asarray(scores, float))
    rng = np.random.default_rng(seed)
    per_resample, redrawn = bootstrap_metric(labels, scores, metric, n_resamples, rng)       # (B, S)
    lo, hi = percentile_ci(seed_mean_draws(per_resample, rng), level)
    per_seed = METRICS[metric](labels, scores)
    return {"estimate": float(per_seed.mean()), "ci_low": lo, "ci_high": hi,
            "per_seed": per_seed.tolist(), "n_redrawn": redrawn,
            "method": interval_method(scores.shape[0], scores.shape[1])}


def seed_mean_draws(per_resample: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The seed level: (B, S) per-seed values on B example resamples -> (B,) means of S seeds drawn anew."""
    seeds = rng.integers(0, per_resample.shape[1], per_resample.shape)
    return np.take_along_axis(per_resample, seeds, axis=1).mean(1)


def interval_method(n_seeds: int, n_examples: int) -> str:
    """What a two-level bootstrap over n_seeds x n_examples is: over examples only, or none of one value."""
    return "two_level_bootstrap" if n_seeds > 1 else "example_bootstrap" if n_examples > 1 else "none"


def two_level_bootstrap_of(values, statistic=None, n_resamples: int = 2000, level: float = 0.95,
                           seed: int = 0, chunk: int = 2000) -> dict:
    """The two-level bootstrap (seeds, then examples) of any statistic of per-example means.

    values: (S, n) or (S, k, n), k per-example quantities (correctness, IoU, a log-ratio) of S seeds on
    the same n examples; each resample draws one example resample shared by seeds and quantities, then
    S seeds. statistic: (..., S, k) example means -> (..., S), applied per seed before the seed draw, so
    quantities paired within a seed (mCE: a model's errors over dense's of that seed) stay paired.
    Returns the seed-mean estimate, percentile interval ((nan, nan) for one value), per-seed values, method."""
    values = np.asarray(values, float)
    values = values[:, None] if values.ndim == 2 else values                  # (S, k, n)
    n_seeds, k, n = values.shape
    statistic = statistic or (lambda means: means[..., 0])
    per_seed = np.asarray(statistic(values.mean(-1)), float)                  # (S,)
    out = {"estimate": float(per_seed.mean()), "per_seed": per_seed.tolist(),
           "method": interval_method(n_seeds, n)}
    if out["method"] == "none":
        return {**out, "ci_low": float("nan"), "ci_high": float("nan")}
    rng = np.random.default_rng(seed)
    flat = values.reshape(n_seeds * k, n).T                                   # (n, S*k)
    parts = []
    for start in range(0, n_resamples, chunk):
        counts = resample_counts(rng, n, min(chunk, n_resamples - start)).astype(np.float64)   # (b, n)
        means = (counts @ flat) / counts.sum(1, keepdims=True)                # (b, S*k)
        parts.append(statistic(means.reshape(-1, n_seeds, k)))                # (b, S)
    lo, hi = percentile_ci(seed_mean_draws(np.concatenate(parts), rng), level)
    return {**out, "ci_low": lo, "ci_high": hi}


def seed_t_interval(values, level: float = 0.95, bounds: tuple = (-np.inf, np.inf)) -> tuple[float, float]:
    """Student-t interval over seed-level values (mean +/- t * s / sqrt(S)) clipped to the metric's range
    `bounds` (symmetric, it crosses a bound it is near: no accuracy above 100%, no error below zero); for
    quantities without per-example values (with them, two_level_bootstrap(_of) is the interval).
    Fewer than two values have no spread to estimate: (nan, nan), 'no interval'."""
    from scipy.stats import t

    values = np.asarray(values, float)
    if values.size < 2:
        return float("nan"), float("nan")
    half = t.ppf(0.5 + level / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    lo, hi = np.clip([values.mean() - half, values.mean() + half], *bounds)
    return float(lo), float(hi)


def interval_columns(name: str, result: dict, scale: float = 1.0) -> dict:
    """A table's columns for one metric's interval: `<name>`, `_ci_low`, `_ci_high`, `_ci_method`
    and `_per_seed` ("a / b / c", so a reader sees what the seeds did), all times `scale`."""
    return {name: scale * result["estimate"], f"{name}_ci_low": scale * result["ci_low"],
            f"{name}_ci_high": scale * result["ci_high"], f"{name}_ci_method": result["method"],
            f"{name}_per_seed": " / ".join(f"{scale * v:.4g}" for v in result["per_seed"])}


def wilson_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    lo, hi = proportion_confint(successes, n, alpha=1 - level, method="wilson")
    return float(lo), float(hi)


def classification_intervals(labels, probs, n_resamples: int = 2000, level: float = 0.95, seed: int = 0) -> dict:
    """Accuracy and AUC of a model's seeds (probs: (S, n)) with every interval paper 000 names:
    the two-level bootstrap (`<metric>_ci_low/high`, the primary one), and its §9.2 / §9.3
    seed-wise Wilson (accuracy) and DeLong (AUC, logit scale) intervals, averaged over seeds
    as its §9.1 summarises them (`accuracy_wilson_low/high`, `auc_delong_low/high`)."""
    labels = np.asarray(labels)
    probs = np.atleast_2d(np.asarray(probs, float))
    out = {}
    for metric in ("accuracy", "auc"):
        r = two_level_bootstrap(labels, probs, metric, n_resamples, level, seed)
        out.update({metric: r["estimate"], f"{metric}_ci_low": r["ci_low"], f"{metric}_ci_high": r["ci_high"],
                    f"{metric}_bootstrap_redrawn": r["n_redrawn"]})
    wilson = [wilson_ci(int(((p > 0.5) == labels.astype(bool)).sum()), labels.size, level) for p in probs]
    out["accuracy_wilson_low"], out["accuracy_wilson_high"] = (float(v) for v in np.mean(wilson, axis=0))
    try:
        delong = [delong_ci(labels, p, level) for p in probs]
        out["auc_delong_low"] = float(np.mean([d["ci_low"] for d in delong]))
        out["auc_delong_high"] = float(np.mean([d["ci_high"] for d in delong]))
    except ValueError:                                   # a class with one example: no DeLong variance
        out["auc_delong_low"] = out["auc_delong_high"] = float("nan")
    return out
