"""Where a paper prints a ledger value: the cited table or section, the row, then the string.

A value is checked within its claim's `source` ("Table 3", "§5, §7.2", "Abstract, §7.2") and
`row`, never anywhere in the text: "0.9" occurs somewhere in any paper. The text extractions
place a table's caption above its rows or below them (paper 002 and paper 000's Table 3 print
it below), carry a group label down blank first cells ("Synthetic (High)" then "\tRaw"), and
name rows as the pipeline does in the ledger ("eat_tau0.90_run2": the second `eat 0.90` row);
`BELOW` and `ROW_NAMES` say so. Both sides are compared after `printed.normalise` (LaTeX
\\times and ×, unicode minus and -, thin spaces), with the space between a number and its
unit ignored.
"""
from __future__ import annotations

import re

from .printed import normalise

CAPTION = re.compile(r"^\s*(?:\d{3,4}\s+|Key Insights\s+)?(Table|Figure)\s+(\d+)\s*:")
HEADING = re.compile(r"^\s*(?:#+\s*)?(?:\d{3,4}\s+)?(\d+(?:\.\d+)*|[A-H](?:\.\d+)?)\s+[A-Z]")
BELOW = {("000", "Table 3"), *(("002", f"Table {n}") for n in range(1, 5))}   # caption under its rows
HEADER = re.compile(r"^\s*(model|method)\b", re.I)                              # a table's first line
# the ledger's pipeline names of rows -> the label the paper prints
ROW_NAMES = {("000", "full"): "Baseline (Full)", ("000", "dense"): "Baseline (Full)",
             ("000", "attention_mass"): "Attn Top-k", ("000", "entropy_topk"): "Proposed (Entropy",
             ("000", "gated_p0.75"): "Proposed (p=0.75)",
             # paper 001's labels as the extraction read them (OCR: "1" as "l", "l" as "i")
             ("001", "DistilBERT6"): "DistiiBERT6", ("001", "BERT-base12"): "BERT-basel2", ("001", "CoFi12"): "CoFil2"}
_NAMED = {"abstract": "Abstract", "introduction": "(?:» )?Introduction", "ablation figure": "Ablation Study"}
NAMED_LINES = 40      # a named part without numbered headings after it (paper 001's slides) ends here
# paper 001 prints Tables 2 and 3 side by side: the extraction interleaves their rows
SIDE_BY_SIDE = {("001", 2): (2, 3), ("001", 3): (2, 3)}
# paper 001's Table 6: the ledger's row is the table's column (m=1); the line is the metric's dataset
COLUMN_ROWS = {("001", "Table 6")}


def _blocks_of_table(lines: list[str], paper: str, n: int) -> list[tuple[int, int]]:
    captions = [i for i, line in enumerate(lines) if CAPTION.match(line)]
    first, last = SIDE_BY_SIDE.get((paper, n), (n, n))
    mine = [i for i in captions if CAPTION.match(lines[i]).groups() == ("Table", str(first))]
    if last != n or first != n:
        end = [i for i in captions if CAPTION.match(lines[i]).groups() == ("Table", str(last))]
        return [(mine[0], min([i for i in captions if i > end[0]] + [len(lines)]))] if mine and end else []
    out = []
    for at in mine[:1]:
        if (paper, f"Table {n}") in BELOW:
            start = max([i for i in captions if i < at] + [-1]) + 1
            headers = [i for i in range(start, at) if HEADER.match(lines[i])]
            out.append((headers[-1] if headers else start, at))
        else:
            out.append((at, min([i for i in captions if i > at] + [len(lines)])))
    return out


def _blocks_of_section(lines: list[str], name: str) -> list[tuple[int, int]]:
    """The lines from a heading to the next heading that is not its subsection."""
    heads = [(i, m.group(1)) for i, line in enumerate(lines) if (m := HEADING.match(line))]
    if name.lower() in _NAMED:
        word = _NAMED[name.lower()]
        start = next((i for i, line in enumerate(lines) if re.match(rf"^\s*(?:#+\s*)?(?:\d+\s+)?{word}\b", line, re.I)), None)
        if start is None:
            return []
        end = next((i for i, _ in heads if i > start), len(lines))
        return [(start, min(end, start + NAMED_LINES))]
    for i, num in heads:
        if num == name:
            end = next((j for j, other in heads if j > i and not other.startswith(name + ".")), len(lines))
            return [(i, end)]
    return []


def blocks(lines: list[str], paper: str, source: str) -> list[tuple[int, int]]:
    """Line ranges [start, end) of every part of a `source` ("Table 3", "§5, §7.2"); [] when
    the text has no such table or heading."""
    out = []
    for part in re.split(r"\s*,\s*", source.strip()):
        if m := re.fullmatch(r"Table\s+(\d+)", part):
            out += _blocks_of_table(lines, paper, int(m.group(1)))
        elif m := re.fullmatch(r"(?:§|Section\s+)([\dA-H.]+)", part):
            out += _blocks_of_section(lines, m.group(1))
        elif part.lower() in _NAMED:
            out += _blocks_of_section(lines, part)
    return out


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z.=+%]+", " ", normalise(text).lower()).strip()


def _has(line: str, label: str) -> bool:
    return f" {_key(label)} " in f" {_key(line)} "


def row_lines(lines: list[str], paper: str, row: str) -> list[str]:
    """The lines of a block that hold `row`: "Group / Label" (the group carried down blank first
    cells), "name_runN" (the N-th line of `name`), "eat_tau0.90" (model and tau cells), or the
    row's label itself."""
    row = str(row)
    m = re.fullmatch(r"(.+?)(?:_run(\d+))?", row)
    base, nth = m.group(1), int(m.group(2) or 1)
    if t := re.fullmatch(r"([a-z]+)_tau(\d\.\d+)", base):
        labels = [t.group(1), t.group(2)]
    else:
        labels = [ROW_NAMES.get((paper, base), base)]
    if " / " in labels[0] and len(labels) == 1:
        group, label = labels[0].split(" / ", 1)
        starts = [i for i, line in enumerate(lines) if _has(line, group)]
        for s in starts:
            end = next((j for j in range(s + 1, len(lines)) if lines[j][:1] not in ("\t", " ", "") or
                        lines[j].strip() == ""), len(lines))
            hits = [lines[j] for j in range(s, end) if _has(lines[j], label)]
            if hits:
                return hits
        return []
    hits = [line for line in lines if all(_has(line, lab) for lab in labels)]
    if m.group(2):
        return hits[nth - 1:nth]
    return hits


def _squeeze(text: str) -> str:
    """Compare numbers with units whatever the space between them ("1.0 ×" == "1.0×", "~ 10" == "~10")."""
    text = re.sub(r"(?<=\d)\s+(?=[%×x]|ms\b|min\b|s\b|h\b|hrs\b|GB\b|MB\b)", "", normalise(text))
    return re.sub(r"(?<=[~≈<>≤≥])\s+(?=[\d.+-])", "", text)


def occurs(printed: str, lines: list[str]) -> bool:
    """Does `printed` stand in these lines as a whole number (not inside a longer one)?"""
    needle = re.escape(_squeeze(printed))
    pattern = re.compile(rf"(?<![\d.]){needle}(?![\d])")
    return any(pattern.search(_squeeze(line)) for line in lines)


def locate(text: str, paper: str, source: str, row, metric: str = "") -> tuple[list[str], list[str]]:
    """(the lines of the cited source, the lines where its row is printed: a table's row lines,
    a section's every line)."""
    lines = text.splitlines()
    block, rows = [], []
    for part in re.split(r"\s*,\s*", source.strip()):
        part_lines = [line for a, b in blocks(lines, paper, part) for line in lines[a:b]]
        block += part_lines
        if not part.startswith("Table"):
            rows += part_lines
        elif (paper, part) in COLUMN_ROWS:
            rows += row_lines(part_lines, paper, metric.split(" ")[0])
        else:
            rows += row_lines(part_lines, paper, row)
    return block, rows
