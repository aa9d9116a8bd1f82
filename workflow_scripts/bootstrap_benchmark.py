from effbench.stats.benchmark import bootstrap_benchmark
from effbench.workflow import setup

setup(snakemake)
bootstrap_benchmark(snakemake.output[0], **snakemake.params)
