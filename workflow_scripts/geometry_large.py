from pathlib import Path

from effbench.studies.geometry.timing import time_large
from effbench.studies.geometry.train import load_net
from effbench.workflow import setup

config = setup(snakemake)
time_large(config["geometry"], load_net(config["geometry"], Path(snakemake.input[0]).parent),
                    snakemake.output[0])
