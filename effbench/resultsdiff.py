"""Compare the tables of two results trees: two runs of one config must agree in every cell but
the measured times (and what is computed from them). Used by `scripts/diff_results.py` and the
determinism checks of the test suite."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

TIMING = re.compile(r"ms|latency|throughput|speedup|second|time|_per_s|_s$|overhead|tflops|benefit|share|measured_over"
                    r"|iqr|mad|break_even|saving_per_call|total_pipeline|entropynet$|chan_s_alg", re.I)
MEASURED_KINDS = {"time", "ratio"}       # ledger rows scored against a measured time or speed-up


def differing_columns(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Columns of the old table whose cells differ in the new one (new columns are not differences)."""
    out = []
    for col in sorted(a):
        if col not in b or len(a) != len(b):
            out.append(col)
            continue
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            same = np.array_equal(x.to_numpy(float), y.to_numpy(float), equal_nan=True)
        else:
            same = x.fillna("").astype(str).equals(y.fillna("").astype(str))
        if not same:
            out.append(col)
    return out


def aligned(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The new table's rows in the old one's order when a first column names them uniquely (the
    same rows may come in another order when a config lists the same keys in another order)."""
    key = old.columns[0] if len(old.columns) else None
    if key is not None and key in new and old[key].is_unique and new[key].is_unique \
            and set(old[key]) == set(new[key]):
        new = new.set_index(key).loc[old[key]].reset_index()[list(new.columns)]
    return old, new


def without_measured_claims(table: pd.DataFrame) -> pd.DataFrame:
    """The ledger (claims.csv) scores timings too: its rows of measured kinds differ between runs
    in `ours`, the interval and the verdict; every other row must match exactly."""
    if "kind" in table and "verdict" in table:
        return table[~table["kind"].isin(MEASURED_KINDS)].reset_index(drop=True)
    return table


def is_timing(column: str) -> bool:
    return bool(TIMING.search(column) or column.startswith("verdict_") and TIMING.search(column[8:]))


def compare_trees(old: Path, new: Path) -> list[dict]:
    """One row per CSV under old/results: status same / timing / differs / missing."""
    rows = []
    for path in sorted((Path(old) / "results").rglob("*.csv")):
        rel = path.relative_to(old)
        other = Path(new) / rel
        if not other.exists():
            rows.append({"status": "missing", "file": str(rel), "columns": [], "added": []})
            continue
        old_table, new_table = aligned(*map(without_measured_claims, (pd.read_csv(path), pd.read_csv(other))))
        cols = differing_columns(old_table, new_table)
        others = [c for c in cols if not is_timing(c)]
        rows.append({"status": "differs" if others else ("timing" if cols else "same"), "file": str(rel),
                     "columns": others, "added": sorted(set(new_table) - set(old_table))})
    return rows
