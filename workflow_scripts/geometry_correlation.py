from effbench.studies import geometry
from effbench.workflow import setup

config = setup(snakemake)
geometry.correlation(config["geometry"], snakemake.output.sets, snakemake.output.summary)
