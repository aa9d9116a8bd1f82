from effbench.studies.adtp.cost import measure_cost
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.wildcards.adtp_task
measure_cost(config["adtp"], task, snakemake.params.runs, snakemake.output[0], snakemake.threads)
