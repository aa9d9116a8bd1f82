"""The paper's value and the ledger's verdict beside each cell of a study's table that a ledger pointer
reads: one scoring path, so a table's verdict cell is the ledger's text for that claim at that scale
(effbench.claims.resolve scores the same way)."""
from __future__ import annotations

import pandas as pd

from ..claims import SCALE_FALLBACK, claims_at, pointer, resolve, scored
from .evidence import kind_of, scale_config


def with_paper_columns(frame: pd.DataFrame, claims: list[dict], artefact, scale: str, *,
                       cfg: dict | None) -> pd.DataFrame:
    """`frame` (the table written to `artefact`) with `paper_<metric>` / `verdict_<metric>` beside
    every cell a ledger pointer at this scale reads (the claim's metric is "<paper column> <metric>",
    e.g. "CoLA matthews"); `cfg`: the run's whole config, which names the stand-ins (`paper_columns`)."""
    frame = frame.copy()
    for (row, ours), claim in claims_at(claims, artefact, scale).items():
        key = pointer(claim, scale).get("key", "row")
        for i in frame.index[frame[key].astype(str) == row]:
            columns = paper_columns(claim, claim["metric"].split(" ", 1)[-1], frame.loc[i], ours, scale=scale, cfg=cfg)
            for name, value in columns.items():
                frame.loc[i, name] = value
    return frame


def paper_columns(claim: dict | None, metric: str, row, ours: str | None = None, *, scale: str,
                  cfg: dict | None) -> dict:
    """`paper_<metric>` and `verdict_<metric>` for one table row (a dict or Series) that holds our
    value in column `ours` (default: metric) and, when it has one, its CI in `<ours>_ci_low/high`.
    `scale` and `cfg` (the run's whole config; None: the scale's config files, as `render`) are the
    ledger's: the verdict is `table_verdict`, the ledger's text for the claim at this scale."""
    if claim is None:
        return {}
    return {f"paper_{metric}": claim["paper_value"],
            f"verdict_{metric}": table_verdict(claim, row, ours or metric, scale, cfg)}


def table_verdict(claim: dict, row, column: str, scale: str, cfg: dict | None) -> str:
    """The ledger's verdict of `claim` at `scale`, for a table that holds our value in `row[column]`:
    scored by `scored` with the claim's pointer and evidence kind at this scale, as `resolve` scores
    it (a stand-in's absolute value is not compared, a check is a check). A claim with no pointer at
    this scale is not scored here either: the cell reads the ledger's reason (not run, and why)."""
    if cfg is None:
        cfg = scale_config(SCALE_FALLBACK.get(scale, scale))
    ours = pointer(claim, scale)
    if ours is None:
        return resolve(claim, scale=scale, cfg=cfg)["verdict"]
    here = ours if ours["column"] == column else {"artefact": ours["artefact"], "row": ours["row"], "column": column}
    return scored(claim, row, here, *kind_of(claim, scale, ours, cfg))
