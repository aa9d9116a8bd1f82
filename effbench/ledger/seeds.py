"""How many trained models (seeds) one cell of an artefact rests on, read from the artefact itself.

A sweep that trains a variant once writes an interval over that one model's held-out examples or sets
(stats.intervals: `example_bootstrap`); it carries no seed-to-seed variance, so the ledger must not
score it as if it did (stats.equivalence: "one seed"). The count is the artefact's own, never a hand
list: the cell's `<col>_per_seed` values ("a / b / c", written by stats.intervals.interval_columns),
else the row's `n_seeds`, else its `ci_over` ("1 seed x 4 sets"), else an `example_bootstrap` method
(which stats.intervals.interval_method writes only for one seed). A row whose `trained` column is
false is not a trained quantity (a heuristic preprocessor on seeded point sets: the seed draws data,
not a model), and a row of 0 seeds is a floor (no model): neither has a seed count that matters.
"""
from __future__ import annotations

import re


def _given(v) -> bool:
    return v is not None and v == v and str(v).strip() != ""          # v == v: not NaN


def trained_seeds(row, col: str) -> int | None:
    """The number of trained seeds behind `row[col]` (a Series or dict), or None where the artefact
    says nothing or the quantity does not depend on training."""
    trained = row.get("trained")
    if _given(trained) and str(trained).strip().lower() in ("false", "0", "0.0", "no"):
        return None
    per_seed = row.get(f"{col}_per_seed")
    if _given(per_seed):
        return len([x for x in re.split(r"[/;]", str(per_seed)) if x.strip()])
    n = row.get("n_seeds")
    if _given(n):
        try:
            return int(float(n)) or None                              # 0: a floor, no trained model
        except ValueError:
            pass
    m = re.match(r"\s*(\d+) seeds?\b", str(row.get("ci_over", "")))
    if m:
        return int(m.group(1))
    return 1 if row.get(f"{col}_ci_method") == "example_bootstrap" else None
