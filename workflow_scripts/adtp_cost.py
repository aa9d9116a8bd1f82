from effbench.studies.adtp.cost import measure_cost
from effbench.studies.adtp.plan import runs_root
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.wildcards.adtp_task
measure_cost(config["adtp"], task, runs_root(task), snakemake.output[0], snakemake.threads)
