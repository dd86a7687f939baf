# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= deploy/tocsin.example.yaml

.PHONY: setup run test lint format unit integration e2e chaos clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tocsin needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/tocsin up --config $(CONFIG)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile

unit: setup
	$(BIN)/pytest -q tests/unit

integration: setup
	$(BIN)/pytest -q tests/integration

e2e: setup
	$(BIN)/pytest -q tests/e2e

# The long chaos scenarios (the short ones run in `make test`); prints their counts.
chaos: setup
	TOCSIN_CHAOS_SCALE=full $(BIN)/pytest -q -p no:cacheprovider -s -m chaos tests/chaos

clean:
	rm -rf $(VENV) .state .mypy_cache .ruff_cache .pytest_cache
