"""Where each text task's results live, and what each table row is. No torch.

Every text study writes its own tables on a task; the floors, the teacher check and the
same-examples check read them all, so one place says which tables a task has (from the same
plan modules the DAG uses), which column names a row and holds its accuracy, and which rows are
the dense teacher, its control, the floors and the baselines.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import paths
from ..studies.dense import plan as dense_plan
from ..studies.frontier import plan as frontier_plan

DENSE_ROWS = ("dense", "dense_sdpa")        # the shared dense weights (eager and the library's SDPA path)
CONTROL = "dense_continued"                 # dense trained as long again as the methods are
FLOOR_ROWS = ("majority", "bag_of_words")    # effbench.studies.dense.floor.FLOOR_ROWS (no sklearn import here)


@dataclass(frozen=True)
class Table:
    study: str
    task: str
    artefact: str
    key: str                  # the column that names a row
    accuracy: str             # the column of its accuracy (a fraction, or percent for `_pct`)
    runs: str | None = None   # the runs root whose preds.npz back the rows, where there is one


def text_tasks(config: dict) -> dict[str, dict]:
    """task -> its dense facts and seeds (effbench.studies.dense.plan)."""
    return dense_plan.tasks(config)


def tables(config: dict, task: str) -> list[Table]:
    """Every text table with one row per method on this task (the ones a page shows beside dense)."""
    out = []
    if dense_plan.text_gate_task(config["text_gate"])[0] == task:
        out.append(Table("text_gate", task, "results/text_gate/tables/table3.csv", "row", "accuracy",
                         "results/text_gate/runs"))
    if task in config["eat"]["tasks"]:
        out.append(Table("eat", task, f"results/eat/{task}/tables/frontier.csv", "row", "accuracy",
                         f"results/eat/runs/{task}"))
    if task in config["adtp"]["run_tasks"]:
        out.append(Table("adtp", task, f"results/adtp/{task}/tables/methods.csv", "method", "accuracy_pct",
                         f"results/adtp/runs/{task}"))
    if task in frontier_plan.tasks(config):
        out.append(Table("frontier", task, f"results/frontier/{task}/frontier.csv", "row", "accuracy"))
    return out


def extra_tables(config: dict, task: str) -> list[Table]:
    """Tables that repeat or extend the rows of `tables` (the EAT ablation, AD-TP's retainer and
    ratio-predictor tables): baselines there are checked too."""
    out = []
    if task in config["eat"]["tasks"] and config["eat"]["tasks"][task]["ablation"]:
        out.append(Table("eat", task, f"results/eat/{task}/tables/ablation.csv", "variant", "accuracy",
                         f"results/eat/runs/{task}"))
    if task in config["adtp"]["run_tasks"]:
        runs = f"results/adtp/runs/{task}"
        out.append(Table("adtp", task, f"results/adtp/{task}/tables/retainer.csv", "row", "accuracy_pct", runs))
        if "arp" in config["adtp"]["tasks"][task]["extras"]:
            out.append(Table("adtp", task, f"results/adtp/{task}/tables/arp.csv", "row", "accuracy_pct", runs))
    return out


def preds_files(config: dict, task: str) -> list[str]:
    """Glob patterns of every per-example prediction file scored on this task's test split."""
    out = [f"results/eat/runs/{task}/*/seed*/preds.npz"] if task in config["eat"]["tasks"] else []
    if task in config["adtp"]["run_tasks"]:
        out.append(f"results/adtp/runs/{task}/*/seed*/preds.npz")
    if dense_plan.text_gate_task(config["text_gate"])[0] == task:
        out.append("results/text_gate/runs/*/seed*/preds.npz")
    if task in frontier_plan.tasks(config):
        out.append(f"results/frontier/cost/{task}.npz")
    return out


def floor_files(task: str) -> tuple[str, str]:
    f = paths.floor_files(task)
    return f["metrics"], f["preds"]


def joined(source) -> bool:
    """A row another study scored (AD-TP's methods table joins the gate's and EAT's rows, their
    `source` naming the study); the floor's, trained and evaluation-time rows are the table's own."""
    return isinstance(source, str) and "study" in source


def is_dense(name: str) -> bool:
    return name in DENSE_ROWS


def is_floor(name: str) -> bool:
    return name in FLOOR_ROWS


def is_baseline(name: str) -> bool:
    """The rows a method is measured against: the shallow model, random and attention scorers or
    gates, and static / random ratios (the issue's list; IG and LTP are methods of their own)."""
    return (name == "shallow" or name.startswith(("random", "attention", "adtp_random"))
            or "static" in name or name.endswith("random_ratio"))


def is_method(name: str) -> bool:
    """Every row that a paper's method or a student trained from the dense teacher produces: all
    but the teacher, its control, the floors and the oracles (an oracle reads the answer it is scored on)."""
    return not (is_dense(name) or is_floor(name) or name == CONTROL or "oracle" in name)


def rows(frame, table: Table):
    """(name, accuracy as a fraction, row) for every row of a table that is on this task's own
    examples (not the rows AD-TP's methods table joins from other studies)."""
    from .core import fraction

    own = frame[~frame["source"].map(joined)] if "source" in frame else frame
    for _, r in own.iterrows():
        value = r.get(table.accuracy)
        if value is None or value != value:
            continue
        yield str(r[table.key]), fraction(value, table.accuracy), r


def accuracy(frame, table: Table, name: str) -> float | None:
    for row_name, acc, _ in rows(frame, table):
        if row_name == name:
            return acc
    return None
