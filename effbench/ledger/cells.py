"""One measurement, one count: rows that read the same artefact cell keep their own verdicts (each
against its own printed value) but are one piece of evidence. EntropyNet's one speed-up read by
seven paper values is one "differs", not seven."""
from __future__ import annotations

import pandas as pd

from ..stats.equivalence import verdict_kind

# A cell whose rows disagree counts under the first of these its rows reach: a reading that failed,
# was withheld or differs is never outweighed by another reading of the same number that agrees; "one
# seed" (an interval over one trained model) is its own column, as "one measurement" is.
PRIORITY = ("failed", "withheld", "differs", "undecidable at this n", "one seed", "one measurement, no interval", "stand-in",
            "reproduced", "not comparable", "formula", "by design", "not measured", "pending", "not run")


def cell_of(claim: dict, ours: dict | None) -> str:
    """The measurement a row reads: rows reading one cell are one piece of evidence."""
    if ours is None:
        return f"(no pointer) {claim['id']}"
    return f"{ours['artefact']} [{ours.get('key', 'row')}={ours['row']}] {ours['column']}"


def cell_kinds(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `cell_rows` (how many rows read the row's cell) and `cell_kind` (the cell's one
    verdict kind, on the cell's first row only; "" on the rest), so counts over `cell_kind` count
    measurements, not rows."""
    frame = same_measurement(frame.copy())
    kinds = frame["verdict"].map(verdict_kind)
    rank = kinds.map(lambda k: PRIORITY.index(k) if k in PRIORITY else len(PRIORITY))
    best = rank.groupby(frame["cell"]).transform("min")
    frame["cell_rows"] = frame.groupby("cell")["id"].transform("size")
    first = ~frame["cell"].duplicated()
    frame["cell_kind"] = [PRIORITY[b] if f and b < len(PRIORITY) else (k if f else "")
                          for f, b, k in zip(first, best, kinds)]
    return frame


def count_table(frame: pd.DataFrame, index: str, columns=PRIORITY) -> pd.DataFrame:
    """Cells per `index` value and cell kind, with totals (the rows a cell's count stands for are in
    `cell_rows`)."""
    counted = frame[frame["cell_kind"] != ""]
    table = pd.crosstab(counted[index], counted["cell_kind"]).reindex(columns=list(columns), fill_value=0)
    table = table.loc[:, table.sum() > 0]
    table.loc["all"] = table.sum()
    table["cells"] = table.sum(axis=1)
    rows = frame.groupby(index).size()
    table["rows"] = [*rows.reindex(table.index[:-1]).fillna(0).astype(int), len(frame)]
    return table


def same_measurement(frame: pd.DataFrame) -> pd.DataFrame:
    """Tables copy one measurement into several artefacts (EntropyNet's speed-up sits in Tables 2, 8, 15,
    16, 17 and 20): rows of one study whose estimate and (non-degenerate) interval agree to six digits
    read one measurement, so they share the cell of the first of them."""
    def key(r):
        try:
            est, lo, hi = (float(r[k]) for k in ("ours", "ci_low", "ci_high"))
        except (TypeError, ValueError):
            return None
        if pd.isna(est) or pd.isna(lo) or pd.isna(hi) or not lo < hi:
            return None
        return f"{r['study']} {est:.6g} [{lo:.6g}, {hi:.6g}]"

    keys = [key(r) for _, r in frame.iterrows()]           # a list: a Series would turn None into NaN
    first: dict = {}
    for k, c in zip(keys, frame["cell"]):
        if k is not None:
            first.setdefault(k, c)
    frame["cell"] = [c if k is None else first[k] for k, c in zip(keys, frame["cell"])]
    return frame
