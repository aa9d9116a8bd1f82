from pathlib import Path

from effbench.data.text import prepare_corpus
from effbench.models.backbones import load_tokenizer
from effbench.workflow import setup

config = setup(snakemake)
tg = config["text_gate"]
tokenizer = load_tokenizer(tg["backbone"])   # for the token-length statistics: no weights
prepare_corpus(snakemake.wildcards.corpus, Path(snakemake.output.stats).parent, snakemake.params.cache,
               tg["split_seed"], tg["val_fraction"], tg["test_fraction"], tokenizer)
