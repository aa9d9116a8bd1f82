"""What a validity check is: a record per (check, artefact, subject), and the run it reads.

A check is a pure function `check(run) -> list[dict]` over the artefacts of one run. Each record
says which check, which study and task, which artefact it guards (`artefact`: the file whose
numbers it tests; `guards`: every table whose rows rest on that file, for pages and the ledger),
which row (`subject`, "" for the whole artefact), a status and the numbers behind it:

  pass            the floor holds
  fail            a validity failure: a broken baseline, an unconverged model, an interval that is
                  not an interval. It fails the run at the default and paper scales.
  finding         a result to report, never to tune away (a method landing on the majority rate, a
                  ratio predictor that collapses). `withhold` says whether it still stops the ledger
                  from scoring the claims that read it (a collapsed predictor cannot back "adaptive").
  not_applicable  the check has nothing to read here, and says why

An input another stage has not produced yet (a contract still being filled) is not_applicable
at the smoke scale and a failure at the default and paper scales: `Run.missing` decides.
No torch here: the stage must start in a second.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

STATUSES = ("pass", "fail", "finding", "not_applicable")
FAILING_SCALES = ("default", "paper")       # where a failed check fails the run


def record(check: str, study: str, task: str, artefact: str, subject: str, status: str, message: str,
           numbers: dict | None = None, guards=None, withhold: bool | None = None) -> dict:
    if status not in STATUSES:
        raise ValueError(f"{check}: status {status!r} is not one of {STATUSES}")
    return {"check": check, "study": study, "task": task or "", "artefact": str(artefact), "subject": str(subject),
            "status": status, "numbers": {k: _plain(v) for k, v in (numbers or {}).items()}, "message": message,
            "guards": sorted({str(g) for g in (guards or [artefact])}),
            "withhold": status == "fail" if withhold is None else bool(withhold)}


def _plain(v):
    """JSON-safe numbers: numpy scalars become Python ones, NaN becomes None."""
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    return v


@dataclass
class Run:
    """The artefacts of one run (paths relative to `root`) and its configuration."""
    root: Path
    config: dict
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def scale(self) -> str:
        return self.config.get("scale", "default")

    @property
    def alpha(self) -> float:
        return float(self.config.get("stats", {}).get("alpha", 0.05))

    def path(self, rel) -> Path:
        return self.root / rel

    def exists(self, rel) -> bool:
        return self.path(rel).exists()

    def csv(self, rel):
        """A table, or None when it was not built."""
        import pandas as pd

        key = ("csv", str(rel))
        if key not in self._cache:
            self._cache[key] = pd.read_csv(self.path(rel)) if self.exists(rel) else None
        return self._cache[key]

    def json(self, rel) -> dict | None:
        """A JSON artefact's metrics block (the whole document where it has none), or None."""
        key = ("json", str(rel))
        if key not in self._cache:
            doc = json.loads(self.path(rel).read_text()) if self.exists(rel) else None
            self._cache[key] = doc.get("metrics", doc) if isinstance(doc, dict) else doc
        return self._cache[key]

    def history(self, rel) -> list[dict] | None:
        doc = json.loads(self.path(rel).read_text()) if self.exists(rel) else None
        return None if doc is None else doc.get("history", doc)

    def npz(self, rel) -> dict | None:
        key = ("npz", str(rel))
        if key not in self._cache:
            if not self.exists(rel):
                self._cache[key] = None
            else:
                with np.load(self.path(rel), allow_pickle=False) as z:
                    self._cache[key] = {k: z[k] for k in z.files}
        return self._cache[key]

    def missing(self, check: str, study: str, task: str, artefact: str, what: str, subject: str = "",
                guards=None) -> dict:
        """An input this check needs is absent: not applicable at the smoke scale (its producer may
        not run there), a failure where results are published."""
        if self.scale in FAILING_SCALES:
            return record(check, study, task, artefact, subject, "fail", f"missing input: {what}", guards=guards)
        return record(check, study, task, artefact, subject, "not_applicable",
                      f"not at the {self.scale} scale: {what}", guards=guards)


def fraction(value, column: str) -> float:
    """A table's accuracy as a fraction: `_pct` columns and ViT's top-1 are in percent."""
    v = float(value)
    return v / 100 if column.endswith("_pct") or column.startswith("top_1") else v
