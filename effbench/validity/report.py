"""The validity records as results/validity.{json,md}, and the lookups pages and the ledger make.

`guarding(records, artefact)` is what a page shows under a table; `withholding(records, artefact, row)`
is what stops the ledger from scoring a claim that reads that cell. A record guards a table when the
table is in its `guards`: a record about the table itself (its `artefact`) reaches the row it names
(or every row, for an empty subject); a record about something the table rests on (the dense model,
the floor, the predictions) reaches every row.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from .core import FAILING_SCALES, STATUSES


def _same(a: str, b: str) -> bool:
    a, b = Path(a).as_posix(), Path(b).as_posix()
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def guarding(records: list[dict], artefact) -> list[dict]:
    return [r for r in records if any(_same(g, str(artefact)) for g in r["guards"])]


def withholding(records: list[dict], artefact, row) -> list[dict]:
    """The records that withhold the verdict of a claim reading (artefact, row), most specific first:
    those about that row, then about the whole table, then about what the table rests on."""
    hits = []
    for r in guarding(records, artefact):
        if not r["withhold"]:
            continue
        own = _same(r["artefact"], str(artefact))
        if own and r["subject"] == str(row):
            hits.append((0, r))
        elif own and r["subject"] == "":
            hits.append((1, r))
        elif not own:
            hits.append((2, r))
    return [r for _, r in sorted(hits, key=lambda h: h[0])]


def failures(records: list[dict]) -> list[dict]:
    return [r for r in records if r["status"] == "fail"]


def counts(records: list[dict]) -> dict[str, dict[str, int]]:
    """check -> status -> number of records."""
    out: dict[str, Counter] = {}
    for r in records:
        out.setdefault(r["check"], Counter())[r["status"]] += 1
    return {check: {s: c[s] for s in STATUSES} for check, c in sorted(out.items())}


def fails_run(records: list[dict], scale: str) -> bool:
    return scale in FAILING_SCALES and bool(failures(records))


def exit_message(records: list[dict], scale: str) -> str:
    bad = failures(records)
    names = Counter(r["check"] for r in bad)
    head = ", ".join(f"{n} ({k})" for n, k in sorted(names.items()))
    lines = [f"validity: {len(bad)} failed checks at the {scale} scale: {head}"]
    lines += [f"  {r['check']}: {r['artefact']} {r['subject']}: {r['message']}" for r in bad[:40]]
    if len(bad) > 40:
        lines.append(f"  ... and {len(bad) - 40} more (results/validity.md)")
    return "\n".join(lines)


def _cell(text) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def rows_markdown(records: list[dict], with_artefact: bool = True) -> str:
    cols = ["check", "status", *(["artefact"] if with_artefact else []), "subject", "message"]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in records:
        out.append("| " + " | ".join(_cell(r[c] if c != "status" else _status(r)) for c in cols) + " |")
    return "\n".join(out)


def _status(r) -> str:
    return r["status"] + (" (withholds claims)" if r["withhold"] and r["status"] != "fail" else "")


def _identity(record: dict) -> tuple:
    return record["check"], record["task"], record["artefact"], record["subject"]


def checks_markdown(records: list[dict], artefact, seen: set | None = None) -> str:
    """The checks that guard one table, for its page: every one that did not pass, and how many passed.
    `seen`: the records a page has already shown whole (updated here); they are named again, not repeated."""
    mine = guarding(records, artefact)
    if not mine:
        return f"*(no validity check guards `{artefact}`)*"
    seen = set() if seen is None else seen
    others = [r for r in mine if r["status"] != "pass"]
    again = [r for r in others if _identity(r) in seen]
    shown = [r for r in others if _identity(r) not in seen]
    seen.update(map(_identity, shown))
    passed = Counter(r["check"] for r in mine if r["status"] == "pass")
    line = ("Validity: " + ", ".join(f"{k} {'x' + str(n) if n > 1 else ''}".strip() for k, n in sorted(passed.items()))
            + " pass." if passed else "Validity: no check passed.")
    if again:
        line += " " + "; ".join(f"{r['check']} ({r['subject'] or r['task'] or 'all'}): {r['status']}, shown above"
                                for r in again) + "."
    return line + ("\n\n" + rows_markdown(shown) if shown else "")


def to_markdown(records: list[dict], scale: str) -> str:
    table = counts(records)
    bad = failures(records)
    out = [f"# Validity ({scale} scale)\n",
           f"{len(records)} records from {len(table)} checks: "
           + ", ".join(f"{sum(c[s] for c in table.values())} {s}" for s in STATUSES) + ". "
           + ("**The run fails: " if fails_run(records, scale) else "**")
           + (f"{len(bad)} failed.**" if bad else "no check failed.**") + "\n",
           "| check | " + " | ".join(STATUSES) + " |", "|---|" + "---|" * len(STATUSES)]
    out += [f"| {check} | " + " | ".join(str(c[s]) for s in STATUSES) + " |" for check, c in table.items()]
    for status, title in (("fail", "Failures"), ("finding", "Findings (reported, not tuned away)"),
                          ("not_applicable", "Not applicable here")):
        some = [r for r in records if r["status"] == status]
        if some:
            out += [f"\n## {title}\n", rows_markdown(some)]
    return "\n".join(out) + "\n"


def to_json(records: list[dict], scale: str) -> dict:
    return {"scale": scale, "fails_run": fails_run(records, scale), "counts": counts(records),
            "failed_checks": sorted({r["check"] for r in failures(records)}), "records": records}


def load(path) -> list[dict]:
    """The records of results/validity.json (its metrics block)."""
    import json

    doc = json.loads(Path(path).read_text())
    return doc.get("metrics", doc)["records"]
