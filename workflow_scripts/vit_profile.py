from pathlib import Path

from effbench.studies.vit.profile import profile_hdiff
from effbench.workflow import setup

config = setup(snakemake)
profile_hdiff(config["vit"], Path(snakemake.input.run).parent, snakemake.output[0])
