"""Compare the tables of two results trees (e.g. the smoke run before and after a refactor).

    python scripts/diff_results.py OLD_DIR NEW_DIR

Every CSV under results/ (tables, significance, claims) is compared cell by cell. Columns that
hold measured time (latency, throughput, speed-ups, seconds, ...) and the verdicts computed from
them differ between any two runs and are reported apart; everything else must be identical.
Exit status 1 when a non-timing cell differs or a table is missing.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

TIMING = re.compile(r"ms|latency|throughput|speedup|second|time|_per_s|_s$|overhead|tflops|benefit|share|measured_over"
                    r"|iqr|mad|break_even|saving_per_call|total_pipeline|entropynet$|chan_s_alg|^ours$|^ci_(low|high)$"
                    r"|^verdict$", re.I)


def differing_columns(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Columns of the old table whose cells differ in the new one (new columns are not differences)."""
    out = []
    for col in sorted(a):
        if col not in b or len(a) != len(b):
            out.append(col)
            continue
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            same = np.allclose(x.to_numpy(float), y.to_numpy(float), rtol=0, atol=0, equal_nan=True)
        else:
            same = x.fillna("").astype(str).equals(y.fillna("").astype(str))
        if not same:
            out.append(col)
    return out


def main(old: Path, new: Path) -> int:
    bad = 0
    for path in sorted((old / "results").rglob("*.csv")):
        rel = path.relative_to(old)
        other = new / rel
        if not other.exists():
            print(f"MISSING  {rel}")
            bad += 1
            continue
        old_table, new_table = pd.read_csv(path), pd.read_csv(other)
        added = sorted(set(new_table) - set(old_table))
        cols = differing_columns(old_table, new_table)
        timing = [c for c in cols if TIMING.search(c) or c.startswith("verdict_") and TIMING.search(c[8:])]
        other_cols = [c for c in cols if c not in timing]
        status = "DIFFERS " if other_cols else ("timing  " if timing else "same    ")
        print(f"{status}{rel}" + (f"  {other_cols}" if other_cols else "") + (f"  (new columns: {added})" if added else ""))
        bad += bool(other_cols)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
