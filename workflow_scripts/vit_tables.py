from pathlib import Path

from effbench.studies.vit.tables import write_tables
from effbench.workflow import setup

config = setup(snakemake)
write_tables(config["vit"], snakemake.input.evals, snakemake.input.examples, snakemake.input.cost, snakemake.input.metrics,
                 snakemake.input.claims, Path(snakemake.output[0]).parent)
