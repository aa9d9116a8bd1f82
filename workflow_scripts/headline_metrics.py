import json

from effbench.artefacts import atomic_path
from effbench.headline import headline_metrics
from effbench.workflow import setup

setup(snakemake)
with atomic_path(snakemake.output[0]) as tmp:
    tmp.write_text(json.dumps(headline_metrics(), indent=1, sort_keys=True))
