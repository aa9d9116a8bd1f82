from pathlib import Path

from effbench.studies import text_gate
from effbench.workflow import setup

config = setup(snakemake)
variant = snakemake.wildcards.get("tg_variant", "dense")
text_gate.train_variant(config["text_gate"], variant, snakemake.params.data_dir,
                        Path(snakemake.output[0]).parents[2], snakemake.params.state_dir)
