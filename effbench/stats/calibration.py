"""Calibration: expected calibration error, reliability bins, temperature scaling."""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax


def reliability_bins(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 15) -> dict:
    """Equal-width confidence bins: count, mean confidence and accuracy per bin."""
    confidence = np.asarray(confidence, float)
    correct = np.asarray(correct, float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(which, confidence, n_bins) / count
        acc = np.bincount(which, correct, n_bins) / count
    return {"edges": edges, "count": count, "confidence": conf, "accuracy": acc}


def ece(probs: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence (probs: (n, C))."""
    probs = np.asarray(probs, float)
    bins = reliability_bins(probs.max(1), probs.argmax(1) == labels, n_bins)
    used = bins["count"] > 0
    gap = np.abs(bins["accuracy"][used] - bins["confidence"][used])
    return float((bins["count"][used] * gap).sum() / bins["count"].sum())


def fit_temperature(logits: np.ndarray, labels: np.ndarray, bounds=(0.05, 20.0)) -> dict:
    """The temperature T in `bounds` minimising the NLL of softmax(logits / T).

    Returns {"temperature", "at_bound"}: at_bound is "lower" / "upper" when the optimum lies at
    a bound (the unconstrained T is more extreme: e.g. separable logits want T -> 0), else "".
    """
    logits = np.asarray(logits, float)
    idx = np.arange(labels.size)

    def nll(log_t):
        return -log_softmax(logits / np.exp(log_t), axis=1)[idx, labels].mean()

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    res = minimize_scalar(nll, bounds=(lo, hi), method="bounded")
    # the bounded search never evaluates the bounds themselves: a bound no worse than its
    # optimum means the NLL still falls past it
    for name, edge in (("lower", lo), ("upper", hi)):
        if nll(edge) <= res.fun:
            return {"temperature": float(np.exp(edge)), "at_bound": name}
    return {"temperature": float(np.exp(res.x)), "at_bound": ""}


def scaled_probs(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    return softmax(np.asarray(logits, float) / temperature, axis=1)
