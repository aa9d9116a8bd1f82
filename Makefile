# Two commands do all set-up on a fresh machine:
#   make run    install (first time) and run the whole pipeline on config.yaml
#   make test   install (first time) and run the test suite
PYTHON ?= python3
VENV   ?= .venv
CORES  ?= all
BIN     = $(VENV)/bin

.PHONY: install run smoke test dry-run clean-results

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q pip==25.3
	$(BIN)/python -m pip install -q -c requirements.lock -e .
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/snakemake --cores $(CORES)

smoke: install
	$(BIN)/snakemake --cores $(CORES) --configfile .test/config.yaml --directory .test/work

dry-run: install
	$(BIN)/snakemake --cores $(CORES) -n

test: install
	$(BIN)/python -m pytest -q

clean-results:
	rm -rf results logs benchmarks data/generated .snakemake
