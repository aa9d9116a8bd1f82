"""The claims ledger: every number the papers report, where ours is, and the verdict.

Paper values live only in `claims/*.yaml` (one file per paper); tables join them from here and never
retype them. A claim's `ours` names the artefact (a CSV the pipeline wrote), its row and
column; the interval columns `<column>_ci_low` / `<column>_ci_high` are used when present.
`ours` is one pointer for every scale, or one per scale (`{default: {...}, paper: {...}}`): the
default scale reads the offline stand-in of a task, the paper scale the task itself.

A claim that some scale does not measure says why in `reason`, and `reason_kind` sorts it:
`scale` (another scale, or an opt-in of this one, measures it), `no code path` (what is
missing is named), `unreachable` (data or weights that no scale can get). Every claim has a
pointer at some scale or a reason; "pending" is left only for an artefact of this scale that
the run has not built yet.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .artefacts import FLOAT_FORMAT
from .ledger.cells import cell_of as _cell
from .ledger.evidence import built, framed, kind_of, scale_config
from .ledger.seeds import trained_seeds
from .printed import ledger_fields
from .stats.equivalence import interval90, verdict, verdict_kind
from .validity.intervals import metric_range

REQUIRED = ("id", "paper", "study", "source", "row", "metric", "paper_value")
MARGINS_KEY = "margins"
SCALES = ("default", "paper")
SCALE_FALLBACK = {"smoke": "default"}      # the smoke config builds the default scale's artefacts
REASON_KINDS = ("scale", "no code path", "unreachable")


def ledger_files(path) -> list[Path]:
    path = Path(path)
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


def load_ledger(paths) -> list[dict]:
    """All claims from a ledger directory, one file, or a list of files, each with its margin.

    The directory's files hold `claims:` lists (one per paper) and one `margins:` table of the
    kinds of metric. `paper_value` is the string the paper prints; each claim gains `paper_text`
    (that string), `paper_value` read in its artefact's unit, `paper_low/high/unit/percent/spread`
    and `rounding` (half a unit of its last printed digit: effbench.printed.ledger_fields), `kind`,
    `margin` and `margin_reason`.
    """
    if isinstance(paths, (str, Path)):
        paths = ledger_files(paths)
    claims, kinds = [], None
    for p in paths:
        doc = yaml.safe_load(Path(p).read_text()) or {}
        claims += doc.get("claims", [])
        if MARGINS_KEY in doc:
            kinds = doc[MARGINS_KEY]
    if kinds is None:
        kinds = yaml.safe_load((Path(__file__).parents[1] / "claims" / "margins.yaml").read_text())[MARGINS_KEY]
    seen = set()
    for c in claims:
        missing = [k for k in REQUIRED if k not in c]
        if missing:
            raise ValueError(f"claim {c.get('id', '?')}: missing {missing}")
        if c["id"] in seen:
            raise ValueError(f"duplicate claim id {c['id']}")
        seen.add(c["id"])
        _check_pointers(c)
        _attach_margin(c, kinds)
    return claims


def pointers(claim: dict) -> dict:
    """scale -> pointer ("*" for one pointer that every scale reads)."""
    ours = claim.get("ours") or {}
    return {"*": ours} if "artefact" in ours else dict(ours)


def pointer(claim: dict, scale: str) -> dict | None:
    """Where this scale's run keeps our value of the claim, or None."""
    p = pointers(claim)
    return p.get("*") or p.get(scale) or p.get(SCALE_FALLBACK.get(scale, ""))


def _check_pointers(claim: dict) -> None:
    where = f"claim {claim['id']}"
    for scale, p in pointers(claim).items():
        if scale != "*" and scale not in SCALES:
            raise ValueError(f"{where}: ours.{scale}: not a scale (one of {SCALES})")
        missing = [k for k in ("artefact", "row", "column") if k not in p]
        if missing:
            raise ValueError(f"{where}: ours{'' if scale == '*' else '.' + scale} lacks {missing}")
    if "reason" in claim and claim.get("reason_kind") not in REASON_KINDS:
        raise ValueError(f"{where}: reason_kind {claim.get('reason_kind')!r} is not one of {REASON_KINDS}")
    if not pointers(claim) and "reason" not in claim:
        raise ValueError(f"{where}: no pointer (ours) at any scale and no reason why")


def _attach_margin(claim: dict, kinds: dict) -> None:
    columns = [p.get("column", "") for p in pointers(claim).values()]
    claim.update(ledger_fields(claim, columns, has_pointer=bool(columns)))       # the value as printed, read
    kind = claim.get("kind") or next(k for k, spec in kinds.items()
                                     if re.search(str(spec["match"]), claim["metric"]))
    if kind not in kinds:
        raise ValueError(f"claim {claim['id']}: kind {kind!r} is not in the margins table ({sorted(kinds)})")
    spec = kinds[kind]
    if "margin" in claim:
        if "margin_reason" not in claim:
            raise ValueError(f"claim {claim['id']}: a margin of its own needs a margin_reason")
        margin, reason = float(claim["margin"]), claim["margin_reason"]
    elif spec.get("scale") == "log":                         # a ratio: x/ (1 + rel) on the log scale
        margin, reason = float(spec["rel"]), spec["reason"]
    else:
        absolute = float(spec.get("abs", 0.0))
        if spec.get("scale") == "proportion" and not claim["paper_percent"]:
            absolute /= 100                                  # the value is a fraction
        margin, reason = max(absolute, float(spec.get("rel", 0.0)) * abs(claim["paper_value"])), spec["reason"]
    claim.update(kind=kind, margin=margin, margin_reason=_basis(spec, reason), log_scale=spec.get("scale") == "log",
                 spread=float(claim.get("paper_spread") or 0.0))


def _basis(spec: dict, reason: str) -> str:
    """The kind's reason with its citation or measured basis (claims/margins.yaml)."""
    basis = spec.get("basis")
    return f"{reason} [{basis}]" if basis and basis not in reason else reason


def find_claim(claims: list[dict], study: str, source: str, row: str, metric: str) -> dict | None:
    for c in claims:
        if (c["study"], c["source"], c["row"], c["metric"]) == (study, source, row, metric):
            return c
    return None


def claims_at(claims: list[dict], artefact, scale: str) -> dict:
    """(row, column) -> the claim whose pointer at this scale reads that cell of `artefact` (a path
    ending in the pointer's; the first in ledger order where two tables report the same number)."""
    path = Path(artefact).as_posix()
    cells: dict = {}
    for c in claims:
        p = pointer(c, scale)
        if p and (path == p["artefact"] or path.endswith("/" + p["artefact"])):
            cells.setdefault((str(p["row"]), p["column"]), c)
    return cells


def paper_value(claims: list[dict], study: str, source: str, row: str, metric: str):
    c = find_claim(claims, study, source, row, metric)
    return None if c is None else c["paper_value"]


def judge(claim: dict | None, estimate, ci_low=None, ci_high=None, ours: dict | None = None,
          seeds: int | None = None) -> str:
    """The equivalence verdict (TOST) of our estimate and its 95% CI against one claim; "" without a claim.
    `seeds`: the trained models the value rests on (ledger.seeds; 1: "one seed", never scored)."""
    if claim is None:
        return ""
    ours = ours or pointer(claim, "default") or {}
    return verdict(claim["paper_low"], estimate, ci_low, ci_high, margin=claim["margin"], rounding=claim["rounding"],
                   spread=claim.get("spread", 0.0), log=claim.get("log_scale", False),
                   paper_high=None if claim["paper_high"] == claim["paper_low"] else claim["paper_high"],
                   bounds=_bounds(claim, ours), point_basis=ours.get("point_basis"), seeds=seeds)


def _bounds(claim: dict, ours: dict):
    return metric_range(ours.get("column", claim["metric"].split(" ")[-1]), claim.get("paper_percent"))


def resolve(claim: dict, root: Path = Path("."), scale: str = "default", cfg: dict | None = None,
            targets: set | None = None, complete: bool = False) -> dict:
    """Our value for one claim at this scale: estimate, CI, evidence kind and verdict, or why it is not
    run. With the scale's `targets` (what its config builds) and `complete` (the run has finished), a
    missing artefact the config builds is a failure, never the row's reason for another scale."""
    ours = pointer(claim, scale)
    evidence, why = kind_of(claim, scale, ours, cfg)
    out = {"ours": None, "ci_low": None, "ci_high": None, "ci90_low": None, "ci90_high": None, "ci_method": "",
           "seeds": None, "reason_kind": "", "evidence": evidence, "evidence_note": why, "cell": _cell(claim, ours),
           # the table cell this row reads, as columns (pages find the ledger's verdict of a cell by them)
           "ours_artefact": ours["artefact"] if ours else "", "ours_key": ours.get("key", "row") if ours else "",
           "ours_row": str(ours["row"]) if ours else "", "ours_column": ours["column"] if ours else ""}
    path = root / ours["artefact"] if ours else None
    if path is None or not path.exists():
        builds = ours is not None and targets is not None and ours["artefact"] in targets
        if builds and complete:
            return {**out, "verdict": f"failed: {ours['artefact']} missing"}
        if "reason" in claim and not builds:
            kind = claim["reason_kind"]
            return {**out, "reason_kind": kind, "verdict": f"not run ({kind}): {claim['reason']}"}
        if ours is None:
            other = " and ".join(sorted(pointers(claim)))
            return {**out, "reason_kind": "scale", "verdict": f"not run (scale): measured at the {other} scale"}
        return {**out, "verdict": f"pending: {ours['artefact']} not built"}     # this run is not complete
    table = pd.read_csv(path)
    rows = table[table[ours.get("key", "row")].astype(str) == str(ours["row"])]
    if rows.empty:
        return {**out, "verdict": f"{'failed' if complete else 'pending'}: no row {ours['row']!r} in {ours['artefact']}"}
    row = rows.iloc[0]
    col = ours["column"]
    est = row[col]
    text = scored(claim, row, ours, evidence, why)
    if pd.isna(est):      # a cell this run cannot fill (`empty`), or the job ran and wrote NaN: nothing to score
        return {**out, "reason_kind": "scale" if "empty" in ours else "", "verdict": text}
    lo, hi = row.get(f"{col}_ci_low"), row.get(f"{col}_ci_high")
    how = row.get(f"{col}_ci_method")          # what the interval is (seeds x examples, timing repeats), or why none
    # the page shows the interval the verdict is decided on (90%, clipped), beside the artefact's 95% one
    lo90, hi90 = interval90(est, lo, hi, _bounds(claim, ours))
    return {**out, "ours": est, "ci_low": lo, "ci_high": hi, "ci90_low": lo90, "ci90_high": hi90,
            "ci_method": how if isinstance(how, str) else "", "seeds": trained_seeds(row, col), "verdict": text}


def scored(claim: dict, row, ours: dict, evidence: str, why: str) -> str:
    """The verdict text of one claim read from the row (a Series or dict) that holds our value in
    `ours["column"]` (`ours`: its pointer), framed by its evidence kind (`ledger.evidence.kind_of`).
    The one scoring path: the ledger (`resolve`) and the tables' `verdict_<metric>` columns
    (`paper_columns`) both call it, so a table's cell reads what the ledger reads. Numbers are taken
    as the artefact keeps them (`kept`), so a table scored before it is written and the ledger that
    reads it back print the same interval."""
    col = ours["column"]
    est = kept(row.get(col))
    if pd.isna(est) and "empty" in ours:    # a cell this run cannot fill (say a GPU's count on a CPU run)
        return f"not run (scale): {ours['empty']}"
    if pd.isna(est):                         # the job ran and wrote NaN: nothing to score, nothing pending
        return f"not measured: {unmeasured_why(row, col)}"
    lo, hi = kept(row.get(f"{col}_ci_low")), kept(row.get(f"{col}_ci_high"))
    return framed(claim, evidence, why, judge(claim, est, lo, hi, ours, trained_seeds(row, col)))


def kept(value):
    """A float as an artefact keeps it (`artefacts.write_csv`: FLOAT_FORMAT); anything else as it is."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return float(FLOAT_FORMAT % value)
    return value


def unmeasured_why(row, col: str) -> str:
    """Why an artefact's cell is NaN, as far as the artefact says: its `<col>_why` text, a false
    `<col>_measured` flag (geometry Table 20: no entropy bound of the raw input), else only that it is empty."""
    why = row.get(f"{col}_why")
    if isinstance(why, str) and why.strip():
        return why
    flag = row.get(f"{col}_measured")
    if flag is not None and not pd.isna(flag) and str(flag).lower() in ("false", "0", "0.0"):
        return f"the artefact marks it unmeasured ({col}_measured false)"
    return f"{col} is empty (NaN) in the artefact, which says no more"


SCORED = ("reproduced", "differs", "undecidable at this n", "stand-in")


def withheld(claim: dict, resolved: dict, validity: list[dict] | None, scale: str) -> dict:
    """A scored verdict whose cell a validity check guards and failed (effbench.validity) is withheld,
    the check named, instead of scored: a number resting on a broken baseline, an unconverged
    teacher or a non-interval is not evidence for or against the paper."""
    if not validity or verdict_kind(resolved["verdict"]) not in SCORED:
        return resolved
    from .validity.report import withholding

    ours = pointer(claim, scale)
    hits = withholding(validity, ours["artefact"], ours["row"])
    if not hits:
        return resolved
    names = ", ".join(dict.fromkeys(h["check"] for h in hits))     # every check, the one about this cell first
    return {**resolved, "verdict": f"withheld: {names} ({hits[0]['message']})"}


def render(claims: list[dict], root: Path = Path("."), scale: str = "default",
           validity: list[dict] | None = None, cfg: dict | None = None, complete: bool = False) -> pd.DataFrame:
    """The ledger at this scale; `validity` (the records of results/validity.json) withholds the
    verdicts whose inputs failed a check; `cfg` (the run's config; default: the scale's config files)
    names the stand-ins and what the scale builds; `complete`: the run has finished, so a missing
    artefact that the config builds is a failure."""
    if cfg is None:
        cfg = scale_config(SCALE_FALLBACK.get(scale, scale))
    targets = built(cfg)
    rows = []
    for c in claims:
        r = withheld(c, resolve(c, root, scale, cfg, targets, complete), validity, scale)
        rows.append({"id": c["id"], "paper": c["paper"], "study": c["study"], "source": c["source"],
                     "row": c["row"], "metric": c["metric"], "condition": c.get("condition", ""),
                     "paper_value": c["paper_text"], **r, "scale": scale, "kind": c["kind"],
                     "margin": c["margin"], "rounding": c["rounding"], "spread": c.get("spread", 0.0),
                     "log_scale": c.get("log_scale", False), "margin_reason": c["margin_reason"],
                     "paper_simulated": c.get("paper_simulated", ""),
                     "paper_consistency": c.get("paper_consistency", ""), "note": c.get("note", "")})
    from .ledger.cells import cell_kinds

    return cell_kinds(pd.DataFrame(rows))


def to_markdown(frame: pd.DataFrame) -> str:
    from .ledger.page import to_markdown as page

    return page(frame)
