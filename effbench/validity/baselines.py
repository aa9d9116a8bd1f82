"""No baseline below a constant: every baseline row above the majority-class rate, or flagged.

A baseline that a constant predictor beats (a shallow model that says 'spam' for every email)
is a broken baseline: any method 'beats' it. One exactly at the majority rate has collapsed onto
the prior: that is a finding about the method (pruning 80% of the tokens leaves nothing to read),
reported as 'degenerate: predicts one class' and never tuned away. The majority rate is taken on
the table's own examples (the floor's majority class, counted on the labels the table is scored on),
so a table on a test subset is held to that subset's rate.

  baseline_floor   per baseline row (shallow, random, attention, static ratios): fail below the rate,
                   finding at it, pass above it
  method_floor     per method row: a finding at or below the rate (methods are results, not floors)
Both: a row above the rate but below the table's own bag-of-words row (a point estimate) is a finding, not a
pass: such a row is not shown to read more than which words occur, and a method 'beating' it beats little.
"""
from __future__ import annotations

import numpy as np

from . import layout
from .core import record
from .preds import row_predictions, table_labels


def majority_rate(run, table) -> tuple[float | None, int | None, int | None, str]:
    """(rate, majority class, n examples, where the class came from) on the table's examples."""
    labels = table_labels(run, table)
    floor = run.json(layout.floor_files(table.task)[0])
    if labels is None:
        if floor is None or "majority_rate" not in floor:
            return None, None, None, ""
        return float(floor["majority_rate"]), floor.get("majority_class"), floor.get("n_test"), "floor.json"
    if floor is not None and "majority_class" in floor:
        cls, source = int(floor["majority_class"]), "the training majority (floor.json)"
    else:
        cls, source = int(np.bincount(labels).argmax()), "the test majority (no floor.json)"
    return float((labels == cls).mean()), cls, int(labels.size), source


def regression(run, table) -> bool:
    """A task scored by correlation: float labels in the floor or in the table's dense predictions."""
    z = run.npz(layout.floor_files(table.task)[1])
    labels = z["labels"] if z is not None else table_labels(run, table)
    if labels is None and table.runs:
        from .preds import seed_files
        files = seed_files(run, table.runs, "dense")
        labels = run.npz(files[0])["labels"] if files else None
    return labels is not None and labels.dtype.kind == "f"


def _one_class(run, table, name, row) -> str:
    got = row_predictions(run, table, name, row)
    if got is None:
        return ""
    classes = np.unique(got[1])
    return f"predicts class {classes[0]} for every example" if classes.size == 1 else ""


def check(run) -> list[dict]:
    out = []
    for task in layout.text_tasks(run.config):
        for table in layout.tables(run.config, task) + layout.extra_tables(run.config, task):
            frame = run.csv(table.artefact)
            if frame is None:
                continue
            if regression(run, table):
                out.append(record("baseline_floor", table.study, task, table.artefact, "", "not_applicable",
                                  "a regression task has no majority class (its floor: a correlation above zero "
                                  "and the bag of words', effbench.validity.regression)"))
                continue
            rate, cls, n, source = majority_rate(run, table)
            if rate is None:
                out.append(run.missing("baseline_floor", table.study, task, table.artefact,
                                       "the majority-class rate (floor.json, or the table's dense predictions)"))
                continue
            half = 0.5 / n if n else 1e-9      # one example either way is 'at' the rate
            bow = layout.accuracy(frame, table, "bag_of_words")
            for name, acc, row in layout.rows(frame, table):
                baseline = layout.is_baseline(name)
                if not (baseline or layout.is_method(name)):
                    continue
                one = _one_class(run, table, name, row)
                nums = {"accuracy": acc, "majority_rate": rate, "majority_class": cls, "n_examples": n}
                at, below = abs(acc - rate) <= half, acc < rate - half
                what = "baseline_floor" if baseline else "method_floor"
                if not (at or below):
                    msg = f"{acc:.3f} above the majority-class rate {rate:.3f}"
                    if bow is not None and name != "bag_of_words" and acc < bow - half:
                        out.append(record(what, table.study, task, table.artefact, name, "finding",
                                          f"{msg} but below the bag of words' {bow:.3f}, by {round((bow - acc) * n) if n else '?'}"
                                          f" of {n} examples (point estimates, not a tested difference): not shown to "
                                          "read more than which words occur", {**nums, "bag_of_words": bow}))
                    else:
                        out.append(record(what, table.study, task, table.artefact, name, "pass", msg, nums))
                    continue
                flag = "degenerate: " + (one or ("predicts one class" if at else "below a constant predictor"))
                if at:
                    msg = (f"{flag}: {acc:.3f} = the majority-class rate ({source}); "
                           + ("reported as a finding" if baseline else "a finding about the method"))
                    out.append(record(what, table.study, task, table.artefact, name, "finding", msg, nums))
                elif baseline:
                    out.append(record(what, table.study, task, table.artefact, name, "fail",
                                      f"{flag}: {acc:.3f} below the majority-class rate {rate:.3f} ({source}): "
                                      "a broken baseline, which any method beats", nums))
                else:
                    out.append(record(what, table.study, task, table.artefact, name, "finding",
                                      f"{flag}: {acc:.3f} below the majority-class rate {rate:.3f}", nums))
    return out
