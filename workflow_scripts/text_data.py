from pathlib import Path

from effbench.studies import text_gate
from effbench.workflow import setup

config = setup(snakemake)
text_gate.prepare_data(config["text_gate"], Path(snakemake.output.stats).parent, snakemake.params.cache)
