from effbench.studies import text_gate
from effbench.workflow import setup

config = setup(snakemake)
text_gate.write_table(config["text_gate"], "results/text_gate/runs", snakemake.input.cost[0],
                      snakemake.input.claims, snakemake.output[0])
