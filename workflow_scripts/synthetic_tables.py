from effbench.studies import synthetic_report
from effbench.workflow import setup

config = setup(snakemake)
synthetic_report.write_tables(config["synthetic"], "results/synthetic/runs", "data/generated/synthetic",
                              snakemake.input.timing, snakemake.input.claims,
                              out_dir="results/synthetic/tables")
