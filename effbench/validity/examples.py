"""Every row of a table, and every page that shows the same model, scored on the same examples.

A paired test, a delta in pp, a frontier and a ledger verdict all assume the rows they compare saw
the same test examples; a dense model that reads 0.745 on one page and 0.773 on another is four
subsets, not one model. Two checks per text task:
  same_examples     every saved prediction file on the task holds the floor's test labels, in order
                    (without a floor: the labels most files share); a table row joined from another
                    study (a `source` column) is on that study's examples
  same_dense_score  the dense row reads the same accuracy in every table that shows it
"""
from __future__ import annotations

import glob
from collections import Counter
from pathlib import Path

import numpy as np

from . import layout
from .core import fraction, record

TOLERANCE = 5e-4


def _labels(run, task) -> dict[str, np.ndarray]:
    out = {}
    for pattern in layout.preds_files(run.config, task):
        for p in sorted(glob.glob(str(run.path(pattern)))):
            rel = str(Path(p).relative_to(run.root))
            out[rel] = run.npz(rel)["labels"]
    return out


def _owner(config, task, path: str) -> list[str]:
    """The tables whose rows a prediction file backs."""
    study = path.split("/")[1]
    return [t.artefact for t in layout.tables(config, task) + layout.extra_tables(config, task) if t.study == study] or [path]


def _group(path: str) -> str:
    """results/<study>/runs/<task> for a run's preds.npz (every variant and seed of the study), else the file."""
    parts = Path(path).parts
    return str(Path(*parts[:-3])) if path.endswith("preds.npz") else path


def _variant(path: str) -> str:
    parts = Path(path).parts
    return f"{parts[-3]}/{parts[-2]}" if path.endswith("preds.npz") else Path(path).name


def same_examples(run) -> list[dict]:
    out = []
    for task in layout.text_tasks(run.config):
        files = _labels(run, task)
        floor = run.npz(layout.floor_files(task)[1])
        if floor is not None:
            reference, ref_name = floor["labels"], layout.floor_files(task)[1]
        elif files:
            key = Counter(v.tobytes() + str(v.shape).encode() for v in files.values()).most_common(1)[0][0]
            ref_name, reference = next((k, v) for k, v in files.items() if v.tobytes() + str(v.shape).encode() == key)
        else:
            continue
        groups: dict[str, list[str]] = {}       # a study's runs on this task (or the frontier's file) -> misfits
        for path, labels in files.items():
            group = _group(path)
            groups.setdefault(group, [])
            if not (labels.shape == reference.shape and np.array_equal(labels, reference)):
                groups[group].append(f"{_variant(path)} (n={labels.size})")
        for group, bad in groups.items():
            msg = (f"scored on other examples than {ref_name} (n={reference.size}): {', '.join(bad)}" if bad else
                   f"the same {reference.size} test examples as {ref_name}")
            out.append(record("same_examples", group.split("/")[1], task, group, "", "fail" if bad else "pass", msg,
                              {"n_reference": int(reference.size), "misfits": bad}, _owner(run.config, task, group)))
        out += _joined_rows(run, task, groups)
    return out


def _joined_rows(run, task, misfits: dict[str, list[str]]) -> list[dict]:
    """A row a table joins from another study (its `source` names the study) is on the host's examples
    when both studies' predictions are on the task's reference examples."""
    out = []
    for table in layout.tables(run.config, task):
        frame = run.csv(table.artefact)
        if frame is None or "source" not in frame:
            continue
        for _, r in frame[frame["source"].map(layout.joined)].iterrows():
            studies = [table.study] + [s for s in ("text_gate", "eat", "adtp") if str(r["source"]).startswith(s)]
            bad = [g for g, m in misfits.items() if m and g.split("/")[1] in studies]
            msg = (f"joined from another study ({r['source']}), and {', '.join(bad)} scored other examples: "
                   "not comparable with the rows it sits beside" if bad else
                   f"joined from another study ({r['source']}), on the same examples")
            out.append(record("same_examples", table.study, task, table.artefact, r[table.key],
                              "fail" if bad else "pass", msg, {"studies": studies}))
    return out


def same_dense_score(run) -> list[dict]:
    out = []
    for task in layout.text_tasks(run.config):
        seen = {}
        for table in layout.tables(run.config, task):
            frame = run.csv(table.artefact)
            acc = None if frame is None else _dense_value(run, table, frame)
            if acc is not None:
                seen[table.artefact] = acc
        seen.update(_summary(run, task))
        if len(seen) < 2:
            continue
        spread = max(seen.values()) - min(seen.values())
        ok = spread <= TOLERANCE
        values = ", ".join(f"{v:.3f} ({k})" for k, v in seen.items())
        out.append(record("same_dense_score", "dense", task, next(iter(seen)), "dense", "pass" if ok else "fail",
                          ("one dense score on every page: " if ok else "the same dense model reads ") + values
                          + ("" if ok else ": the pages score it on different test subsets"),
                          {"values": list(seen.values()), "spread": spread}, list(seen)))
    return out


def _dense_value(run, table, frame) -> float | None:
    """The dense row's accuracy; where the row is a mean over several seeds (the text gate's), the
    accuracy of the seed every single-seed table reads (the task's first), from its predictions."""
    from .preds import predicted, probs_key

    acc = layout.accuracy(frame, table, "dense")
    row = frame[frame[table.key].astype(str) == "dense"]
    if acc is None or "n_seeds" not in frame or row.empty or not row["n_seeds"].iloc[0] > 1 or not table.runs:
        return acc
    seed = layout.text_tasks(run.config)[table.task]["seeds"][0]
    z = run.npz(f"{table.runs}/dense/seed{seed}/preds.npz")
    return acc if z is None else float((predicted(z[probs_key(z)]) == z["labels"]).mean())


def _summary(run, task) -> dict:
    """AD-TP's summary table repeats each task's dense row."""
    path = "results/adtp/tables/summary.csv"
    frame = run.csv(path)
    if frame is None or task not in run.config["adtp"]["run_tasks"]:
        return {}
    hit = frame[(frame["task"] == task) & (frame["model"] == "dense")]
    return {} if hit.empty else {path: fraction(hit["accuracy_pct"].iloc[0], "accuracy_pct")}
