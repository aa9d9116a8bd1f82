"""What a text task is, in one place, for every text study and for the DAG (no torch here).

A task's config entry names its `source`: an offline corpus (rotten_tomatoes, spam, fortunes)
or `glue` with a `glue_task`, or `newsgroups`. From that alone (the DAG is planned before any
data exists) follow where its splits live and whether it is a binary classification (AUC,
McNemar and DeLong apply); from its prepared splits follow whether it pairs sentences and
how many classes it has.
"""
from __future__ import annotations

from functools import cache

BINARY_SOURCES = {"rotten_tomatoes", "spam"}
GLUE_MULTICLASS = {"MNLI"}
GLUE_REGRESSION = {"STS-B"}          # a similarity score, not classes: neither binary nor multi-class
GLUE_METRIC = {"MRPC": "f1", "QQP": "f1", "CoLA": "matthews"}   # GLUE's own score besides accuracy


def data_dir(task: dict) -> str:
    """The directory of a task's train / validation / test CSVs."""
    if task["source"] == "glue":
        return f"data/text/glue/{task['glue_task']}"
    return f"data/text/{task['source']}"


def binary(task: dict) -> bool:
    """Two classes: the offline sentiment and spam corpora, and GLUE except MNLI and STS-B."""
    if task["source"] == "glue":
        return task["glue_task"] not in GLUE_MULTICLASS | GLUE_REGRESSION
    return task["source"] in BINARY_SOURCES


def metric(task: dict) -> str:
    """The task's own metric (stats/task_metrics.py): accuracy, or GLUE's F1 / Matthews correlation."""
    return GLUE_METRIC.get(task.get("glue_task"), "accuracy") if task["source"] == "glue" else "accuracy"


@cache
def is_pair(directory) -> bool:
    """Sentence-pair tasks carry a `text_pair` column."""
    from .text import read_split
    return "text_pair" in read_split(directory, "validation").columns


@cache
def n_classes(directory) -> int:
    from .text import read_split
    return int(read_split(directory, "train")["label"].max()) + 1


def sep_id(tokenizer, pair: bool) -> int | None:
    """The [SEP] id a pair task's pruning must keep ([SEP] separates the two sentences), else None."""
    return tokenizer.sep_token_id if pair else None
