from pathlib import Path

from effbench.studies import text_gate
from effbench.workflow import setup

config = setup(snakemake)
cfg = {**config["text_gate"], "source": snakemake.params.get("source", config["text_gate"]["source"])}
text_gate.prepare_data(cfg, Path(snakemake.output.stats).parent, snakemake.params.cache)
