from pathlib import Path

from effbench.studies.adtp.data import prepare_newsgroups
from effbench.workflow import setup

config = setup(snakemake)
prepare_newsgroups(config["adtp"], Path(snakemake.output.stats).parent)
