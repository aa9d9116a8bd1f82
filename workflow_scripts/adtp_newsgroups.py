from pathlib import Path

from effbench.studies import adtp
from effbench.workflow import setup

config = setup(snakemake)
adtp.prepare_newsgroups(config["adtp"], Path(snakemake.output.stats).parent)
