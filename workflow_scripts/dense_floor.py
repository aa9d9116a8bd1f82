from effbench.studies.dense.floor import build
from effbench.studies.dense.plan import tasks
from effbench.workflow import setup

config = setup(snakemake)
build(tasks(config)[snakemake.wildcards.dense_task], snakemake.output.metrics, snakemake.output.preds)
