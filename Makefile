# The two commands of the README: `make report` and `make test`. Each creates .venv if missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
QUARTO ?= $(shell command -v quarto 2>/dev/null || echo $(BIN)/quarto)

.PHONY: report test verify reproduce benchmark mutation clean

$(STAMP): code/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e "./code[report,test]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 > /dev/null
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest

# Rerun every chapter's cells from data/ and compare their values, tables and printed output
# (figures by presence) with the frozen book in _freeze/; fails on any difference.
verify: $(STAMP)
	$(BIN)/python -m deeprg.verify

report: $(STAMP)
	@if [ ! -x "$(QUARTO)" ]; then \
	  echo "quarto not found on PATH; trying pip install quarto-cli into $(VENV)"; \
	  $(BIN)/python -m pip install --quiet quarto-cli || { \
	    echo "Could not install Quarto. Install it from https://quarto.org/docs/get-started/"; \
	    echo "(or: conda install -c conda-forge quarto), then run make report again."; exit 1; }; \
	fi
	PATH="$(abspath $(BIN)):$$PATH" QUARTO_PYTHON="$(abspath $(BIN)/python)" \
	  "$$(PATH="$(abspath $(BIN)):$$PATH" command -v quarto)" render

reproduce: $(STAMP)
	$(BIN)/deeprg reproduce

benchmark: $(STAMP)
	$(BIN)/python -m pip install --quiet -e "./code[bench]"
	NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python code/benchmarks/ising.py
	$(BIN)/python code/benchmarks/rbm.py
	$(BIN)/python code/benchmarks/cluster.py

# Mutation testing (mutmut 3) of the core modules, run in a copy of the package and tests in
# $(MUTATION_DIR), never in this tree; triage in code/MUTATION.md. By default 40 mutants a module
# (the same ones each time; about 30 minutes, less when verdicts are reused); all ~6,800:
# MUTATION_ARGS="--sample 0" (hours); some modules: MUTATION_ARGS="--modules fmt.py store.py".
MUTATION_DIR ?= /tmp/deeprg-mutation
MUTATION_ARGS ?= --sample 40
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e "./code[mutation]"
	nice -n 10 $(BIN)/python mutation/run.py --dir $(MUTATION_DIR) $(MUTATION_ARGS)

clean:
	rm -rf _book .quarto
