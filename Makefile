# Two commands do all set-up on a fresh machine:
#   make run    install (first time) and run the whole pipeline on config.yaml
#   make test   install (first time) and run the test suite
PYTHON ?= python3
VENV   ?= .venv
CORES  ?= all
BIN     = $(VENV)/bin

.PHONY: install system-deps run smoke test dry-run clean-results dvc-remote push pull prefetch

# uv installs the pinned set in parallel, bytecode compiled: about 50 s on a fresh clone here with an empty
# cache, where pip took 80-110 s. It gets pip's package sources (scripts/uv_args.py: uv reads no pip
# configuration); where uv cannot be installed or fails, pip installs the same set.
$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q pip==25.3
	{ $(BIN)/python -m pip install -q uv==0.13.10 && \
	  $(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode --index-strategy unsafe-best-match \
	    $$($(BIN)/python scripts/uv_args.py) -c requirements.lock -e . ; } || \
	  { echo "uv failed: installing with pip"; $(BIN)/python -m pip install -q -c requirements.lock -e . ; }
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/snakemake --cores $(CORES)
	@$(MAKE) --no-print-directory results/report.html

# the HTML report (every figure and table with its caption), remade only when the ledger, which
# every study feeds, has changed
results/report.html: results/claims.csv
	$(BIN)/snakemake --cores 1 --report $@

smoke: install
	$(BIN)/snakemake --cores $(CORES) --configfile .test/config.yaml --directory .test/work

# Once, where the hubs can be reached (a cluster's login node): every model and dataset CONFIG loads from the
# hubs, into its hub.home (HF_HOME); its jobs then run offline (hub.offline) on that cache (effbench/hub.py)
CONFIG ?= configs/paper.yaml
prefetch: install
	$(BIN)/python -m effbench.hub --configfile $(CONFIG)

dry-run: install
	$(BIN)/snakemake --cores $(CORES) -n

# The SLURM profile test runs a real single-node scheduler: Debian's slurm-wlm and munge,
# installed here when apt and root are available (the test is skipped, saying why, otherwise).
system-deps:
	@if command -v slurmctld >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null 2>&1; } || \
	  echo "slurm-wlm/munge not installed: the SLURM test will be skipped"; \
	else echo "no apt or not root: the SLURM test will be skipped"; fi

test: install system-deps
	$(BIN)/python -m pytest -q --durations=12

# DVC: a per-clone default remote given as an absolute path (DVC resolves a relative remote
# path against .dvc/, so a committed relative path breaks in other clone locations).
DVC_REMOTE ?= $(HOME)/.cache/effbench/dvc-remote
SMK_ARGS   ?=          # e.g. --configfile=.test/config.yaml (with "=": the flag takes a list)

dvc-remote: install
	$(BIN)/dvc remote add --local --default --force local $(abspath $(DVC_REMOTE))

push: dvc-remote          # after a run: record what it made in dvc.lock, upload it
	$(BIN)/dvc commit --force
	$(BIN)/dvc push

pull: dvc-remote          # on a fresh clone: fetch, then stamp the cached artefacts in DAG order
	$(BIN)/dvc pull
	$(BIN)/snakemake --touch --cores 1 cached $(SMK_ARGS)   # SMK_ARGS last: --configfile takes a list

clean-results:
	rm -rf results logs benchmarks data/generated .snakemake
