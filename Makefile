# Two commands for a newcomer: `make demo` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= ltsplan.db
BENCH ?=
PYTEST_ARGS ?=

.PHONY: install demo test lint typecheck check bench bench-tiny serve clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

HOST ?= 127.0.0.1
PORT ?= 8000

# Load the demonstration data, then serve it (the URL to open is printed; Ctrl+C stops).
demo: install
	$(BIN)/ltsplan demo --db $(DB)
	@echo "Open http://$(HOST):$(PORT)/ in a browser (API docs: http://$(HOST):$(PORT)/api/docs)"
	$(BIN)/ltsplan serve --db $(DB) --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/ltsplan serve --db $(DB) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy --no-error-summary
	$(BIN)/pytest -q -n 2 $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/run.py $(BENCH)

# Every benchmark (or BENCH) at its tiny size, results in a scratch directory: what CI runs.
bench-tiny: install
	$(BIN)/python benchmarks/run.py --tiny $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
