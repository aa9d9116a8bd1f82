from effbench.studies import synthetic
from effbench.workflow import setup

config = setup(snakemake)
synthetic.make_dataset(config["synthetic"], snakemake.wildcards.dataset, snakemake.output.npz)
