"""The validity rule's work: run every check, write results/validity.{json,md}, say whether the run fails.

At the default and paper scales a failed check fails the run (exit status 1, the failed checks
named on stderr and in the log, which keeps the whole report: Snakemake removes a failed job's
outputs). At any other scale (smoke) the failures are written and the rule succeeds.
"""
from __future__ import annotations

import platform
import sys
from pathlib import Path

import numpy as np

from ..artefacts import _git_sha, atomic_path, config_hash, write_json
from . import report, run_checks


def provenance(config: dict) -> dict:
    """artefacts.provenance without torch's versions: this stage never imports torch."""
    return {"config_hash": config_hash(config), "scale": config.get("scale", "default"), "git_sha": _git_sha(),
            "python": sys.version.split()[0], "numpy": np.__version__, "machine": platform.machine()}


def main(root, config: dict, json_path, md_path, stream=None) -> int:
    scale = config.get("scale", "default")
    records = run_checks(Path(root), config)
    text = report.to_markdown(records, scale)
    write_json(json_path, {"provenance": provenance(config), "metrics": report.to_json(records, scale)})
    with atomic_path(md_path) as tmp:
        tmp.write_text(text)
    stream = stream or sys.stderr
    print(text, file=stream)
    if report.fails_run(records, scale):
        print(report.exit_message(records, scale), file=stream)
        return 1
    return 0
