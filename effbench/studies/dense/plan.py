"""Which dense fine-tunes the text studies share: one per (task, seed). No torch: the DAG imports it.

The entropy gate, EAT and AD-TP each compare against a dense model of their backbone, start
their methods from it (EAT, the gate) or distil from it (AD-TP's teacher). One rule trains it
once per task and seed (results/dense/<task>/seed<k>/), so every text study's dense row is the
same model on the same examples, and the methods are paired across studies. A task's data facts
(backbone, where its splits live, input length, training subset, subset seed) are stated by the
studies that run it; when two studies run the same task they must agree, or the config is
rejected before any job runs.
"""
from __future__ import annotations

from ...data import tasks as text_tasks

FACTS = ("backbone", "data_dir", "max_length", "train_subset", "split_seed")


def text_gate_task(tg: dict) -> tuple[str, str]:
    """(task name, data directory) of the text gate: the offline sentiment corpus, or a GLUE task."""
    if tg["source"] == "rotten_tomatoes":
        return "rotten_tomatoes", "data/text/rotten_tomatoes"
    return tg["task"], f"data/text/{tg['task']}"


def _claims(config: dict):
    """(study key, task name, facts, seeds) of every text task a study runs."""
    tg = config["text_gate"]
    name, directory = text_gate_task(tg)
    yield "text_gate", name, {"backbone": tg["backbone"], "data_dir": directory, "max_length": tg["max_length"],
                              "train_subset": tg["train_subset"], "split_seed": tg["split_seed"]}, tg["seeds"]
    for study, names in (("eat", list(config["eat"]["tasks"])), ("adtp", list(config["adtp"]["run_tasks"]))):
        cfg = config[study]
        for task in names:
            t = cfg["tasks"][task]
            yield f"{study}.tasks.{task}", task, {"backbone": cfg["backbone"], "data_dir": text_tasks.data_dir(t),
                                                  "max_length": t["max_length"], "train_subset": t["train_subset"],
                                                  "split_seed": cfg["split_seed"]}, t["seeds"]


def tasks(config: dict) -> dict[str, dict]:
    """task -> {facts..., seeds, studies}; a ValueError names the keys where two studies disagree."""
    out, problems = {}, []
    for where, task, facts, seeds in _claims(config):
        if task not in out:
            out[task] = {**facts, "seeds": list(seeds), "studies": [where]}
            continue
        known = out[task]
        for key in FACTS:
            if known[key] != facts[key]:
                problems.append(f"{where}: {key} = {facts[key]!r}, but {known['studies'][0]} says {known[key]!r}")
        known["seeds"] += [s for s in seeds if s not in known["seeds"]]
        known["studies"].append(where)
    if problems:
        raise ValueError("text studies that share a task share its dense model, so they must agree on its data "
                         "(set the same value in each):\n  " + "\n  ".join(problems))
    return out


def joins_floor(task_cfg: dict) -> bool:
    """Whether a study's table of this task carries the floor's rows (majority, bag of words): the
    floor is scored on the whole test split, so only a table scored there too is paired with it
    (every default- and paper-scale table; the smoke scale's test subsets are not)."""
    return task_cfg.get("test_subset", 0) == 0
