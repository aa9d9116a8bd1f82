# Helpers shared by every stage. Logic lives in the effbench package; this file only
# names paths and asks the package which variants and datasets the config implies.
import glob
import os
import re

# planning modules only: they import no torch, so a dry run or a no-op starts in seconds
from effbench import paths
from effbench.data import tasks as text_tasks
from effbench.studies.synthetic import plan as synthetic_study
from effbench.studies.eat import plan as eat_study
from effbench.studies.adtp import plan as adtp_study
from effbench.studies.geometry import plan as geometry_study
from effbench.studies.vit import plan as vit_study
from effbench.studies.text_gate import plan as text_gate_study

SYN = config["synthetic"]
SYN_VARIANTS = synthetic_study.variants(SYN)
SYN_DATASETS = synthetic_study.datasets(SYN)
SYN_FIGURES = ["loss_curves", "val_accuracy", "val_auc", "bar_accuracy", "bar_kept_tokens",
               "ablation", "roc_proposed", "reliability"]
SYN_TABLES = ["runs", "table2", "ablation", "calibration", "oracle", "efficiency"]
LEDGER = sorted(glob.glob(os.path.join(workflow.basedir, "claims", "*.yaml")))
RUN_FILES = ["model.safetensors", "history.json", "metrics.json", "preds.npz"]


wildcard_constraints:
    variant="|".join(SYN_VARIANTS),
    dataset="|".join(SYN_DATASETS),
    figure="|".join(SYN_FIGURES),
    table="|".join(SYN_TABLES),
    seed=r"\d+",


def syn_run_files(variant, files=RUN_FILES):
    return expand("results/synthetic/runs/{variant}/seed{seed}/{file}",
                  variant=variant, seed=SYN["seeds"], file=files)


def syn_dataset_of(wildcards):
    return "data/generated/synthetic/{}.npz".format(SYN_VARIANTS[wildcards.variant]["dataset"])
