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
GLUE_METRIC = {"MRPC": "f1", "QQP": "f1", "CoLA": "matthews", "STS-B": "pearson"}   # GLUE's own score
# studies whose models have a regression head (models/losses.py): AD-TP and the dense fine-tune it loads
REGRESSION_STUDIES = ("adtp",)


def data_dir(task: dict) -> str:
    """The directory of a task's train / validation / test CSVs."""
    if task["source"] == "glue":
        return f"data/text/glue/{task['glue_task']}"
    return f"data/text/{task['source']}"


def task_key(name: str) -> str:
    """One spelling of a task's name for comparing names across studies: GLUE's "SST-2" (the text gate's
    `task`), "sst2" (a study's task key) and "Sst_2" are one task; lower case without '-', '_' or spaces."""
    return "".join(c for c in str(name).lower() if c not in "-_ ")


def binary(task: dict) -> bool:
    """Two classes: the offline sentiment and spam corpora, and GLUE except MNLI and STS-B."""
    if task["source"] == "glue":
        return task["glue_task"] not in GLUE_MULTICLASS | GLUE_REGRESSION
    return task["source"] in BINARY_SOURCES


def regression_task(task: dict) -> bool:
    """A similarity score to predict (GLUE's STS-B), not a class."""
    return task["source"] == "glue" and task["glue_task"] in GLUE_REGRESSION


def metric(task: dict) -> str:
    """The task's own metric (stats/task_metrics.py): accuracy, or GLUE's F1 / Matthews / Pearson correlation."""
    return GLUE_METRIC.get(task.get("glue_task"), "accuracy") if task["source"] == "glue" else "accuracy"


@cache
def is_pair(directory) -> bool:
    """Sentence-pair tasks carry a `text_pair` column."""
    from .text import read_split
    return "text_pair" in read_split(directory, "validation").columns


@cache
def n_classes(directory) -> int:
    """Outputs of the task's head: its classes, or 1 for a regression score (float labels)."""
    from .text import read_split
    labels = read_split(directory, "train")["label"]
    return 1 if labels.dtype.kind == "f" else int(labels.max()) + 1


def sep_id(tokenizer, pair: bool) -> int | None:
    """The [SEP] id a pair task's pruning must keep ([SEP] separates the two sentences), else None."""
    return tokenizer.sep_token_id if pair else None


# Published split sizes of the hub tasks (train, the dev set that is our test split): what a run
# plan uses before the data is fetched. Our validation split is cut from train; its size is taken
# as the dev set's here (the plan counts its passes, not its exact rows).
PUBLISHED_SIZES = {"SST-2": (67_349, 872), "MRPC": (3_668, 408), "CoLA": (8_551, 1_043), "RTE": (2_490, 277),
                   "QQP": (363_846, 40_430), "MNLI": (392_702, 9_815), "QNLI": (104_743, 5_463),
                   "STS-B": (5_749, 1_500), "newsgroups": (11_314, 7_532)}


def published_sizes(task: dict) -> dict[str, int]:
    """{train, validation, test} rows of a hub task (a ValueError for a task without published sizes)."""
    key = task.get("glue_task") if task["source"] == "glue" else task["source"]
    if key not in PUBLISHED_SIZES:
        raise ValueError(f"no prepared splits and no published sizes for task {task}: run its data rule first")
    train, dev = PUBLISHED_SIZES[key]
    return {"train": train, "validation": dev, "test": dev}
