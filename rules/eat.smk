# EAT (paper 002): dense, shallow and EAT models per task and seed; frontier, ablation,
# retention and exit figures; GLUE tasks through the hub or a local TSV directory.
EAT_CFG = config["eat"]
EAT_TASKS = list(EAT_CFG["tasks"])
EAT_VARIANTS = {task: eat_study.variants(EAT_CFG, task) for task in EAT_TASKS}
EAT_ABLATION_TASKS = [t for t in EAT_TASKS if EAT_CFG["tasks"][t]["ablation"]]


def eat_data_files(task):
    return expand("{dir}/{split}.csv", dir=text_tasks.data_dir(EAT_CFG["tasks"][task]), split=["train", "validation", "test"])


def eat_run_files(task, variant, files=RUN_FILES, seeds=None):
    return [f"{paths.run_dir('eat', variant, seed, task)}/{file}"
            for seed in seeds or EAT_VARIANTS[task][variant]["seeds"] for file in files]


def eat_train_inputs(wildcards):
    inputs = {"data": eat_data_files(wildcards.eat_task)}
    if wildcards.eat_variant != "dense":   # teacher logits and the dense accuracy that tau is chosen against
        inputs["dense"] = eat_run_files(wildcards.eat_task, "dense", ["model.safetensors", "metrics.json"], [wildcards.seed])
    return inputs


rule glue_data:
    """A GLUE task from the dataset hub or a local TSV directory (eat.glue), split like the text track."""
    output:
        splits=expand("data/text/glue/{{glue_task}}/{split}.csv", split=["train", "validation", "test"]),
        stats="data/text/glue/{glue_task}/stats.json",
    params: cache="data/raw"
    log: "logs/data/glue.{glue_task}.log"
    benchmark: "benchmarks/data/glue.{glue_task}.tsv"
    resources: mem_mb=4000, runtime=20
    script: "../workflow_scripts/glue_data.py"


rule eat_train:
    input: unpack(eat_train_inputs)
    output: [f"{paths.run_dir('eat', '{eat_variant}', '{seed}', '{eat_task}')}/{f}" for f in RUN_FILES]
    params: state_dir=lambda w: paths.state_dir("eat", w.eat_task)
    wildcard_constraints: eat_task="|".join(EAT_TASKS), eat_variant=r"dense|dense_continued|shallow|eat|eat_no_\w+"
    log: "logs/eat/{eat_task}/train.{eat_variant}.seed{seed}.log"
    benchmark: "benchmarks/eat/{eat_task}/train.{eat_variant}.seed{seed}.tsv"
    threads: workflow.cores
    resources: mem_mb=8000, runtime=90
    script: "../workflow_scripts/eat_train.py"


def eat_first_seed_runs(wildcards):
    task = wildcards.eat_task
    return [f for v in EAT_VARIANTS[task]
            for f in eat_run_files(task, v, ["model.safetensors", "metrics.json"], EAT_VARIANTS[task][v]["seeds"][:1])]


rule eat_cost:
    """FLOPs (analytic, checked against torch's counter) and CPU latency / throughput of every operating point."""
    input: eat_first_seed_runs
    output: paths.cost_file("eat", "{eat_task}")
    params: runs=lambda w: paths.runs_root("eat", w.eat_task)
    wildcard_constraints: eat_task="|".join(EAT_TASKS)
    log: "logs/eat/{eat_task}/cost.log"
    benchmark: "benchmarks/eat/{eat_task}/cost.tsv"
    threads: workflow.cores
    resources: mem_mb=8000, runtime=60
    script: "../workflow_scripts/eat_cost.py"


rule eat_frontier_table:
    input:
        runs=lambda w: [f for v in EAT_VARIANTS[w.eat_task] for f in eat_run_files(w.eat_task, v, ["preds.npz", "metrics.json"])],
        cost=paths.cost_file("eat", "{eat_task}"),
        claims=LEDGER,
    output: report("results/eat/{eat_task}/tables/frontier.csv", caption="../report/eat_frontier_table.rst", category="eat")
    params: runs=lambda w: paths.runs_root("eat", w.eat_task)
    wildcard_constraints: eat_task="|".join(EAT_TASKS)
    log: "logs/eat/{eat_task}/frontier_table.log"
    benchmark: "benchmarks/eat/{eat_task}/frontier_table.tsv"
    resources: mem_mb=2000, runtime=10
    script: "../workflow_scripts/eat_table.py"


rule eat_ablation_table:
    input: "results/eat/{eat_task}/tables/frontier.csv"
    output: report("results/eat/{eat_task}/tables/ablation.csv", caption="../report/eat_ablation.rst", category="eat")
    wildcard_constraints: eat_task="|".join(EAT_ABLATION_TASKS) or "^$"
    log: "logs/eat/{eat_task}/ablation_table.log"
    benchmark: "benchmarks/eat/{eat_task}/ablation_table.tsv"
    resources: mem_mb=1000, runtime=5
    script: "../workflow_scripts/eat_table.py"


rule eat_figure:
    input:
        table=lambda w: f"results/eat/{w.eat_task}/tables/{'ablation' if w.eat_figure == 'ablation' else 'frontier'}.csv",
        preds=lambda w: eat_run_files(w.eat_task, "eat", ["preds.npz"], EAT_VARIANTS[w.eat_task]["eat"]["seeds"][:1]),
    output:
        png=report("results/eat/{eat_task}/figures/{eat_figure}.png", caption="../report/eat_figure.rst", category="eat"),
        pdf="results/eat/{eat_task}/figures/{eat_figure}.pdf",
    wildcard_constraints: eat_task="|".join(EAT_TASKS), eat_figure="frontier|retention|exits|ablation"
    log: "logs/eat/{eat_task}/figure.{eat_figure}.log"
    benchmark: "benchmarks/eat/{eat_task}/figure.{eat_figure}.tsv"
    resources: mem_mb=1000, runtime=5
    script: "../workflow_scripts/eat_figure.py"


rule eat:
    """Target: the whole EAT study."""
    input: eat_study.targets(EAT_CFG)


rule eat_exit_probe:
    """Why the exit heads pool: a linear probe of the pretrained backbone's [CLS] vs mean state per block."""
    input: lambda w: eat_data_files(w.eat_task)
    output: "results/eat/probe/{eat_task}.json"
    wildcard_constraints: eat_task="|".join(EAT_TASKS)
    log: "logs/eat/{eat_task}/exit_probe.log"
    benchmark: "benchmarks/eat/{eat_task}/exit_probe.tsv"
    threads: workflow.cores
    resources: mem_mb=4000, runtime=20
    script: "../workflow_scripts/eat_probe.py"
