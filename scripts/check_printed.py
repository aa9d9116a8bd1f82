"""Check every paper value in the ledger against the papers' text, within its table or section and row.

    python scripts/check_printed.py [PAPERS_DIR] [--ledger claims] [--out docs/claims_printed.md]

PAPERS_DIR (default ../shared/papers) holds the papers' text extractions, NNN_*.txt. For each claim
the cited `source` is found (a table's caption and rows, a section's heading and text), then its
`row`, then the printed string (effbench.printed_text). Status per value:
  verbatim  the string stands in the row (the spread too, where one is recorded);
  garbled   the claim says so (`printed_status: garbled`, `printed_note`: how the text differs);
  derived   the claim says so (`printed_status: derived`, `printed_note`: from what).
Anything else is a mismatch, listed on the page; the script exits 1 when there is one.
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from effbench.claims import ledger_files  # noqa: E402
from effbench.printed_text import locate, occurs  # noqa: E402

STATUSES = ("verbatim", "garbled", "derived", "mismatch")
ANNOTATED = ("garbled", "derived")


def papers(folder: Path) -> dict[str, str]:
    texts = {p.name[:3]: p.read_text() for p in sorted(Path(folder).glob("[0-9][0-9][0-9]_*.txt"))}
    if not texts:
        raise SystemExit(f"{folder}: no paper text (NNN_*.txt) here; pass the papers' folder")
    return texts


def raw_claims(ledger) -> list[dict]:
    """The claims as typed (strings unparsed), in ledger order."""
    import yaml

    out = []
    for path in ledger_files(ledger):
        out += (yaml.safe_load(path.read_text()) or {}).get("claims", [])
    return out


def check(claim: dict, texts: dict[str, str]) -> tuple[str, str]:
    """(status, note) of one claim's printed value."""
    status, note = claim.get("printed_status"), claim.get("printed_note", "")
    if status is not None:
        if status not in ANNOTATED or not note:
            return "mismatch", f"printed_status {status!r} needs one of {ANNOTATED} and a printed_note"
        return status, note
    text = claim["paper_value"]
    if not isinstance(text, str):
        return "mismatch", f"paper_value {text!r} is not a string as printed"
    if claim["paper"] not in texts:
        return "mismatch", f"no text of paper {claim['paper']}"
    block, rows = locate(texts[claim["paper"]], claim["paper"], claim["source"], claim["row"], claim["metric"])
    if not block:
        return "mismatch", f"source {claim['source']!r} not found in the text"
    if not rows:
        return "mismatch", f"row {claim['row']!r} not found in {claim['source']}"
    if not occurs(text, rows):
        return "mismatch", f"{text!r} is not printed in row {claim['row']!r} of {claim['source']}"
    spread = claim.get("paper_spread")
    if spread and not any(f"{text}{spread}".replace(" ", "") in line.replace(" ", "").replace("\\pm", "±")
                          for line in rows):
        return "mismatch", f"spread {spread!r} is not printed beside {text!r}"
    return "verbatim", ""


def page(results: list[tuple[dict, str, str]], folder: str) -> str:
    counts = collections.Counter(status for _, status, _ in results)
    out = ["# Paper values as printed\n",
           f"Written by `python scripts/check_printed.py` from the papers' text ({folder}) and `claims/*.yaml`: "
           "each paper value is looked up in its cited table or section and row. **verbatim**: printed so there "
           "(LaTeX `\\times` read as ×, unicode minus as -, the space before a unit ignored); **garbled**: the "
           "text extraction differs from the print, the note says how; **derived**: not printed as such, the "
           "note says from what; **mismatch**: none of these.\n",
           "| status | values |", "|---|---|"]
    out += [f"| {s} | {counts.get(s, 0)} |" for s in STATUSES]
    out += [f"| **all** | {len(results)} |\n",
            "| id | source | row | printed | spread | status | note |", "|---|---|---|---|---|---|---|"]
    for claim, status, note in results:
        cells = [claim["id"], claim["source"], claim["row"], claim["paper_value"], claim.get("paper_spread", ""),
                 status, note]
        out.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("papers", nargs="?", default=str(ROOT.parent / "shared" / "papers"))
    ap.add_argument("--ledger", default=str(ROOT / "claims"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "claims_printed.md"))
    args = ap.parse_args(argv)
    texts = papers(Path(args.papers))
    results = [(c, *check(c, texts)) for c in raw_claims(args.ledger)]
    Path(args.out).write_text(page(results, "shared/papers"))
    bad = [(c["id"], note) for c, status, note in results if status == "mismatch"]
    counts = collections.Counter(status for _, status, _ in results)
    print(", ".join(f"{s} {counts.get(s, 0)}" for s in STATUSES), f"-> {args.out}")
    for cid, note in bad:
        print(f"mismatch: {cid}: {note}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
