"""The claims ledger: every number the papers report, where ours is, and the verdict.

Paper values live only in `claims/*.yaml` (one file per paper); tables join them from here and never
retype them. A claim's `ours` names the artefact (a CSV the pipeline wrote), its row and
column; the interval columns `<column>_ci_low` / `<column>_ci_high` are used when present.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

REQUIRED = ("id", "paper", "study", "source", "row", "metric", "paper_value")


def ledger_files(path) -> list[Path]:
    path = Path(path)
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


def load_ledger(paths) -> list[dict]:
    """All claims from a ledger directory, one file, or a list of files."""
    if isinstance(paths, (str, Path)):
        paths = ledger_files(paths)
    claims = [c for p in paths for c in yaml.safe_load(Path(p).read_text())["claims"]]
    seen = set()
    for c in claims:
        missing = [k for k in REQUIRED if k not in c]
        if missing:
            raise ValueError(f"claim {c.get('id', '?')}: missing {missing}")
        if c["id"] in seen:
            raise ValueError(f"duplicate claim id {c['id']}")
        seen.add(c["id"])
    return claims


def paper_value(claims: list[dict], study: str, source: str, row: str, metric: str):
    for c in claims:
        if (c["study"], c["source"], c["row"], c["metric"]) == (study, source, row, metric):
            return c["paper_value"]
    return None


def rounding_tolerance(value: float) -> float:
    """Half a unit of the last decimal the paper printed (0.63 -> 0.005)."""
    text = repr(float(value))
    decimals = len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 0
    return 0.5 * 10 ** -decimals


def verdict(paper: float, estimate: float, ci_low: float | None = None, ci_high: float | None = None,
            tol: float | None = None) -> str:
    """'reproduced' when the paper's value, up to its printed rounding `tol`, lies in our
    95% CI (or, for deterministic quantities without a CI, equals ours); otherwise
    'differs' with the signed gap."""
    if estimate is None or pd.isna(estimate):
        return "pending"
    tol = (rounding_tolerance(paper) if tol is None else tol) * (1 + 1e-9)
    if ci_low is not None and not pd.isna(ci_low):
        if ci_low - tol <= paper <= ci_high + tol:
            return "reproduced (paper value inside our 95% CI)"
        side = "above" if paper > ci_high else "below"
        return f"differs: paper {side} our 95% CI by {abs(paper - (ci_high if side == 'above' else ci_low)):.4g}"
    if abs(estimate - paper) <= tol:
        return "reproduced (equal up to the paper's rounding)"
    return f"differs: ours {estimate:.4g} vs paper {paper:.4g} ({estimate - paper:+.4g})"


def resolve(claim: dict, root: Path = Path(".")) -> dict:
    """Our value for one claim: estimate, CI and verdict, or pending / not run."""
    out = {"ours": None, "ci_low": None, "ci_high": None}
    ours = claim.get("ours")
    path = root / ours["artefact"] if ours else None
    if path is None or not path.exists():
        # a claim the default scale cannot measure says why; a paper-scale run that
        # writes the artefact turns it into a verdict
        if claim.get("status") == "not_run":
            return {**out, "verdict": f"not run: {claim.get('reason', '')}"}
        if not ours:
            return {**out, "verdict": "pending: the study that measures it has not landed"}
        return {**out, "verdict": f"pending: {ours['artefact']} not built"}
    table = pd.read_csv(path)
    rows = table[table[ours.get("key", "row")].astype(str) == str(ours["row"])]
    if rows.empty:
        return {**out, "verdict": f"pending: no row {ours['row']!r} in {ours['artefact']}"}
    row = rows.iloc[0]
    col = ours["column"]
    est = row[col]
    lo = row.get(f"{col}_ci_low")
    hi = row.get(f"{col}_ci_high")
    return {"ours": est, "ci_low": lo, "ci_high": hi, "verdict": verdict(claim["paper_value"], est, lo, hi, claim.get("tolerance"))}


def render(claims: list[dict], root: Path = Path(".")) -> pd.DataFrame:
    rows = []
    for c in claims:
        r = resolve(c, root)
        rows.append({"id": c["id"], "paper": c["paper"], "study": c["study"], "source": c["source"],
                     "row": c["row"], "metric": c["metric"], "condition": c.get("condition", ""),
                     "paper_value": c["paper_value"], **r,
                     "paper_consistency": c.get("paper_consistency", ""), "note": c.get("note", "")})
    return pd.DataFrame(rows)


VERDICT_KINDS = ("reproduced", "differs", "pending", "not run")
PAPERS = {"000": "Entropy-guided token pruning", "001": "AD-TP", "002": "EAT",
          "003": "Differentiable range-partition entropy"}


def verdict_kind(text: str) -> str:
    return next((k for k in VERDICT_KINDS if str(text).startswith(k)), "other")


def to_markdown(frame: pd.DataFrame) -> str:
    def fmt(v):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    kinds = frame["verdict"].map(verdict_kind)
    counts = pd.crosstab(frame["paper"], kinds).reindex(columns=list(VERDICT_KINDS), fill_value=0)
    out = [f"# Claims ledger\n\n{len(frame)} claims from four papers, each beside our measurement.\n",
           "| paper | " + " | ".join(VERDICT_KINDS) + " |", "|---|" + "---|" * len(VERDICT_KINDS)]
    for paper, row in counts.iterrows():
        out.append(f"| {paper} {PAPERS.get(paper, '')} | " + " | ".join(str(row[k]) for k in VERDICT_KINDS) + " |")
    out.append("| **all** | " + " | ".join(str(counts[k].sum()) for k in VERDICT_KINDS) + " |\n")
    cols = ["id", "source", "row", "metric", "paper_value", "ours", "ci_low", "ci_high", "verdict", "paper_consistency"]
    for (paper, study), group in frame.groupby(["paper", "study"], sort=True):
        out += [f"## {paper} {PAPERS.get(paper, '')}: study `{study}`\n",
                "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for _, r in group.iterrows():
            out.append("| " + " | ".join(fmt(r[c]).replace("|", "/") for c in cols) + " |")
        out.append("")
    return "\n".join(out)
