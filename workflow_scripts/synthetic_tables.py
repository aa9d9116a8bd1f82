from effbench.studies.synthetic.tables import write_tables
from effbench.workflow import setup

config = setup(snakemake)
write_tables(config["synthetic"], "results/synthetic/runs", "data/generated/synthetic",
                              snakemake.input.timing, snakemake.input.claims,
                              out_dir="results/synthetic/tables")
