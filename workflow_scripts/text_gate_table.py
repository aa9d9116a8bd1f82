from effbench.studies.text_gate.tables import write_table
from effbench.workflow import optional_input, setup

config = setup(snakemake)
write_table(config["text_gate"], snakemake.params.runs, snakemake.input.cost[0], snakemake.input.claims,
            snakemake.output[0], optional_input(snakemake, "floor"), scale=config["scale"], config=config)
