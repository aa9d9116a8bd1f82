from pathlib import Path

from effbench.studies import geometry
from effbench.workflow import setup

config = setup(snakemake)
geometry.write_tables(config["geometry"], snakemake.input.timings, snakemake.input.large, "results/geometry/entropynet",
                      snakemake.input.claims, Path(snakemake.output[0]).parent)
