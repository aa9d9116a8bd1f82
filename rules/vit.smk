# Entropy-regularised ViT attention (paper 003 §5): dense / L1 / entropy ViTs on MNIST-5k (CIFAR-100 at the paper scale), evaluated
# at matched key sparsity (per-input, per-head, contiguous blocks, gathered keys), timed, corrupted.
VIT = config["vit"]
VIT_VARIANTS = vit_study.variants(VIT)
VIT_TABLES = vit_study.tables(VIT)


VIT_TABLE_OUTPUTS = [vit_table_output(t) for t in VIT_TABLES]


VIT_DATA = vit_study.data_files(VIT)


if VIT["data"]["source"] == "fashion_mnist":

    rule fashion_mnist_data:
        """Debian's dataset-fashion-mnist (pinned, sha256-checked), its test set subsampled like MNIST-5k."""
        output:
            vit_study.FASHION_PATH,
        log:
            "logs/data/fashion_mnist.log",
        benchmark:
            "benchmarks/data/fashion_mnist.tsv"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            cache="data/raw",
        script:
            "../workflow_scripts/fashion_mnist_data.py"


if VIT["data"]["source"] in vit_study.HUB_SOURCES:

    rule hub_image_data:
        """The paper's image set (CIFAR-10 / CIFAR-100 / SVHN) from the dataset hub or vit.data.local_dir:
        its own train and test splits."""
        output:
            vit_study.data_path(VIT),
        log:
            "logs/data/hub_images.log",
        benchmark:
            "benchmarks/data/hub_images.tsv"
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            local_dir=VIT["data"].get("local_dir"),
        script:
            "../workflow_scripts/hub_image_data.py"


rule vit_train:
    """Train one ViT, then evaluate it: accuracy at every sparsity and selector, block length, IoU with
    the digit, corruption errors (one job: evaluation costs less than starting another); their means in
    eval.csv, each test image's correctness and IoU in per_example.npz (what the tables bootstrap)."""
    input:
        VIT_DATA,
    output:
        "results/vit/runs/{vit_variant}/seed{seed}/model.safetensors",
        "results/vit/runs/{vit_variant}/seed{seed}/history.json",
        "results/vit/runs/{vit_variant}/seed{seed}/metrics.json",
        "results/vit/runs/{vit_variant}/seed{seed}/eval.csv",
        f"results/vit/runs/{{vit_variant}}/seed{{seed}}/{vit_study.EXAMPLES}",
    log:
        "logs/vit/train.{vit_variant}.seed{seed}.log",
    benchmark:
        "benchmarks/vit/train.{vit_variant}.seed{seed}.tsv"
    wildcard_constraints:
        vit_variant="|".join(re.escape(v) for v in VIT_VARIANTS),
    threads: TINY_MODEL_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(3000, "vit_train"),
        runtime=model_runtime(60, "vit_train"),
        constraint=gpu_constraint("vit_train"),
    params:
        state_dir=paths.state_dir("vit"),
        precision=vit_study.training_precision(config),
    script:
        "../workflow_scripts/vit_train.py"


rule vit_cost:
    """Batch-1 latency and batched throughput, manual and SDPA attention, dense and gathered keys."""
    input:
        data=VIT_DATA,
        runs=vit_run_files(["model.safetensors"], [v for v in VIT_VARIANTS if not v.startswith("entropy_lambda")]),
    output:
        "results/vit/cost.csv",
    log:
        "logs/vit/cost.log",
    benchmark:
        "benchmarks/vit/cost.tsv"
    threads: TIMING_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(4000, "vit_cost"),
        runtime=model_runtime(30, "vit_cost"),
        constraint=gpu_constraint("vit_cost"),
    script:
        "../workflow_scripts/vit_cost.py"


rule vit_profile:
    """App. G.4: where H_diff's time goes (torch.profiler, by part), and its share of a training step."""
    input:
        data=VIT_DATA,
        run="results/vit/runs/entropy/seed{}/model.safetensors".format(VIT["seeds"][0]),
    output:
        report("results/vit/tables/hdiff_profile.csv", caption="../report/vit_tables.rst", category="vit"),
    log:
        "logs/vit/profile.log",
    benchmark:
        "benchmarks/vit/profile.tsv"
    threads: TIMING_THREADS
    resources:
        gpu=GPU,  # timed on the device the ViT trained on (effbench/studies/vit/profile.py)
        mem_mb=model_mem(2000, "vit_profile"),
        runtime=model_runtime(20, "vit_profile"),
    script:
        "../workflow_scripts/vit_profile.py"


rule vit_tables:
    input:
        evals=vit_run_files(["eval.csv"]),
        examples=vit_run_files([vit_study.EXAMPLES]),
        metrics=vit_run_files(["metrics.json"]),
        cost="results/vit/cost.csv",
        claims=LEDGER,
    output:
        VIT_TABLE_OUTPUTS,
    log:
        "logs/vit/tables.log",
    benchmark:
        "benchmarks/vit/tables.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/vit_tables.py"


rule vit_figure:
    """Fig. 3/7/8: where the [CLS] query looks, per model, on test digits (dense attention and kept keys),
    and the per-image IoU of that attention with the digit over the whole test split."""
    input:
        data=VIT_DATA,
        runs=vit_run_files(["model.safetensors"], ["dense", "l1", "entropy"]),
    output:
        png=report("results/vit/figures/attention_patterns.png", caption="../report/vit_figure.rst", category="vit"),
        pdf="results/vit/figures/attention_patterns.pdf",
        iou="results/vit/tables/iou_per_image.csv",
    log:
        "logs/vit/figure.log",
    benchmark:
        "benchmarks/vit/figure.tsv"
    threads: TINY_MODEL_THREADS
    resources:
        gpu=GPU,  # runs the GPU-trained ViTs over the whole test split
        mem_mb=model_mem(2000, "vit_figure"),
        runtime=model_runtime(20, "vit_figure"),
    script:
        "../workflow_scripts/vit_figure.py"


rule vit:
    """Target: the whole ViT study."""
    input:
        vit_study.targets(VIT),
