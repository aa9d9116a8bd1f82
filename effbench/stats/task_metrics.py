"""A task's own metric beside accuracy: GLUE scores MRPC and QQP by F1 and CoLA by Matthews
correlation. scikit-learn computes each, scipy's bootstrap gives its 95% percentile CI over
examples (paired: labels and predictions are resampled together)."""
from __future__ import annotations

import numpy as np


def _scorer(metric: str):
    from sklearn.metrics import f1_score, matthews_corrcoef

    scorers = {"f1": f1_score, "matthews": matthews_corrcoef}
    if metric not in scorers:
        raise ValueError(f"no scorer for task metric {metric!r}; known: {sorted(scorers)}")
    return scorers[metric]


def score_pct(metric: str, labels, predictions, n_resamples: int = 1000, seed: int = 0) -> dict:
    """`<metric>_pct` in percent with `_ci_low` / `_ci_high`, for hard class predictions."""
    from scipy.stats import bootstrap

    fn = _scorer(metric)
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    ci = bootstrap((labels, predictions), lambda y, p: fn(y, p), paired=True, vectorized=False,
                   n_resamples=n_resamples, method="percentile", random_state=seed).confidence_interval
    return {f"{metric}_pct": 100 * float(fn(labels, predictions)),
            f"{metric}_pct_ci_low": 100 * float(ci.low), f"{metric}_pct_ci_high": 100 * float(ci.high)}
