from pathlib import Path

from effbench.studies.dense.plan import tasks
from effbench.studies.dense.train import train
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.wildcards.dense_task
train(config["dense"], task, tasks(config)[task], int(snakemake.wildcards.seed), Path(snakemake.output[0]).parent,
      snakemake.params.state_dir)
