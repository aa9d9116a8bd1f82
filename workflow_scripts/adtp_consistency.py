from effbench.studies.adtp.consistency import tsp_consistency
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.wildcards.adtp_task
tsp_consistency(config["adtp"], task, snakemake.params.runs, snakemake.output[0])
