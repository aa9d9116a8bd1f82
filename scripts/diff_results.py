"""Compare the tables of two results trees (e.g. the smoke run before and after a refactor).

    python scripts/diff_results.py OLD_DIR NEW_DIR

Every CSV under results/ (tables, significance, claims) is compared cell by cell. Columns that
hold measured time (latency, throughput, speed-ups, seconds, ...) and the verdicts computed from
them differ between any two runs and are reported apart; everything else must be identical.
Exit status 1 when a non-timing cell differs or a table is missing.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from effbench.resultsdiff import compare_trees  # noqa: E402


def main(old: Path, new: Path) -> int:
    rows = compare_trees(old, new)
    for r in rows:
        print(f"{r['status']:8}{r['file']}" + (f"  {r['columns']}" if r["columns"] else "")
              + (f"  (new columns: {r['added']})" if r["added"] else ""))
    return 1 if any(r["status"] in ("differs", "missing") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
