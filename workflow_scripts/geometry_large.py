from pathlib import Path

from effbench.studies import geometry
from effbench.workflow import setup

config = setup(snakemake)
geometry.time_large(config["geometry"], geometry.load_net(config["geometry"], Path(snakemake.input[0]).parent),
                    snakemake.output[0])
