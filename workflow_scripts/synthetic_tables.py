from pathlib import Path

from effbench.studies.synthetic.tables import write_tables
from effbench.workflow import setup

config = setup(snakemake)
write_tables(config["synthetic"], snakemake.params.runs, snakemake.params.data_dir, snakemake.input.timing,
             snakemake.input.claims, out_dir=Path(snakemake.output[0]).parent, scale=config["scale"], config=config)
