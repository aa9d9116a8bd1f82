from pathlib import Path

from effbench.data.text import prepare_corpus
from effbench.models.backbones import load_encoder
from effbench.workflow import setup

config = setup(snakemake)
tg = config["text_gate"]
_, tokenizer = load_encoder(tg["backbone"])
prepare_corpus(snakemake.wildcards.corpus, Path(snakemake.output.stats).parent, snakemake.params.cache,
               tg["split_seed"], tg["val_fraction"], tg["test_fraction"], tokenizer)
