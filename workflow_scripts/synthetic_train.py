from pathlib import Path

from effbench.studies.synthetic.train import train_variant
from effbench.workflow import setup

config = setup(snakemake)
out_root = Path(snakemake.output[0]).parents[2]   # results/synthetic/runs
train_variant(config["synthetic"], snakemake.wildcards.variant, snakemake.input[0],
                        out_root, snakemake.params.state_dir)
