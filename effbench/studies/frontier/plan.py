"""Which tasks get a cross-method frontier, and which trained runs it reads. No torch: the DAG imports it.

A task gets one when both EAT and AD-TP run it (they then share its dense model, splits and
training subset); the entropy gate joins where its task is the same (names compared by
tasks.task_key: the gate's GLUE "SST-2" is the studies' "sst2") and it is built on the same
backbone from the same dense model: at the paper scale the gate's DistilBERT is not a point of
the BERT-base frontier (gate_exclusion says why it is left out). Every method is evaluated
on the same test examples, counted by torch's FLOP counter and timed in one interleaved job.
"""
from __future__ import annotations

import numpy as np

from ... import paths
from ...data import tasks as text_tasks
from ..adtp.plan import ltp_variants
from ..dense.plan import text_gate_task

DENSE, DENSE_SDPA, SHALLOW, ADTP = "dense", "dense_sdpa", "shallow", "adtp"


def shared_tasks(config: dict) -> list[str]:
    """The tasks EAT and AD-TP both run: the ones a frontier can be drawn on."""
    return [t for t in config["eat"]["tasks"] if t in config["adtp"]["run_tasks"]]


def tasks(config: dict) -> list[str]:
    """The tasks that get a frontier: `frontier.tasks` (a breadth cut of the default scale, where the
    frontier re-scores and times every method of a task), or every shared task when it is null."""
    chosen = config["frontier"].get("tasks")
    return shared_tasks(config) if chosen is None else [t for t in shared_tasks(config) if t in chosen]


def gate_exclusion(config: dict, task: str) -> str | None:
    """Why the text gate is not a point of this task's frontier (None when it is)."""
    tg = config["text_gate"]
    gate_task = text_gate_task(tg)[0]
    if text_tasks.task_key(gate_task) != text_tasks.task_key(task):
        return f"the text gate runs {gate_task!r}, not {task!r}"
    backbone = config["eat"]["backbone"]
    if tg["backbone"] != backbone:
        return (f"the text gate's backbone {tg['backbone']!r} is not the frontier's {backbone!r} "
                "(text_gate.backbone, eat.backbone)")
    if paths.dense_dir(gate_task, 0) != paths.dense_dir(task, 0):
        return (f"the text gate starts from the dense model of {gate_task!r}, the frontier's is that of {task!r} "
                "(one task, two dense fine-tunes)")
    return None


def gate_variants(config: dict, task: str) -> list[str]:
    """The text gate's gated variants on this task: none when the gate runs another task, on another
    backbone or from another dense model (gate_exclusion)."""
    from ..text_gate.plan import variants

    tg = config["text_gate"]
    if gate_exclusion(config, task) is not None:
        return []
    return [name for name, spec in variants(tg).items() if spec["gate"] is not None]


def gate_preds(config: dict, task: str) -> dict[str, str]:
    """name -> the text gate's saved test predictions (its first seed's preds.npz), which the frontier
    scores its gate rows by, so that both pages show one number per model: the random gate draws its
    tokens afresh in each job (another seed, other batches), and its accuracy then differed by job
    (0.753 on the text gate page, 0.751 on the frontier in run13). Only where both score the whole
    test split (frontier.test_subset and text_gate.eval_subset 0), the examples the saved predictions
    are on; elsewhere {} and the frontier scores its own draw (the smoke scale's subsets differ)."""
    if config["frontier"]["test_subset"] or config["text_gate"]["eval_subset"]:
        return {}
    seed = config["text_gate"]["seeds"][0]
    return {name: f"{paths.run_dir('text_gate', name, seed)}/preds.npz" for name in gate_variants(config, task)}


def saved_probs(preds, labels) -> np.ndarray:
    """(n, 2) class probabilities of a binary run's preds.npz (it keeps P(class 1)), checked to be
    on the frontier's test examples in its order (the labels must be equal)."""
    if len(preds["labels"]) != len(labels) or not np.array_equal(preds["labels"], labels):
        raise ValueError("the text gate's saved predictions are not on the frontier's test examples "
                         f"({len(preds['labels'])} vs {len(labels)} labels, or another order)")
    p1 = np.asarray(preds["probs"], float)
    return np.stack([1 - p1, p1], 1)


def inputs(config: dict, task: str) -> dict[str, str]:
    """name -> run directory of every trained model the frontier loads (first seed of each study)."""
    eat_seed = config["eat"]["tasks"][task]["seeds"][0]
    adtp_seed = config["adtp"]["tasks"][task]["seeds"][0]
    out = {DENSE: paths.dense_dir(task, eat_seed),
           SHALLOW: paths.run_dir("eat", SHALLOW, eat_seed, task),
           "eat": paths.run_dir("eat", "eat", eat_seed, task),
           ADTP: paths.run_dir("adtp", ADTP, adtp_seed, task)}
    for name in gate_variants(config, task):
        out[name] = paths.run_dir("text_gate", name, config["text_gate"]["seeds"][0])
    for name in ltp_variants(config["adtp"], task):       # LTP, where AD-TP trains it on this task
        out[name] = paths.run_dir("adtp", name, adtp_seed, task)
    return out


def cost_file(task: str) -> str:
    return f"results/frontier/cost/{task}.json"


def targets(config: dict) -> list[str]:
    return [f"results/frontier/{task}/{f}" for task in tasks(config) for f in ("frontier.csv", "frontier.png")]
