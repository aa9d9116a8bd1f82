# Helpers shared by every stage. Logic lives in the effbench package; this file only
# names paths and asks the package which variants and datasets the config implies.
import glob
import os
import re

# planning modules only: they import no torch, so a dry run or a no-op starts in seconds
from effbench import paths
from effbench.pages import PAGES
from effbench.data import tasks as text_tasks
from effbench.studies.synthetic import plan as synthetic_study
from effbench.studies.eat import plan as eat_study
from effbench.studies.adtp import plan as adtp_study
from effbench.studies.geometry import plan as geometry_study
from effbench.studies.vit import plan as vit_study
from effbench.studies.text_gate import plan as text_gate_study
from effbench.studies.dense import plan as dense_study
from effbench.studies.frontier import plan as frontier_study
from effbench.plan import requests as plan_requests

SYN = config["synthetic"]
SYN_VARIANTS = synthetic_study.variants(SYN)
SYN_DATASETS = synthetic_study.datasets(SYN)
SYN_FIGURES = synthetic_study.FIGURES
SYN_TABLES = synthetic_study.TABLES
LEDGER = sorted(glob.glob(os.path.join(workflow.basedir, "claims", "*.yaml")))
# One thread policy. Timing jobs take every core, so that nothing runs beside them; jobs that
# train or evaluate a transformer take config.threads (capped at --cores), so several can share
# a machine; the tiny models (synthetic encoder, EntropyNet, small ViT) are fastest on one.
TIMING_THREADS = workflow.cores
MODEL_THREADS = min(config["threads"], workflow.cores)
TINY_MODEL_THREADS = 1
# Jobs that train, evaluate or time a transformer or the ViT ask the scheduler for this many GPUs
# (compute.gpus_per_job; 0 asks for none); data, tables, figures, statistics and the tiny models never do.
GPU = config["compute"]["gpus_per_job"]
TRAIN_PRECISION = config["compute"]["precision"]  # training autocast: a params entry, so a change retrains
# Their memory and time requests: the run plan's prediction for each job x compute.resources.margin, at
# least the rule's default-scale request, capped at the partitions' limits (effbench/plan/requests.py);
# on GPUs, a GPU-memory constraint where the predicted peak exceeds the smallest GPU. The rehearsal
# (python -m effbench.plan --check) compares these requests with the predictions and the partitions.
PLAN = plan_requests.Requests(config)


def model_mem(mb, rule):
    return lambda w: PLAN.mem_mb(rule, dict(w), mb)


def model_runtime(minutes, rule):
    return lambda w: PLAN.runtime(rule, dict(w), minutes)


def gpu_constraint(rule):
    return lambda w: PLAN.constraint(rule, dict(w)) if GPU else None


RUN_FILES = ["model.safetensors", "history.json", "metrics.json", "preds.npz"]
GEO_RUN_FILES = ["model.safetensors", "history.json", "metrics.json"]
GEO_SCORER_FILES = ["model.safetensors", "metrics.json"]
DENSE_FILES = ["model.safetensors", "history.json", "metrics.json"]


wildcard_constraints:
    variant="|".join(SYN_VARIANTS),
    dataset="|".join(SYN_DATASETS),
    table="|".join(SYN_TABLES),
    seed=r"\d+",


def syn_run_files(variant, files=RUN_FILES):
    return expand("results/synthetic/runs/{variant}/seed{seed}/{file}", variant=variant, seed=SYN["seeds"], file=files)


def syn_dataset_of(wildcards):
    return "data/generated/synthetic/{}.npz".format(SYN_VARIANTS[wildcards.variant]["dataset"])


# ---- text_gate ---------------------------------------------------------------------------------
def tg_run_files(variant, files=RUN_FILES):
    return expand(
        "results/text_gate/runs/{variant}/seed{seed}/{file}",
        variant=variant,
        seed=TG_VARIANTS[variant]["seeds"],
        file=files,
    )


def tg_group_files(group):
    """Outputs of a wildcard rule over the gated variants of one group (same seeds)."""
    seeds = TG["seeds"] if group == "main" else TG["seeds"][:1]
    return expand(
        "results/text_gate/runs/{tg_variant}/seed{seed}/{file}", seed=seeds, file=RUN_FILES, allow_missing=True
    )


def tg_group_pattern(group):
    return "|".join(re.escape(v) for v, s in TG_VARIANTS.items() if s["gate"] and s["group"] == group)


# ---- eat ---------------------------------------------------------------------------------------
def eat_data_files(task):
    return expand(
        "{dir}/{split}.csv", dir=text_tasks.data_dir(EAT_CFG["tasks"][task]), split=["train", "validation", "test"]
    )


def eat_run_files(task, variant, files=RUN_FILES, seeds=None):
    return [
        f"{paths.run_dir('eat', variant, seed, task)}/{file}"
        for seed in seeds or EAT_VARIANTS[task][variant]["seeds"]
        for file in files
    ]


def eat_train_inputs(wildcards):
    inputs = {"data": eat_data_files(wildcards.eat_task)}
    if wildcards.eat_variant == "dense":  # the shared dense fine-tune, evaluated as EAT's dense row
        inputs["shared"] = f"{paths.dense_dir(wildcards.eat_task, wildcards.seed)}/model.safetensors"
    else:  # teacher logits and the dense accuracy that tau is chosen against
        inputs["dense"] = eat_run_files(
            wildcards.eat_task, "dense", ["model.safetensors", "metrics.json"], [wildcards.seed]
        )
    return inputs


def eat_first_seed_runs(wildcards):
    task = wildcards.eat_task
    return [
        f
        for v in EAT_VARIANTS[task]
        for f in eat_run_files(task, v, ["model.safetensors", "metrics.json"], EAT_VARIANTS[task][v]["seeds"][:1])
    ]


# ---- adtp --------------------------------------------------------------------------------------
def adtp_data_files(task):
    return expand(
        "{dir}/{split}.csv", dir=text_tasks.data_dir(ADTP_CFG["tasks"][task]), split=["train", "validation", "test"]
    )


def adtp_run_files(task, variant, files=RUN_FILES, seeds=None):
    return [
        f"{paths.run_dir('adtp', variant, seed, task)}/{file}"
        for seed in seeds or ADTP_VARIANTS[task][variant]["seeds"]
        for file in files
    ]


def adtp_first_seed(task):
    return ADTP_CFG["tasks"][task]["seeds"][0]


def adtp_train_inputs(wildcards):
    inputs = {"data": adtp_data_files(wildcards.adtp_task)}
    if wildcards.adtp_variant == "dense":  # the shared dense fine-tune, evaluated as AD-TP's teacher row
        inputs["shared"] = f"{paths.dense_dir(wildcards.adtp_task, wildcards.seed)}/model.safetensors"
    else:  # the teacher: its checkpoint, and its cached attributions for the variants that learn from them
        inputs["dense"] = adtp_run_files(wildcards.adtp_task, "dense", ["model.safetensors"], [wildcards.seed])
        if ADTP_VARIANTS[wildcards.adtp_task][wildcards.adtp_variant]["kind"] != "ltp":
            inputs["cache"] = f"results/adtp/teacher/{wildcards.adtp_task}/seed{wildcards.seed}.npz"
    return inputs


def adtp_evaluated_files(task, files=("preds.npz", "metrics.json")):
    return [
        f"{paths.run_dir('adtp', method, adtp_first_seed(task), task)}/{file}"
        for method in adtp_study.evaluated_methods(ADTP_CFG, task)
        for file in files
    ]


def adtp_comparison_preds(wildcards):
    """preds.npz of every model in stats.comparisons.adtp (evaluation-time methods: first seed)."""
    task = wildcards.adtp_task
    names = {v for pair in config["stats"]["comparisons"]["adtp"] for v in pair}
    return [
        f
        for v in sorted(names)
        for f in adtp_run_files(
            task, v, ["preds.npz"], ADTP_VARIANTS[task].get(v, {"seeds": [adtp_first_seed(task)]})["seeds"]
        )
    ]


def adtp_table_inputs(task):
    return {
        **adtp_study.joined_inputs(config, task),
        "runs": [
            f for v, s in ADTP_VARIANTS[task].items() for f in adtp_run_files(task, v, ["preds.npz", "metrics.json"])
        ]
        + adtp_evaluated_files(task),
        "evaluated": f"results/adtp/evaluated/{task}.csv",
        "cost": paths.cost_file("adtp", task),
        "claims": LEDGER,
        "floor": [paths.floor_files(task)["preds"]] if dense_study.joins_floor(ADTP_CFG["tasks"][task]) else [],
    }


# ---- geometry ----------------------------------------------------------------------------------
def geo_table_output(table):
    return report(f"results/geometry/tables/{table}.csv", caption="../report/geometry_tables.rst", category="geometry")


def geo_run_files(runs, files=GEO_RUN_FILES):
    return [f"{geometry_study.run_dir(*r)}/{f}" for r in runs for f in files]


def geo_family_runs(wildcards):
    runs = geo_run_files([r for r in GEO_RUNS if r[0] == wildcards.geo_family], ["model.safetensors", "metrics.json"])
    return runs + [f"{d}/model.safetensors" for d in geometry_study.neuralsort_dirs(GEO, wildcards.geo_family)]


def geo_figure_inputs(figure):
    return {
        "correlation": ["results/geometry/correlation/sets.csv", "results/geometry/correlation/summary.csv"],
        "training": geo_run_files(
            [r for r in GEO_RUNS if r[0] == GEO["sweep_family"] and r[2] == GEO["seeds"][0]], ["history.json"]
        ),
        "lambda_sweep": ["results/geometry/tables/lambda_sweep.csv"],
        "k_alpha": ["results/geometry/tables/k_alpha.csv"],
        "runtime": expand("results/geometry/timing/{family}.csv", family=GEO["families"]),
        "table2": ["results/geometry/tables/table2.csv"],
        "collapse": ["results/geometry/collapse.csv"],
        "points": ["results/geometry/points.npz"],
        "amortisation": ["results/geometry/tables/break_even.csv", "results/vit/tables/break_even.csv"],
    }[figure]


# ---- vit ---------------------------------------------------------------------------------------
def vit_table_output(table):
    return report(f"results/vit/tables/{table}.csv", caption="../report/vit_tables.rst", category="vit")


def vit_run_files(files=("model.safetensors", "metrics.json", "eval.csv"), variants=None):
    return [
        f"results/vit/runs/{v}/seed{s}/{f}"
        for v in (variants or VIT_VARIANTS)
        for s in VIT_VARIANTS[v]["seeds"]
        for f in files
    ]


# ---- stats -------------------------------------------------------------------------------------
def run_seeds(study, variant):
    """Seeds of one variant of a study ('eat/<task>' for an EAT task)."""
    name, _, task = study.partition("/")
    if name == "eat":
        return EAT_VARIANTS[task][variant]["seeds"]
    return {"synthetic": SYN["seeds"], "text_gate": TG_VARIANTS.get(variant, {}).get("seeds")}[study]


def comparison_pairs(study):
    """The registered comparisons of a study ('eat/<task>') whose variants this config trains (EAT's
    dense_continued exists only where EAT starts from the dense model)."""
    name, _, task = study.partition("/")
    pairs = config["stats"]["comparisons"][name]
    return [list(p) for p in pairs if name != "eat" or all(v in EAT_VARIANTS[task] for v in p)]


def comparison_preds(wildcards):
    study, *task = wildcards.study.split("/", 1)
    variants = sorted({v for pair in comparison_pairs(wildcards.study) for v in pair})
    return {
        v: [f"{paths.run_dir(study, v, seed, *task)}/preds.npz" for seed in run_seeds(wildcards.study, v)]
        for v in variants
    }


def significance_targets():
    out = []
    for study in config["stats"]["comparisons"]:
        if study == "eat":
            out += [f"results/eat/{t}/significance.csv" for t in EAT_TASKS if text_tasks.binary(EAT_CFG["tasks"][t])]
        elif study == "adtp":  # rules/adtp.smk: adtp_significance
            out += [f"results/adtp/{t}/significance.csv" for t in ADTP_TASKS if text_tasks.binary(ADTP_CFG["tasks"][t])]
        else:
            out.append(f"results/{study}/significance.csv")
    return out


# ---- validity ----------------------------------------------------------------------------------
def validity_inputs(wildcards):
    """Every artefact a check reads: the studies' tables, the runs' metrics, histories and
    predictions, the text floors (where the dense_floor rule exists) and the pixel floor."""
    dense = dense_study.tasks(config)
    preds = [
        # metrics.json: each run's provenance (the precision it trained in: same_precision)
        *[f for t in EAT_TASKS for v in EAT_VARIANTS[t] for f in eat_run_files(t, v, ["preds.npz", "metrics.json"])],
        *[f for t in ADTP_TASKS for v in ADTP_VARIANTS[t] for f in adtp_run_files(t, v, ["preds.npz", "metrics.json"])],
        *[f for t in ADTP_TASKS for f in adtp_evaluated_files(t, ["preds.npz"])],
        *[f for v in TG_VARIANTS for f in tg_run_files(v, ["preds.npz", "metrics.json"])],
        *[f"results/frontier/cost/{t}.npz" for t in FRONTIER_TASKS],
    ]
    studies = (rules.synthetic, rules.text_gate, rules.eat, rules.adtp, rules.frontier, rules.geometry, rules.vit)
    return {
        "tables": [f for study in studies for f in study.input],
        "significance": significance_targets(),
        "dense": [
            f"{paths.dense_dir(t, s)}/{f}"
            for t, facts in dense.items()
            for s in facts["seeds"]
            for f in ("metrics.json", "history.json")
        ],
        "floors": ([f for t in dense for f in paths.floor_files(t).values()] if hasattr(rules, "dense_floor") else []),
        "preds": preds,
        "vit": vit_run_files(["metrics.json", "history.json", "eval.csv", "per_example.npz"]),
        "geometry": geo_run_files(GEO_RUNS, ["history.json", "metrics.json"]),
        "pixels": rules.vit_pixel_floor.output,
    }


def geo_job_runtime(n_runs):
    return 30 * n_runs  # minutes: the per-run limit, times the runs of the job


def geo_figure_png(figure, caption):
    return report(f"results/geometry/figures/{figure}.png", caption=caption, category="geometry")


def geo_figure_job(rule_name):
    """Named inputs (one per figure, its files in order), outputs and figures of one figure job."""
    figures = geometry_study.FIGURE_JOBS[rule_name]
    caption = "../report/geometry_figure.rst"
    return {
        "input": {f: geo_figure_inputs(f) for f in figures},
        "png": [geo_figure_png(f, caption) for f in figures],
        "pdf": [f"results/geometry/figures/{f}.pdf" for f in figures],
        "figures": figures,
    }


def eat_figure_path(figure, ext):
    return f"results/eat/{{eat_task}}/figures/{figure}.{ext}"


def eat_figure_outputs(figures):
    return {
        "png": [report(eat_figure_path(f, "png"), caption="../report/eat_figure.rst", category="eat") for f in figures],
        "pdf": [eat_figure_path(f, "pdf") for f in figures],
    }
