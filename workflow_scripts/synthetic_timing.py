from effbench.studies.synthetic.cost import time_variants
from effbench.workflow import setup

config = setup(snakemake)
time_variants(config["synthetic"], snakemake.input.data, snakemake.params.runs, snakemake.output[0],
              threads=snakemake.threads)
