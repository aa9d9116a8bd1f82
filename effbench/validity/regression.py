"""The floor of a regression task (GLUE's STS-B at the paper scale): Pearson correlation, not accuracy.

The floor's majority predictor is the training mean (correlation undefined: it ranks nothing) and its
bag of words a ridge regression (effbench.studies.dense.floor). So on a regression task
  majority_floor  the dense model's Pearson r above zero (one-sided bootstrap bound at alpha)
  bow_floor       the dense model's r not significantly below the bag of words' (paired bootstrap over
                  the same test examples of the seed-mean r difference, one-sided at alpha)
"""
from __future__ import annotations

import numpy as np

from . import layout
from .core import record

RESAMPLES = 2000


def dense_scores(run, task: str, labels):
    """(source, (S, n) predicted scores) of the dense model on the floor's examples, or (None, None)."""
    from .preds import seed_files

    for table in layout.tables(run.config, task):
        if not table.runs:
            continue
        rows = []
        for f in seed_files(run, table.runs, "dense"):
            z = run.npz(f)
            if "probs" in z and np.asarray(z["probs"]).ndim == 1 and np.array_equal(z["labels"], labels):
                rows.append(np.asarray(z["probs"], float))
        if rows:
            return f"{table.runs}/dense", np.vstack(rows)
    return None, None


def _pearson(pred: np.ndarray, labels: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Pearson r of each resample (rows of idx)."""
    x, y = pred[idx], labels[idx]
    x, y = x - x.mean(1, keepdims=True), y - y.mean(1, keepdims=True)
    return (x * y).sum(1) / np.sqrt((x * x).sum(1) * (y * y).sum(1))


def check(run, task, fjson, labels, z, guards) -> list[dict]:
    source, dense = dense_scores(run, task, labels)
    if dense is None:
        return [run.missing(n, "dense", task, fjson, f"the dense model's scores on the floor's {labels.size} "
                            "test examples", "dense", guards) for n in ("majority_floor", "bow_floor")]
    labels = np.asarray(labels, float)
    bow = np.asarray(z["bow_probs"], float).reshape(-1)
    idx = np.random.default_rng(0).integers(0, labels.size, (RESAMPLES, labels.size))
    r_dense = np.mean([_pearson(s, labels, idx) for s in dense], axis=0)
    r_bow = _pearson(bow, labels, idx)
    point = float(np.mean([np.corrcoef(s, labels)[0, 1] for s in dense]))
    bow_point = float(np.corrcoef(bow, labels)[0, 1])
    alpha = run.alpha
    lower = float(np.nanpercentile(r_dense, 100 * alpha))
    upper_delta = float(np.nanpercentile(r_dense - r_bow, 100 * (1 - alpha)))
    nums = {"dense_pearson": point, "bow_pearson": bow_point, "dense_lower": lower, "delta_upper": upper_delta,
            "n_examples": int(labels.size), "n_seeds": int(dense.shape[0])}
    ok_major, ok_bow = lower > 0, upper_delta >= 0
    return [
        record("majority_floor", "dense", task, fjson, "dense", "pass" if ok_major else "fail",
               f"dense Pearson r {point:.3f} " + ("above zero" if ok_major else "not above zero: it ranks nothing")
               + f" (one-sided bound {lower:.3f}) [{source}]", nums, guards),
        record("bow_floor", "dense", task, fjson, "dense", "pass" if ok_bow else "fail",
               f"dense Pearson r {point:.3f} " + ("not significantly below" if ok_bow else "significantly below")
               + f" the bag of words' {bow_point:.3f} [{source}]", nums, guards),
    ]
