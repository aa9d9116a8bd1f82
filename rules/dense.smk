# The one dense fine-tune per (text task, seed) that the text gate, EAT and AD-TP share: their
# dense rows, the start of EAT and the gated models, AD-TP's teacher, every speed-up's baseline.
DENSE_TASKS = dense_study.tasks(config)


rule dense_train:
    input:
        lambda w: expand(
            "{dir}/{split}.csv", dir=DENSE_TASKS[w.dense_task]["data_dir"], split=["train", "validation", "test"]
        ),
    output:
        [f"{paths.dense_dir('{dense_task}', '{seed}')}/{f}" for f in DENSE_FILES],
    log:
        "logs/dense/{dense_task}.seed{seed}.log",
    benchmark:
        "benchmarks/dense/{dense_task}.seed{seed}.tsv"
    wildcard_constraints:
        dense_task="|".join(map(re.escape, DENSE_TASKS)),
    threads: MODEL_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(10000, "dense_train"),  # spam at 256 tokens peaked at 9.2 GB RSS (batch 32, eager attention)
        runtime=model_runtime(120, "dense_train"),
        constraint=gpu_constraint("dense_train"),
    params:
        state_dir="results/dense/state",
        precision=TRAIN_PRECISION,
        facts=lambda w: DENSE_TASKS[w.dense_task],  # a changed task (length, subset, ...) retrains
        train=config["dense"],
    script:
        "../workflow_scripts/dense_train.py"


# The floor of each text task (majority class, TF-IDF bag of words) on the dense model's own
# training subset and truncated text, scored on the whole test split: the validity stage and every
# text study's tables read it.
rule dense_floor:
    input:
        lambda w: expand(
            "{dir}/{split}.csv", dir=DENSE_TASKS[w.dense_task]["data_dir"], split=["train", "validation", "test"]
        ),
    output:
        **paths.floor_files("{dense_task}"),
    log:
        "logs/dense/{dense_task}.floor.log",
    benchmark:
        "benchmarks/dense/{dense_task}.floor.tsv"
    wildcard_constraints:
        dense_task="|".join(map(re.escape, DENSE_TASKS)),
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        facts=lambda w: DENSE_TASKS[w.dense_task],  # a changed task (length, subset, ...) refits the floor
    script:
        "../workflow_scripts/dense_floor.py"
