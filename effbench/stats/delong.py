"""DeLong's interval of an AUC (Sun & Xu 2014), checked in the tests against the structural-component definition."""
from __future__ import annotations

import numpy as np
from scipy.stats import norm, rankdata


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
    if min(m, n) < 2:
        # each class's component variance needs two examples; with one it is 0/0
        raise ValueError(f"DeLong's variance needs at least 2 positives and 2 negatives; got {m} and {n}")
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
    """AUC with DeLong's standard error; the interval is built on the logit scale (delta
    method), so it stays inside (0, 1); at an AUC of exactly 0 or 1 it is the point itself."""
    aucs, cov = delong_covariance(labels, np.asarray(scores)[None, :])
    a, se = float(aucs[0]), float(np.sqrt(cov[0, 0]))
    z = norm.ppf(0.5 + level / 2)
    if 0 < a < 1:
        logit, half = np.log(a / (1 - a)), z * se / (a * (1 - a))
        lo, hi = 1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half)))
    else:
        lo = hi = a
    return {"estimate": a, "se": se, "ci_low": float(lo), "ci_high": float(hi), "scale": "logit"}
