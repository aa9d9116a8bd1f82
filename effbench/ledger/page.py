"""results/claims.md: the measured reproductions first, then the measured values of one trained seed,
the counts (one per measurement, by kind of evidence and by paper), the reasons for what is not run,
the margins, and every row. Interval columns are the 90% interval the verdict is decided on
(`ci90_low`, `ci90_high`), not the artefact's 95% one, so the numbers beside a verdict are its own."""
from __future__ import annotations

import pandas as pd

from ..stats.equivalence import verdict_kind
from .cells import cell_kinds, count_table

PAPERS = {"000": "Entropy-guided token pruning", "001": "AD-TP", "002": "EAT",
          "003": "Differentiable range-partition entropy"}
REASON_KINDS = ("scale", "no code path", "unreachable")
RULE = ("Equivalence is two one-sided tests (TOST, alpha 0.05): a paper value p (or a printed range) "
        "stands for a region p +/- m, m the largest of its metric kind's margin, the paper's own printed "
        "spread and half a unit of its last printed digit; ratios on the log scale (p x/ 1.1). **reproduced**: "
        "our 90% CI lies inside the region; **differs**: our 90% CI lies wholly outside it; **undecidable at "
        "this n**: it straddles an edge (the verdict gives the smallest margin it would pass and how much more "
        "data decides it). `ci90_low` / `ci90_high` are that 90% CI (results/claims.csv keeps the artefact's 95% "
        "one as `ci_low` / `ci_high`). A value of one trained model (the artefact's seed count is 1: a sweep "
        "variant trained once) is **one seed**, never scored: its interval resamples that model's examples only and "
        "holds no seed-to-seed variance, so it cannot decide equivalence; the verdict says where it lies. A value "
        "without an interval is **one measurement, no interval**, never scored; a built "
        "cell with no value is **not measured** (with the artefact's reason where it gives one). Only "
        "**measured** rows (the paper's data and model) are reproductions; a **stand-in** (our analogue, named) "
        "is compared on relative quantities only; **by design**, **formula** and **not comparable** rows are "
        "checks. Rows that read one cell of one artefact are one measurement and are counted once.\n")


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return f"{v:.4g}" if isinstance(v, float) else str(v).replace("|", "/").replace("\n", " ")


def _table(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(_fmt(r[c]) for c in cols) + " |" for _, r in frame.iterrows()]
    return out + [""]


def _counts(table: pd.DataFrame, label: str) -> list[str]:
    cols = list(table.columns)
    out = [f"| {label} | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name, row in table.iterrows():
        out.append(f"| {name} {PAPERS.get(str(name), '')} | " + " | ".join(str(int(row[c])) for c in cols) + " |")
    return out + [""]


def to_markdown(frame: pd.DataFrame) -> str:
    if "cell_kind" not in frame:
        frame = cell_kinds(frame)
    kinds = frame["verdict"].map(verdict_kind)
    measured = frame[(frame["evidence"] == "measured") & kinds.isin(["reproduced", "differs", "undecidable at this n"])]
    out = [f"# Claims ledger\n\n{len(frame)} claims from four papers, each beside our measurement "
           f"({frame['scale'].iloc[0]} scale).\n", RULE,
           f"## Measured reproductions\n\n{len(measured)} rows compare the paper's own experiment with ours "
           f"({(kinds[measured.index] == 'reproduced').sum()} reproduced, {(kinds[measured.index] == 'differs').sum()} differ, "
           f"{(kinds[measured.index] == 'undecidable at this n').sum()} undecidable at this n):\n"]
    out += _table(measured, ["id", "row", "metric", "paper_value", "ours", "ci90_low", "ci90_high", "verdict"])
    one_seed = frame[(frame["evidence"] == "measured") & (kinds == "one seed")]
    if len(one_seed):
        out += [f"## Measured on one trained seed\n\n{len(one_seed)} rows compare the paper's experiment with one "
                "trained model of ours (a sweep variant trained once): their intervals hold no seed-to-seed "
                "variance, so they are not scored; more seeds would decide them:\n"]
        out += _table(one_seed, ["id", "row", "metric", "paper_value", "ours", "ci90_low", "ci90_high", "verdict"])
    out += ["## Counts: one per measurement\n", "By kind of evidence (cells; `rows`: the ledger rows they stand for):\n"]
    out += _counts(count_table(frame, "evidence"), "evidence")
    out += ["By paper:\n"]
    out += _counts(count_table(frame, "paper"), "paper")
    out += [f"Why the not-run rows are not run at the {frame['scale'].iloc[0]} scale (`scale`: another scale or "
            "an opt-in measures it; `no code path`: what is missing is named; `unreachable`: no scale can get "
            "the data or weights):\n", "| paper | " + " | ".join(REASON_KINDS) + " |", "|---|" + "---|" * len(REASON_KINDS)]
    reasons = pd.crosstab(frame["paper"], frame["reason_kind"]).reindex(columns=list(REASON_KINDS), fill_value=0)
    for paper, row in reasons.iterrows():
        out.append(f"| {paper} {PAPERS.get(paper, '')} | " + " | ".join(str(row[k]) for k in REASON_KINDS) + " |")
    out += ["", "## Margins of practical equivalence\n", "| kind | claims | basis |", "|---|---|---|"]
    for kind, group in frame.groupby("kind", sort=True):
        out.append(f"| {kind} | {len(group)} | {_fmt(group['margin_reason'].iloc[0])} |")
    out.append("")
    cols = ["id", "source", "row", "metric", "condition", "paper_value", "evidence", "ours", "ci90_low", "ci90_high",
            "verdict", "cell_rows", "paper_simulated", "paper_consistency", "note"]
    for (paper, study), group in frame.groupby(["paper", "study"], sort=True):
        out += [f"## {paper} {PAPERS.get(paper, '')}: study `{study}`\n"] + _table(group, cols)
    return "\n".join(out)
