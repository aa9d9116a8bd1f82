from pathlib import Path

from effbench.studies.geometry.tables import write_tables
from effbench.workflow import setup

config = setup(snakemake)
write_tables(config["geometry"], snakemake.input.timings, snakemake.input.large, snakemake.params.runs,
             snakemake.input.claims, Path(snakemake.output[0]).parent, scale=config["scale"], config=config)
