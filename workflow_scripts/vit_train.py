from pathlib import Path

from effbench.studies import vit
from effbench.workflow import setup

config = setup(snakemake)
w, run_dir = snakemake.wildcards, Path(snakemake.output[0]).parent
vit.train_run(config["vit"], w.vit_variant, int(w.seed), run_dir, snakemake.params.state_dir)
vit.evaluate_run(config["vit"], w.vit_variant, int(w.seed), run_dir, snakemake.output[3])
