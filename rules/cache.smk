# What DVC caches: every artefact that costs training, fetching or timing to remake. The
# `cached` target names them, so that after `dvc pull` one `snakemake --touch cached` stamps
# them in DAG order (dvc restores files with fresh mtimes in arbitrary order) and the main
# command then rebuilds tables, figures, statistics and the report only. dvc.yaml lists the
# same artefacts by directory, one stage per study.
CACHED = {
    "data": [
        *expand("data/text/{corpus}/stats.json", corpus=["fortunes", "spam"]),
        rules.text_data.output.stats,
        *expand("data/generated/synthetic/{dataset}.npz", dataset=SYN_DATASETS),
    ],
    "synthetic": [f for v in SYN_VARIANTS for f in syn_run_files(v)] + ["results/synthetic/cost/timing.json"],
    "dense": [
        f"{paths.dense_dir(t, seed)}/{f}" for t, d in DENSE_TASKS.items() for seed in d["seeds"] for f in DENSE_FILES
    ],
    "text_gate": [f for v in TG_VARIANTS for f in tg_run_files(v)] + ["results/text_gate/cost/cost.json"],
    "eat": [
        f
        for task in EAT_TASKS
        for f in (
            [g for v in EAT_VARIANTS[task] for g in eat_run_files(task, v)]
            + [paths.cost_file("eat", task)]
            + ([f"results/eat/probe/{task}.json"] if config["eat"]["tasks"][task].get("probe", True) else [])
        )
    ],
    "adtp": [
        f
        for task in ADTP_TASKS
        for f in (
            [g for v in ADTP_VARIANTS[task] for g in adtp_run_files(task, v)]
            + expand(
                "results/adtp/teacher/{task}/seed{seed}.{ext}",
                task=task,
                ext=["npz", "json"],
                seed=ADTP_VARIANTS[task]["dense"]["seeds"],
            )
            + adtp_evaluated_files(task)
            + [f"results/adtp/evaluated/{task}.csv", paths.cost_file("adtp", task)]
        )
    ],
    "geometry": geo_run_files(GEO_RUNS)
    + [
        f"{d}/{f}"
        for family in GEO["families"]
        for d in geometry_study.neuralsort_dirs(GEO, family)
        for f in GEO_SCORER_FILES
    ]
    + expand("results/geometry/timing/{f}.csv", f=[*GEO["families"], "large"])
    + ["results/geometry/correlation/sets.csv", "results/geometry/correlation/summary.csv"],
    "frontier": [f for t in FRONTIER_TASKS for f in (frontier_study.cost_file(t), f"results/frontier/cost/{t}.npz")],
    "vit": vit_run_files(["model.safetensors", "history.json", "metrics.json", "eval.csv", vit_study.EXAMPLES])
    + ["results/vit/cost.csv"],
}


rule cached:
    """Target: every DVC-cached artefact (data, checkpoints, predictions, timings)."""
    input:
        [f for files in CACHED.values() for f in files],


for _study, _files in CACHED.items():

    rule:
        name:
            f"cached_{_study}"
        input:
            _files,
