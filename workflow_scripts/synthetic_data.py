from effbench.studies.synthetic.train import make_dataset
from effbench.workflow import setup

config = setup(snakemake)
make_dataset(config["synthetic"], snakemake.wildcards.dataset, snakemake.output.npz)
