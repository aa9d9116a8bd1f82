from effbench.studies import adtp
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.wildcards.adtp_task
adtp.measure_cost(config["adtp"], task, adtp.runs_root(task), snakemake.output[0], snakemake.threads)
