from effbench.studies.synthetic.cost import time_variants
from effbench.workflow import setup

config = setup(snakemake)
time_variants(config["synthetic"], snakemake.input.data, "results/synthetic/runs",
                             snakemake.output[0], threads=snakemake.threads)
