# One frontier of every text method per task that EAT and AD-TP both run: the shared dense model
# (SDPA and eager), shallow, entropy / random gates, EAT at each tau, AD-TP, attention top-k.
FRONTIER_TASKS = frontier_study.tasks(config)


rule frontier_cost:
    """Every method on the task's test split: accuracy, GFLOPs (torch's counter) and time, interleaved."""
    input:
        lambda w: [f"{d}/model.safetensors" for d in frontier_study.inputs(config, w.frontier_task).values()],
        lambda w: f"{paths.run_dir('eat', 'eat', EAT_CFG['tasks'][w.frontier_task]['seeds'][0], w.frontier_task)}/metrics.json",
        lambda w: list(frontier_study.gate_preds(config, w.frontier_task).values()),
    output:
        cost=frontier_study.cost_file("{frontier_task}"),
        preds="results/frontier/cost/{frontier_task}.npz",
    log:
        "logs/frontier/{frontier_task}/cost.log",
    benchmark:
        "benchmarks/frontier/{frontier_task}/cost.tsv"
    wildcard_constraints:
        frontier_task="|".join(FRONTIER_TASKS),
    threads: TIMING_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(8000, "frontier_cost"),
        runtime=model_runtime(60, "frontier_cost"),
        constraint=gpu_constraint("frontier_cost"),
    script:
        "../workflow_scripts/frontier_cost.py"


rule frontier_table:
    input:
        cost=frontier_study.cost_file("{frontier_task}"),
        preds="results/frontier/cost/{frontier_task}.npz",
        eat=lambda w: f"{paths.run_dir('eat', 'eat', EAT_CFG['tasks'][w.frontier_task]['seeds'][0], w.frontier_task)}/metrics.json",
        floor=lambda w: (
            [paths.floor_files(w.frontier_task)["preds"]] if dense_study.joins_floor(config["frontier"]) else []
        ),
    output:
        report(
            "results/frontier/{frontier_task}/frontier.csv",
            caption="../report/frontier_table.rst",
            category="frontier",
        ),
    log:
        "logs/frontier/{frontier_task}/table.log",
    benchmark:
        "benchmarks/frontier/{frontier_task}/table.tsv"
    wildcard_constraints:
        frontier_task="|".join(FRONTIER_TASKS),
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/frontier_table.py"


rule frontier_figure:
    input:
        "results/frontier/{frontier_task}/frontier.csv",
    output:
        png=report(
            "results/frontier/{frontier_task}/frontier.png",
            caption="../report/frontier_figure.rst",
            category="frontier",
        ),
        pdf="results/frontier/{frontier_task}/frontier.pdf",
    log:
        "logs/frontier/{frontier_task}/figure.log",
    benchmark:
        "benchmarks/frontier/{frontier_task}/figure.tsv"
    wildcard_constraints:
        frontier_task="|".join(FRONTIER_TASKS),
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/frontier_figure.py"


rule frontier:
    """Target: the cross-method frontier of every shared text task."""
    input:
        frontier_study.targets(config),
