from effbench.studies.geometry.correlation import correlation
from effbench.workflow import setup

config = setup(snakemake)
correlation(config["geometry"], snakemake.output.sets, snakemake.output.summary)
