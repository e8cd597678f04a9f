# Each target sets itself up from nothing: virtual environment, install, simulator start.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo london ui test lint bench clean

$(BIN)/sommit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(BIN)/sommit

demo: $(BIN)/sommit   ## run the nightly job on every day of the built-in demo bar
	$(BIN)/sommit demo

london: $(BIN)/sommit ## the same on the real London till export in ../shared
	$(BIN)/sommit london

ui: $(BIN)/sommit     ## serve the demo and open the Dagster UI on http://127.0.0.1:3000
	$(BIN)/sommit ui

test: $(BIN)/sommit   ## every test, the London end-to-end one included
	$(BIN)/python -m pytest

lint: $(BIN)/sommit
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(BIN)/sommit  ## backfill benchmarks (figures go to BENCHMARKS.md by hand)
	$(BIN)/python benchmarks/backfill.py

clean:
	rm -rf $(VENV) .dagster_home .dagster_home_live data/demo data/archive data/live-archive \
	       data/*.duckdb data/*.duckdb.wal
