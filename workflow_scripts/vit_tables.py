from pathlib import Path

from effbench.studies import vit
from effbench.workflow import setup

config = setup(snakemake)
vit.write_tables(config["vit"], snakemake.input.evals, snakemake.input.cost, snakemake.input.metrics,
                 snakemake.input.claims, Path(snakemake.output[0]).parent)
