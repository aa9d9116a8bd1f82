from pathlib import Path

from effbench.studies.vit.evaluate import evaluate_run
from effbench.studies.vit.train import train_run
from effbench.workflow import setup

config = setup(snakemake)
w, run_dir = snakemake.wildcards, Path(snakemake.output[0]).parent
train_run(config["vit"], w.vit_variant, int(w.seed), run_dir, snakemake.params.state_dir)
evaluate_run(config["vit"], w.vit_variant, int(w.seed), run_dir, snakemake.output[3], snakemake.output[4])
