# `make run` and `make test` work from a fresh clone: the first use makes .venv and installs coopbot into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check eval bench load validate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

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

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The load and fault suite (not part of `make test`): real `coopbot serve` processes against fake Telegram
# and Slack servers; prints figures, about 5 minutes. E.g. make load ARGS="--scenario slack-burst --markdown"
load: $(STAMP)
	$(BIN)/python bench/load.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
