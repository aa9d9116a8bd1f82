import json

from effbench.data.hub_images import prepare
from effbench.workflow import setup

config = setup(snakemake)
info = prepare(config["vit"]["data"]["source"], snakemake.output[0], snakemake.params.local_dir)
print(json.dumps(info))
