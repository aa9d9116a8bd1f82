"""The floor of every text task: the majority class and a bag of words (results/dense/<task>/floor.*).

A transformer that a TF-IDF logistic regression beats on the same training subset, truncated
text and test split is a broken fine-tune, not a result; one at the majority rate has learned
the prior. Three checks per task (a regression task: effbench.validity.regression):
  majority_floor  the dense model above the majority-class rate
  bow_floor       the dense model not significantly below the bag of words (paired bootstrap of
                  the seed-mean accuracy difference over the same test examples, one-sided at alpha)
  floor_rows      every text study's table shows both floors as rows (`majority`, `bag_of_words`), with the
                  floor's own numbers, so a reader sees them beside the methods
"""
from __future__ import annotations

import numpy as np

from . import layout, regression
from .core import record
from .preds import is_regression, paired, predicted, probs_key, variant_correct

TOLERANCE = 5e-4    # a CSV keeps 6 significant digits, a percent column two more places


def _guards(config, task):
    return [t.artefact for t in layout.tables(config, task)]


def dense_on_floor(run, task: str, labels):
    """(source, correct (S, n)) of the dense model on the floor's examples: the first study whose
    dense predictions are on exactly those examples (EAT scores the whole test split)."""
    for table in layout.tables(run.config, task):
        if table.study == "frontier":
            z = run.npz(f"results/frontier/cost/{task}.npz")
            if z is not None and "probs_dense" in z and np.array_equal(z["labels"], labels):
                return f"results/frontier/cost/{task}.npz", (predicted(z["probs_dense"]) == labels)[None]
        elif table.runs:
            got = variant_correct(run, table.runs, "dense")
            if got is not None and np.array_equal(got[0], labels):
                return f"{table.runs}/dense", got[1]
    return None, None


def floor_checks(run) -> list[dict]:
    out = []
    for task in layout.text_tasks(run.config):
        fjson, fnpz = layout.floor_files(task)
        guards = _guards(run.config, task)
        floor, z = run.json(fjson), run.npz(fnpz)
        if floor is None or z is None:
            for name in ("majority_floor", "bow_floor"):
                out.append(run.missing(name, "dense", task, fjson, f"{fjson} and {fnpz} (the dense_floor rule)",
                                       "dense", guards))
            continue
        labels = z["labels"]
        if is_regression(labels):          # STS-B: correlations, not accuracy
            out += regression.check(run, task, fjson, labels, z, guards)
            continue
        source, dense = dense_on_floor(run, task, labels)
        if dense is None:      # the smoke scale scores test subsets; every published table the whole split
            out += [run.missing(n, "dense", task, fjson, f"the dense model's predictions on the floor's "
                                f"{labels.size} test examples (every study scores another subset)", "dense", guards)
                    for n in ("majority_floor", "bow_floor")]
            continue
        out += _compare(run, task, fjson, source, labels, dense, z, guards)
    return out


def _compare(run, task, fjson, source, labels, dense, z, guards) -> list[dict]:
    out = []
    bow = predicted(z[probs_key(z, "bow_probs")]) == labels
    majority = predicted(z[probs_key(z, "majority_probs")]) == labels
    acc = float(dense.mean())
    for name, floor, what in (("majority_floor", majority, "the majority class"),
                              ("bow_floor", bow, "the bag of words (TF-IDF 1-2-grams, logistic regression)")):
        test = paired(dense, floor[None], alpha=run.alpha)
        nums = {"dense_accuracy": acc, "floor_accuracy": float(floor.mean()), "delta": test["delta"],
                "ci_low": test["ci_low"], "ci_high": test["ci_high"], "p_value": test["p_value"],
                "n_examples": int(labels.size), "n_seeds": int(dense.shape[0])}
        if name == "majority_floor":
            ok = test["delta"] > 0
            msg = (f"dense {acc:.3f} above {what} ({floor.mean():.3f})" if ok else
                   f"dense {acc:.3f} not above {what} ({floor.mean():.3f}): it learned the prior at best")
        else:
            # significantly below: the one-sided upper bound of dense - bow is under zero
            ok = test["upper_one_sided"] >= 0
            msg = (f"dense {acc:.3f} not significantly below {what} ({floor.mean():.3f}; "
                   f"delta {test['delta']:+.3f}, 95% CI [{test['ci_low']:+.3f}, {test['ci_high']:+.3f}])" if ok else
                   f"dense {acc:.3f} significantly below {what} ({floor.mean():.3f}; delta {test['delta']:+.3f}, "
                   f"95% CI [{test['ci_low']:+.3f}, {test['ci_high']:+.3f}]): the fine-tune is broken")
        out.append(record(name, "dense", task, fjson, "dense", "pass" if ok else "fail", msg + f" [{source}]",
                          nums, guards))
    return out


def floor_row_checks(run) -> list[dict]:
    """Each text table carries `majority` and `bow` rows equal to the task's floor."""
    out = []
    for task in layout.text_tasks(run.config):
        floor = run.json(layout.floor_files(task)[0])
        for table in layout.tables(run.config, task):
            frame = run.csv(table.artefact)
            if frame is None:
                continue
            have = {name: acc for name, acc, _ in layout.rows(frame, table) if layout.is_floor(name)}
            for name in layout.FLOOR_ROWS:
                if name not in have:
                    out.append(run.missing("floor_rows", table.study, task, table.artefact,
                                           f"a '{name}' row in {table.artefact}", name))
                    continue
                if floor is None:
                    out.append(run.missing("floor_rows", table.study, task, table.artefact,
                                           f"{layout.floor_files(task)[0]} to compare the '{name}' row with", name))
                    continue
                want = floor["majority_rate"] if name == "majority" else floor["bow"]["accuracy"]
                ok = abs(have[name] - want) <= TOLERANCE
                out.append(record("floor_rows", table.study, task, table.artefact, name, "pass" if ok else "fail",
                                  f"'{name}' row {have[name]:.4f} {'=' if ok else '!='} floor {want:.4f}"
                                  + ("" if ok else " (scored on other examples, or another fit)"),
                                  {"row": have[name], "floor": want}))
    return out
