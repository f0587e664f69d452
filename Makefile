# `make run` and `make test` work from a fresh clone: the first use makes .venv and installs coopbot into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check eval bench load validate clean bytecode

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# Compiled once here, so that no start recompiles bot/ and adapters/ (where the code is read-only to the service,
# Python could not write __pycache__ and would compile every module at every start). Run again after an update.
bytecode:
	$(BIN)/python -m compileall -q bot adapters

run: $(STAMP)
	$(BIN)/coopbot

CHECKED := bot adapters tests bench

test: $(STAMP) check
	$(BIN)/python -m pytest -q

# The static checks (also what .pre-commit-config.yaml runs before each commit).
check: $(STAMP)
	$(BIN)/coopbot validate
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/mypy

validate: $(STAMP)
	$(BIN)/coopbot validate

eval: $(STAMP)
	$(BIN)/coopbot eval --readme README.md

# How start, memory and latency grow with the fact base (x1, x10, x100; ARGS="--huge" adds x1000, about 10
# minutes; ARGS="--readme README.md" writes the table into the README).
bench: $(STAMP)
	$(BIN)/python bench/run.py $(ARGS)

# The load and fault suite (not part of `make test`): real `coopbot serve` processes against fake Telegram
# and Slack servers; prints figures, about 5 minutes. E.g. make load ARGS="--scenario slack-burst --markdown"
load: $(STAMP)
	$(BIN)/python bench/load.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
