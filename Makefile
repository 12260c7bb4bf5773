# The two commands of README.md. Both create .venv if needed and install the project.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

# `make run` installs what running needs; `make test` adds the dev tools (lint, types, tests,
# the browser-test driver).
$(BIN)/escalation: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: $(BIN)/escalation
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# Set up, then run the baseline scenario (10,000 replicates, 30 days) and write its report.
run: $(BIN)/escalation
	$(BIN)/escalation run scenario=baseline replicates=10000 days=30 seed=1

# Set up, then run lint, types and the test suite (slow checks excluded: pytest -m slow).
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev
	$(BIN)/python -m benchmarks.bench_engine

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .mypy_cache .ruff_cache
