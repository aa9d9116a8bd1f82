from effbench.studies import text_gate
from effbench.workflow import setup

config = setup(snakemake)
text_gate.measure_cost(config["text_gate"], snakemake.params.data_dir, "results/text_gate/runs",
                       snakemake.output[0], threads=snakemake.threads)
