from effbench.studies.text_gate.cost import measure_cost
from effbench.workflow import setup

config = setup(snakemake)
measure_cost(config["text_gate"], snakemake.params.data_dir, snakemake.params.runs, snakemake.output[0],
             threads=snakemake.threads)
