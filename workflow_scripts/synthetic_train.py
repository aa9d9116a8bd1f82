from pathlib import Path

from effbench.studies import synthetic
from effbench.workflow import setup

config = setup(snakemake)
out_root = Path(snakemake.output[0]).parents[2]   # results/synthetic/runs
synthetic.train_variant(config["synthetic"], snakemake.wildcards.variant, snakemake.input[0],
                        out_root, snakemake.params.state_dir)
