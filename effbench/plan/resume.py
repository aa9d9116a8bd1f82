"""Whether the rules the plan counts on to resume (predict.RESUMABLE) can: a job that outlives its
request is killed at its time limit, and the profile's `retries` resubmit it; only a rule that keeps a
training state outside its outputs (Snakemake deletes a failed job's outputs before the retry) and
hands it to effbench.train.fit (which checkpoints every epoch and resumes) gets further on the next try.

Read from the rule files, not from the plan: a rule kept in RESUMABLE after its `state_dir` param was
dropped would make the rehearsal pass jobs that restart from scratch on every try, for ever.
The resume itself is tested where it happens: tests/test_train.py (fit killed and resumed) and
tests/test_faults.py (a Snakemake job SIGKILLed and rerun: synthetic_train, one of these rules).
"""
from __future__ import annotations

import re
from pathlib import Path

from .predict import RESUMABLE

_RULE = re.compile(r"^(\s*)rule(?: (\w+))?:\n", re.M)
_NAME = re.compile(r"^\s*name:\s*\n?\s*f?[\"']([\w{}]+)[\"']", re.M)
_SECTION = re.compile(r"^\s+(\w+):", re.M)


def _section(block: str, name: str) -> str:
    """The text of one section (params:, output:, script:) of a rule block."""
    m = re.search(rf"^(\s+){name}:(.*)$", block, re.M)
    if not m:
        return ""
    indent, body = len(m.group(1)), [m.group(2)]
    for line in block[m.end():].splitlines()[1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return "\n".join(body)


def rules(root: Path) -> dict[str, dict]:
    """{rule name (a `name:` template cut at its first `{`): {state_in_params, state_in_output, script}}."""
    out = {}
    for smk in sorted((root / "rules").glob("*.smk")):
        text = smk.read_text()
        starts = list(_RULE.finditer(text))
        for i, m in enumerate(starts):
            block = text[m.end():starts[i + 1].start() if i + 1 < len(starts) else len(text)]
            name = m.group(2) or (_NAME.search(block).group(1).split("{")[0].rstrip("_") if _NAME.search(block) else None)
            if not name:
                continue
            script = re.search(r"[\"']([^\"']+\.py)[\"']", _section(block, "script"))
            out[name] = {"state_in_params": "state_dir" in _section(block, "params"),
                         "state_in_output": "state" in _section(block, "output"),
                         "script": (smk.parent / script.group(1)).resolve() if script else None}
    return out


def unbacked(root: Path, resumable=RESUMABLE) -> list[str]:
    """A line per rule the plan counts on to resume that cannot."""
    found = rules(root)
    problems = []
    for prefix in resumable:
        matches = {n: r for n, r in found.items() if n.startswith(prefix)}
        if not matches:
            problems.append(f"{prefix}: counted on to resume (plan/predict.py RESUMABLE) but no such rule in rules/")
        for name, r in matches.items():
            if not r["state_in_params"]:
                problems.append(f"{name}: counted on to resume but has no state_dir param: a requeued job starts over")
            elif r["state_in_output"]:
                problems.append(f"{name}: its training state is an output, deleted when the job fails: nothing to resume")
            elif not (r["script"] and "params.state_dir" in r["script"].read_text()):
                problems.append(f"{name}: its script does not pass params.state_dir to the training: nothing to resume")
    return problems
