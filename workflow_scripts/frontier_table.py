from effbench.studies.frontier.tables import write_table
from effbench.workflow import optional_input, setup

config = setup(snakemake)
write_table(config, snakemake.wildcards.frontier_task, snakemake.input.cost, snakemake.input.preds, snakemake.input.eat,
            snakemake.output[0], optional_input(snakemake, "floor"))
