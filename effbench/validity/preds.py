"""Per-example predictions as the checks compare them: labels and predicted classes, any study.

preds.npz files differ by study in one way only: which array holds the probabilities. A binary
task keeps P(class 1) as a vector, a multi-class task the (n, classes) matrix; EAT keeps one array
per operating point (`probs_<tau>`, `probs_none` for the model without exits) and the frontier one
per method (`probs_<name>`). A regression task (a float label) has no classes: callers skip it.
"""
from __future__ import annotations

import glob
from pathlib import Path

import numpy as np

from ..studies.eat.plan import tau_key


def predicted(probs) -> np.ndarray:
    probs = np.asarray(probs)
    return (probs > 0.5).astype(int) if probs.ndim == 1 else probs.argmax(-1)


def probs_key(z: dict, key: str | None = None) -> str | None:
    """The array of class probabilities in one preds file (EAT's dense model: `probs_none`)."""
    # AD-TP's `probs` is the top class's probability on a multi-class task; `probs_all` has every class
    for k in ([key] if key else []) + ["probs_all", "probs", "probs_none"]:
        if k and k in z:
            return k
    return None


def is_regression(labels) -> bool:
    return np.asarray(labels).dtype.kind == "f"


def seed_files(run, runs_root: str, variant: str) -> list[str]:
    """Every seed's preds.npz of one variant, in seed order (paths relative to the run's root)."""
    found = sorted(glob.glob(str(run.path(f"{runs_root}/{variant}/seed*/preds.npz"))))
    return [str(Path(p).relative_to(run.root)) for p in found]


def variant_predictions(run, runs_root: str, variant: str, key: str | None = None):
    """(labels, predicted classes (S, n)) of one variant's seeds, or None without predictions."""
    labels, rows = None, []
    for f in seed_files(run, runs_root, variant):
        z = run.npz(f)
        k = probs_key(z, key)
        if k is None or is_regression(z["labels"]):
            return None
        if labels is not None and not np.array_equal(labels, z["labels"]):
            return None
        labels = z["labels"]
        rows.append(predicted(z[k]))
    return None if labels is None else (labels, np.vstack(rows))


def variant_correct(run, runs_root: str, variant: str, key: str | None = None):
    """(labels, correct (S, n)) of one variant's seeds, or None without predictions."""
    got = variant_predictions(run, runs_root, variant, key)
    return None if got is None else (got[0], got[1] == got[0])


def eat_key(row) -> str:
    """The probabilities of one EAT frontier row: its tau, or the patience variant's."""
    tau = row.get("tau")
    tau = None if tau is None or tau != tau else float(tau)
    return "probs_" + (f"patience{tau:g}" if bool(row.get("patience")) and tau is not None else tau_key(tau))


def row_predictions(run, table, name: str, row):
    """(labels, predicted classes (S, n)) behind one table row, where the study saved them."""
    if table.study == "frontier":
        z = run.npz(f"results/frontier/cost/{table.task}.npz")
        if z is None or f"probs_{name}" not in z or is_regression(z["labels"]):
            return None
        return z["labels"], predicted(z[f"probs_{name}"])[None]
    if table.runs is None:
        return None
    if table.study == "eat":
        return variant_predictions(run, table.runs, str(row.get("model", name)), eat_key(row))
    variant = row.get("method") if "method" in row else name      # AD-TP's retainer names its run in `method`
    return variant_predictions(run, table.runs, str(variant))


def table_labels(run, table):
    """The labels of the examples a table is scored on: its dense run's, or the frontier's."""
    if table.study == "frontier":
        z = run.npz(f"results/frontier/cost/{table.task}.npz")
        return None if z is None else z["labels"]
    got = variant_predictions(run, table.runs, "dense") if table.runs else None
    return None if got is None else got[0]


def row_correct(run, table, name: str, row):
    """(labels, correct (S, n)) behind one table row, where the study saved them."""
    got = row_predictions(run, table, name, row)
    return None if got is None else (got[0], got[1] == got[0])


def paired(correct_a, correct_b, n_resamples: int = 2000, alpha: float = 0.05) -> dict:
    """Paired bootstrap of the seed-mean accuracy difference A - B on the same examples
    (stats.tests.paired_bootstrap on correctness: a label of 1 and a score of 1 or 0); its
    `lower_one_sided` / `upper_one_sided` bounds are one-sided at alpha."""
    from ..stats.tests import paired_bootstrap

    a, b = np.atleast_2d(correct_a).astype(float), np.atleast_2d(correct_b).astype(float)
    return paired_bootstrap(np.ones(a.shape[1]), a, b, "accuracy", n_resamples, level=1 - alpha, seed=0)
