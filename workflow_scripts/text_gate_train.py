from pathlib import Path

from effbench.studies.text_gate.train import train_variant
from effbench.workflow import setup

config = setup(snakemake)
variant = snakemake.wildcards.get("tg_variant", "dense")
train_variant(config["text_gate"], variant, snakemake.params.data_dir,
                        Path(snakemake.output[0]).parents[2], snakemake.params.state_dir)
