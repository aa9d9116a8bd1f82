"""Where every study's artefacts live: one layout, in one place (no torch; the DAG imports it).

    results/<study>/runs/[<task>/]<variant>/seed<k>/   a trained model: weights, history, metrics, preds
    results/<study>/state/[<task>/]                    resumable training state (not an output)
    results/<study>/cost/[<task>.json]                 measured FLOPs and time
    results/<study>/[<task>/]tables|figures/           what the tables and figures rules write
    results/dense/<task>/seed<k>/                      the dense fine-tune every text study shares

Studies with one task (synthetic, text gate, ViT) leave out <task>; the geometry study's task is
its point-set family. Rules build their patterns from these functions (a wildcard such as
"{eat_task}" passes through), and scripts receive the paths through input / output / params.
"""
from __future__ import annotations


def runs_root(study: str, task: str | None = None) -> str:
    return f"results/{study}/runs" + (f"/{task}" if task is not None else "")


def run_dir(study: str, variant: str, seed, task: str | None = None) -> str:
    return f"{runs_root(study, task)}/{variant}/seed{seed}"


def state_dir(study: str, task: str | None = None) -> str:
    return f"results/{study}/state" + (f"/{task}" if task is not None else "")


def cost_file(study: str, task: str) -> str:
    return f"results/{study}/cost/{task}.json"


def dense_dir(task: str, seed) -> str:
    """The one dense fine-tune of a text task and seed (effbench.studies.dense)."""
    return f"results/dense/{task}/seed{seed}"


def floor_files(task: str) -> dict[str, str]:
    """The floor of a text task (majority class, bag of words: effbench.studies.dense.floor)."""
    return {"metrics": f"results/dense/{task}/floor.json", "preds": f"results/dense/{task}/floor_preds.npz"}
