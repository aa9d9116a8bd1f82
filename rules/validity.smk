# The validity stage (effbench/validity): the floors every result rests on, checked on what the
# studies wrote. Majority class and bag of words under each text task's dense model, dense and
# ViT and EntropyNet converged, no method above its own teacher without a control, no degenerate
# baseline, no constant ratio predictor passed off as adaptive, every interval an interval, every
# row on the same examples. At the default and paper scales a failed check fails the run.


rule vit_pixel_floor:
    """The ViT's floor: a logistic regression on raw pixels, on the ViT's own split (C chosen on validation)."""
    input:
        VIT_DATA,
    output:
        "results/vit/pixel_floor.json",
    log:
        "logs/vit/pixel_floor.log",
    benchmark:
        "benchmarks/vit/pixel_floor.tsv"
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../workflow_scripts/vit_pixel_floor.py"


rule validity:
    input:
        unpack(validity_inputs),
    output:
        json="results/validity.json",
        md="results/validity.md",
    log:
        "logs/validity.log",
    benchmark:
        "benchmarks/validity.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/validity.py"
