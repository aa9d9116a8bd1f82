from pathlib import Path

from effbench.studies.text_gate.train import prepare_data
from effbench.workflow import setup

config = setup(snakemake)
glue = config["eat"]["glue"]
cfg = {**config["text_gate"], "source": glue["source"], "local_dir": glue["local_dir"],
       "task": snakemake.wildcards.glue_task, "backbone": config["eat"]["backbone"]}
prepare_data(cfg, Path(snakemake.output.stats).parent, snakemake.params.cache)
