"""A task's own metric beside accuracy: GLUE scores MRPC and QQP by F1, CoLA by Matthews
correlation and STS-B (a regression task) by Pearson and Spearman correlation. scikit-learn and
scipy compute each, scipy's bootstrap gives its 95% percentile CI over examples (paired: labels
and predictions are resampled together).

A model's per-example outputs are class probabilities (n, k), or for a regression head its
predicted score (n, 1); `predicted` and `agreeing` read both.
"""
from __future__ import annotations

import numpy as np

# Two predicted scores "agree" within this (a tenth of STS-B's 0-5 scale): the regression analogue
# of the same predicted class, for the ratio labels and the oracle of AD-TP.
REGRESSION_TOLERANCE = 0.5


def is_regression(outputs: np.ndarray) -> bool:
    return outputs.shape[-1] == 1


def predicted(outputs: np.ndarray) -> np.ndarray:
    """(n,) the predicted class, or a regression head's predicted score."""
    return outputs[:, 0] if is_regression(outputs) else outputs.argmax(1)


def agreeing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n,) bool: the same predicted class, or scores within REGRESSION_TOLERANCE."""
    if is_regression(a):
        return np.abs(a[:, 0] - b[:, 0]) <= REGRESSION_TOLERANCE
    return a.argmax(1) == b.argmax(1)


def headline(outputs: np.ndarray, labels: np.ndarray) -> dict:
    """{accuracy} of class outputs, or {pearson, spearman} of a regression head's scores."""
    from scipy.stats import pearsonr, spearmanr

    if is_regression(outputs):
        return {"pearson": float(pearsonr(labels, outputs[:, 0]).statistic),
                "spearman": float(spearmanr(labels, outputs[:, 0]).statistic)}
    return {"accuracy": float((outputs.argmax(1) == labels).mean())}


def _pearson(y, p):
    from scipy.stats import pearsonr
    return pearsonr(y, p).statistic


def _spearman(y, p):
    from scipy.stats import spearmanr
    return spearmanr(y, p).statistic


def _scorer(metric: str):
    from sklearn.metrics import f1_score, matthews_corrcoef

    scorers = {"f1": f1_score, "matthews": matthews_corrcoef, "pearson": _pearson, "spearman": _spearman}
    if metric not in scorers:
        raise ValueError(f"no scorer for task metric {metric!r}; known: {sorted(scorers)}")
    return scorers[metric]


def score_pct(metric: str, labels, predictions, n_resamples: int = 1000, seed: int = 0) -> dict:
    """`<metric>_pct` in percent with `_ci_low` / `_ci_high`, for hard class predictions (or
    predicted scores for pearson / spearman)."""
    from scipy.stats import bootstrap

    fn = _scorer(metric)
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    ci = bootstrap((labels, predictions), lambda y, p: fn(y, p), paired=True, vectorized=False,
                   n_resamples=n_resamples, method="percentile", random_state=seed).confidence_interval
    return {f"{metric}_pct": 100 * float(fn(labels, predictions)),
            f"{metric}_pct_ci_low": 100 * float(ci.low), f"{metric}_pct_ci_high": 100 * float(ci.high)}
