from pathlib import Path

from effbench.studies.text_gate.train import prepare_data
from effbench.workflow import setup

config = setup(snakemake)
cfg = {**config["text_gate"], "source": snakemake.params.get("source", config["text_gate"]["source"])}
prepare_data(cfg, Path(snakemake.output.stats).parent, snakemake.params.cache)
