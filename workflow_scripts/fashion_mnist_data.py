import json

from effbench.data.images import prepare_fashion
from effbench.workflow import setup

config = setup(snakemake)
info = prepare_fashion(snakemake.output[0], snakemake.params.cache, seed=config["vit"]["data"]["split_seed"])
print(json.dumps(info))
