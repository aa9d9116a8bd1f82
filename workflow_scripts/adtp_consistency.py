from effbench.studies.adtp.consistency import tsp_consistency
from effbench.studies.adtp.plan import runs_root
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.wildcards.adtp_task
tsp_consistency(config["adtp"], task, runs_root(task), snakemake.output[0])
