from effbench.studies import synthetic_cost
from effbench.workflow import setup

config = setup(snakemake)
synthetic_cost.time_variants(config["synthetic"], snakemake.input.data, "results/synthetic/runs",
                             snakemake.output[0], threads=snakemake.threads)
