"""Results pages rendered from artefacts: docs/templates/<page>.md -> docs/results/<page>.md.

A template is Markdown with Jinja2 expressions that read what the pipeline wrote, so a rerun at
any scale rewrites every number; the prose that interprets them sits beside them in the
template. Helpers available in a template:

    table(path, columns, where=None, match=None, digits=3)   a Markdown table of a CSV's columns (rows
                                                   filtered by where=(column, values) or match=(column, regex))
    counts(path, index, column, pattern=None)      a cross-tabulation of two columns, with totals
    value(path, row, column, fmt="{:.3f}", key="row")   one cell of a CSV, formatted
    number(path, row, column, key="row")           one cell as a number (row=True: the row where `key` is true)
    rows(path, flag, key="row")                    the rows whose boolean column `flag` is true
    has(path, row, key="row")                      whether a CSV has the row (optional rows: the floor)
    json(path, *keys)                              one value of a JSON artefact (its "metrics" block first)
    figure(path, caption)                          a link to a figure, relative to the rendered page
    checks(path)                                   the validity checks guarding one artefact (results/validity.json):
                                                   every one that did not pass, in a small table, and how many passed
    config                                         the run's configuration

No torch: the rule that renders pages runs in a second.
"""
from __future__ import annotations

import json as jsonlib
import os
from pathlib import Path

PAGES = ("synthetic", "text_gate", "eat", "adtp", "frontier", "geometry", "vit", "validity", "claims")
VALIDITY = "results/validity.json"
# tables whose rows (and verdict columns) are copied from another table the ledger points at: the source
# artefact (formatted with the row) and the column holding the source's `method`
COPIED_VERDICTS = {"results/adtp/tables/summary.csv": ("results/adtp/{task}/tables/methods.csv", "model")}


class Reader:
    def __init__(self, root, page_dir):
        self.root, self.page_dir = Path(root), Path(page_dir)
        self.used: list[str] = []
        self.seen: set = set()          # validity records this page has shown whole (checks: named again after)

    def _csv(self, path, dtype=None):
        import pandas as pd

        self.used.append(str(path))
        return pd.read_csv(self.root / path, dtype=dtype)

    def _filtered(self, path, where=None, match=None):
        frame = self._csv(path)
        for column, values in ([] if where is None else [where] if isinstance(where[0], str) else where):
            frame = frame[frame[column].isin(values if isinstance(values, (list, tuple)) else [values])]
        if match is not None:
            column, regex = match
            frame = frame[frame[column].astype(str).str.contains(regex, regex=True)]
        return frame

    def count(self, path, where=None, match=None, distinct: str | None = None) -> int:
        """Rows of `path` that `where` (a (column, values) pair, or a list of them) and `match` keep, as in
        `table`; with `distinct`, the number of its distinct values."""
        frame = self._filtered(path, where, match)
        return int(frame[distinct].nunique()) if distinct else len(frame)

    def distinct(self, path, column: str, where=None, match=None) -> str:
        """The distinct values of `column` in the rows `where` / `match` keep, joined by ", "."""
        return ", ".join(sorted(map(str, self._filtered(path, where, match)[column].dropna().unique())))

    def table(self, path, columns, where=None, match=None, digits: int = 3) -> str:
        """where=(column, value or list of values); match=(column, regex) keeps rows whose column matches."""
        import pandas as pd

        frame = self._filtered(path, where, match)
        present = [c for c in columns if c in frame]
        if not present or frame.empty:
            return f"*(no rows in `{path}`)*"
        out = frame[present].copy()
        for c in [c for c in present if c.startswith("verdict_")]:     # withheld by the ledger after validity
            out[c] = [self._withheld(path, frame.loc[i], c.removeprefix("verdict_")) or v for i, v in out[c].items()]
        for c in present:
            if pd.api.types.is_bool_dtype(out[c]):
                out[c] = out[c].map({True: "yes", False: ""})
            elif out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):    # pandas 3 reads text as str
                out[c] = out[c].astype(object).fillna("").replace("nan", "")
            if pd.api.types.is_float_dtype(out[c]):
                out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}g}" if abs(v) >= 1000 or abs(v) < 1e-3
                                    else f"{v:.{digits}f}")
        return out.to_markdown(index=False)

    def _withheld(self, path, row, metric: str) -> str | None:
        """The ledger's "withheld: ..." verdict of this table cell, if it has one. A table's verdict columns
        are written before the validity stage runs; the ledger (results/claims.csv) withholds the cells a
        check or finding guards, and the page must say what the ledger says."""
        import pandas as pd

        if not hasattr(self, "_held"):
            self._held = {}
            ledger = self.root / "results" / "claims.csv"
            if ledger.exists():
                frame = pd.read_csv(ledger, dtype=str, keep_default_na=False)
                if "ours_artefact" not in frame:
                    raise RuntimeError(f"{ledger} predates the ledger's cell columns (ours_artefact, ...): "
                                       "rebuild it (snakemake --forcerun claims)")
                for _, r in frame[frame["verdict"].str.startswith("withheld")].iterrows():
                    key = (r["ours_artefact"], r["ours_key"], r["ours_row"], r["metric"].split(" ", 1)[-1])
                    self._held[key] = r["verdict"]
        if str(path) in COPIED_VERDICTS:          # a table that copies another table's rows and verdicts
            template, column = COPIED_VERDICTS[str(path)]
            path, row = template.format(**row), {**row, "method": row[column]}
        for (artefact, key, value, held_metric), verdict in self._held.items():
            if artefact == str(path) and held_metric == metric and key in row and str(row[key]) == value:
                return verdict
        return None

    def counts(self, path, index: str, column: str, pattern: str | None = None) -> str:
        """A Markdown cross-tabulation of a CSV: rows by `index`, columns by `column` (first regex group of
        `pattern` when given, e.g. the verdict's leading word), with totals."""
        import pandas as pd

        frame = self._csv(path, dtype=str)
        values = frame[column].astype(str).str.extract(pattern)[0] if pattern else frame[column]
        return pd.crosstab(frame[index], values, margins=True, margins_name="all").reset_index().to_markdown(index=False)

    def number(self, path, row, column, key: str = "row"):
        """One cell of a CSV as a number (for conditions in a template); rows are found by `key`,
        or, with row=True, the first row where the column `key` is true."""
        frame = self._csv(path)
        hit = frame.loc[frame[key] == True, column] if row is True else frame.loc[frame[key].astype(str) == str(row), column]  # noqa: E712
        if hit.empty:
            raise KeyError(f"{path}: no row {key} = {row!r}")
        return hit.iloc[0]

    def has(self, path, row, key: str = "row") -> bool:
        """Whether a CSV has the row (a table's optional rows: the floor, dense_continued)."""
        return bool((self._csv(path)[key].astype(str) == str(row)).any())

    def rows(self, path, flag: str, key: str = "row") -> list[str]:
        """The `key` of every row whose boolean column `flag` is true, in file order."""
        frame = self._csv(path)
        return frame.loc[frame[flag] == True, key].astype(str).tolist()  # noqa: E712

    def value(self, path, row, column, fmt: str = "{:.3f}", key: str = "row") -> str:
        import pandas as pd

        v = self.number(path, row, column, key)
        return "n/a" if pd.isna(v) else fmt.format(v)

    def json(self, path, *keys):
        self.used.append(str(path))
        node = jsonlib.loads((self.root / path).read_text())
        node = node.get("metrics", node) if keys and keys[0] not in node else node
        for k in keys:
            node = node[k]
        return node

    def check_message(self, check: str, subject: str | None = None) -> str:
        """The message of one validity record (results/validity.json), for a page to quote it."""
        import json as jsonlib

        self.used.append(VALIDITY)
        doc = jsonlib.loads((self.root / VALIDITY).read_text())
        records = (doc.get("metrics") or doc).get("records", [])
        hits = [r for r in records if r["check"] == check and (subject is None or r["subject"] == subject)]
        return "; ".join(r["message"] for r in hits) or f"no {check} record"

    def trained_in(self) -> str:
        """The training precision every text run recorded, said once per page: the `same_precision` records of
        results/validity.json (the check walks the runs; the page quotes it)."""
        import json as jsonlib

        self.used.append(VALIDITY)
        doc = jsonlib.loads((self.root / VALIDITY).read_text())
        records = [r for r in (doc.get("metrics") or doc).get("records", []) if r["check"] == "same_precision"]
        if not records:
            return "not recorded (no text run yet)"
        if any(r["status"] != "pass" for r in records):
            return "runs differ: " + "; ".join(f"{r['task']}: {r['message']}" for r in records if r["status"] != "pass")
        what = {"bf16": "bf16 autocast (fp32 weights; bf16 matmuls in the training steps)", "fp32": "fp32",
                "fp16": "fp16 autocast with loss scaling"}
        found = {}
        for r in records:
            found.setdefault(r["numbers"]["precision"], []).append(r)
        parts = [f"{what.get(p, p)} for {', '.join(r['task'] for r in rs) if len(found) > 1 else 'every text run'} "
                 "(validity check `same_precision`: " + ", ".join(f"{r['numbers']['runs']} trained runs on {r['task']}"
                                                                 for r in rs) + ")" for p, rs in sorted(found.items())]
        return " and ".join(parts) + "; every evaluation, score and timing in fp32 (`compute.precision`, README: Precision)"

    def figure(self, path, caption: str) -> str:
        return f"![{caption}]({os.path.relpath(self.root / path, self.page_dir)})"

    def checks(self, path) -> str:
        """The validity checks beside the table they guard (a page is never rendered without them)."""
        from .validity.report import checks_markdown, load

        self.used.append(VALIDITY)
        return checks_markdown(load(self.root / VALIDITY), path, self.seen)


def render(template_path, out_path, config: dict, root=".", provenance: str = "", *, source: str) -> list[str]:
    """Render one page; return the artefacts it read. source: the template as the page's header names it,
    its path in the repository (the page is committed: no path of the machine that rendered it)."""
    import jinja2

    from .artefacts import atomic_path

    out_path = Path(out_path)
    reader = Reader(root, (Path(root) / out_path).parent if not out_path.is_absolute() else out_path.parent)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string(Path(template_path).read_text())
    text = template.render(table=reader.table, counts=reader.counts, value=reader.value, number=reader.number,
                           rows=reader.rows, has=reader.has, count=reader.count, distinct=reader.distinct,
                           json=reader.json, figure=reader.figure, checks=reader.checks, trained_in=reader.trained_in,
                           check_message=reader.check_message,
                           config=config)
    header = (f"<!-- generated by `snakemake results_pages` from {source} and the artefacts "
              f"it reads; edit the template, not this page. {provenance} -->\n")
    with atomic_path(out_path) as tmp:
        Path(tmp).write_text(header + text)
    return reader.used
