# EAT (paper 002): dense, shallow and EAT models per task and seed; frontier, ablation,
# retention and exit figures; GLUE tasks through the hub or a local TSV directory.
EAT_CFG = config["eat"]
EAT_TASKS = list(EAT_CFG["tasks"])
EAT_VARIANTS = {task: eat_study.variants(EAT_CFG, task) for task in EAT_TASKS}
EAT_ABLATION_TASKS = [t for t in EAT_TASKS if EAT_CFG["tasks"][t]["ablation"]]


rule glue_data:
    """A GLUE task from the dataset hub or a local TSV directory (eat.glue), split like the text track."""
    output:
        splits=expand("data/text/glue/{{glue_task}}/{split}.csv", split=["train", "validation", "test"]),
        stats="data/text/glue/{glue_task}/stats.json",
    log:
        "logs/data/glue.{glue_task}.log",
    benchmark:
        "benchmarks/data/glue.{glue_task}.tsv"
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        cache="data/raw",
    script:
        "../workflow_scripts/glue_data.py"


rule eat_train:
    input:
        unpack(eat_train_inputs),
    output:
        [f"{paths.run_dir('eat', '{eat_variant}', '{seed}', '{eat_task}')}/{f}" for f in RUN_FILES],
    log:
        "logs/eat/{eat_task}/train.{eat_variant}.seed{seed}.log",
    benchmark:
        "benchmarks/eat/{eat_task}/train.{eat_variant}.seed{seed}.tsv"
    wildcard_constraints:
        eat_task="|".join(EAT_TASKS),
        eat_variant=r"dense|dense_continued|shallow|eat|eat_no_\w+",
    threads: MODEL_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(8000, "eat_train"),
        runtime=model_runtime(90, "eat_train"),
        constraint=gpu_constraint("eat_train"),
    params:
        state_dir=lambda w: paths.state_dir("eat", w.eat_task),
        precision=TRAIN_PRECISION,
    script:
        "../workflow_scripts/eat_train.py"


rule eat_cost:
    """FLOPs (analytic, checked against torch's counter) and CPU latency / throughput of every operating point."""
    input:
        eat_first_seed_runs,
    output:
        paths.cost_file("eat", "{eat_task}"),
    log:
        "logs/eat/{eat_task}/cost.log",
    benchmark:
        "benchmarks/eat/{eat_task}/cost.tsv"
    wildcard_constraints:
        eat_task="|".join(EAT_TASKS),
    threads: TIMING_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(8000, "eat_cost"),
        runtime=model_runtime(60, "eat_cost"),
        constraint=gpu_constraint("eat_cost"),
    params:
        runs=lambda w: paths.runs_root("eat", w.eat_task),
    script:
        "../workflow_scripts/eat_cost.py"


rule eat_frontier_table:
    input:
        runs=lambda w: [
            f for v in EAT_VARIANTS[w.eat_task] for f in eat_run_files(w.eat_task, v, ["preds.npz", "metrics.json"])
        ],
        cost=paths.cost_file("eat", "{eat_task}"),
        claims=LEDGER,
        floor=lambda w: (
            [paths.floor_files(w.eat_task)["preds"]] if dense_study.joins_floor(EAT_CFG["tasks"][w.eat_task]) else []
        ),
    output:
        report("results/eat/{eat_task}/tables/frontier.csv", caption="../report/eat_frontier_table.rst", category="eat"),
    log:
        "logs/eat/{eat_task}/frontier_table.log",
    benchmark:
        "benchmarks/eat/{eat_task}/frontier_table.tsv"
    wildcard_constraints:
        eat_task="|".join(EAT_TASKS),
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        runs=lambda w: paths.runs_root("eat", w.eat_task),
    script:
        "../workflow_scripts/eat_table.py"


rule eat_ablation_table:
    input:
        "results/eat/{eat_task}/tables/frontier.csv",
    output:
        report("results/eat/{eat_task}/tables/ablation.csv", caption="../report/eat_ablation.rst", category="eat"),
    log:
        "logs/eat/{eat_task}/ablation_table.log",
    benchmark:
        "benchmarks/eat/{eat_task}/ablation_table.tsv"
    wildcard_constraints:
        eat_task="|".join(EAT_ABLATION_TASKS) or "^$",
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/eat_table.py"


EAT_FIGURES = ("frontier", "retention", "exits")  # every task's; "ablation" where the task has the ablation


rule eat_figure:
    """A task's figures, in one job (a process start per figure cost more than its drawing)."""
    input:
        table="results/eat/{eat_task}/tables/frontier.csv",
        preds=lambda w: eat_run_files(w.eat_task, "eat", ["preds.npz"], EAT_VARIANTS[w.eat_task]["eat"]["seeds"][:1]),
    output:
        **eat_figure_outputs(EAT_FIGURES),
    log:
        "logs/eat/{eat_task}/figures.log",
    benchmark:
        "benchmarks/eat/{eat_task}/figures.tsv"
    wildcard_constraints:
        eat_task="|".join(EAT_TASKS),
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figures=EAT_FIGURES,
    script:
        "../workflow_scripts/eat_figure.py"


use rule eat_figure as eat_ablation_figure with:
    input:
        table="results/eat/{eat_task}/tables/ablation.csv",
        preds=[],
    output:
        **eat_figure_outputs(["ablation"]),
    log:
        "logs/eat/{eat_task}/figure.ablation.log",
    benchmark:
        "benchmarks/eat/{eat_task}/figure.ablation.tsv"
    params:
        figures=["ablation"],


rule eat:
    """Target: the whole EAT study."""
    input:
        eat_study.targets(EAT_CFG),


rule eat_exit_probe:
    """Why the exit heads pool: a linear probe of the pretrained backbone's [CLS] vs mean state per block."""
    input:
        lambda w: eat_data_files(w.eat_task),
    output:
        "results/eat/probe/{eat_task}.json",
    log:
        "logs/eat/{eat_task}/exit_probe.log",
    benchmark:
        "benchmarks/eat/{eat_task}/exit_probe.tsv"
    wildcard_constraints:
        eat_task="|".join(EAT_TASKS),
    threads: MODEL_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(4000, "eat_exit_probe"),
        runtime=model_runtime(20, "eat_exit_probe"),
        constraint=gpu_constraint("eat_exit_probe"),
    script:
        "../workflow_scripts/eat_probe.py"
