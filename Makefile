# `make run` and `make test` work from a fresh clone: the first use makes .venv and installs coopbot into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint eval bench validate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/coopbot

test: $(STAMP)
	$(BIN)/coopbot validate
	$(BIN)/ruff check bot adapters tests bench
	$(BIN)/python -m pytest -q

validate: $(STAMP)
	$(BIN)/coopbot validate

eval: $(STAMP)
	$(BIN)/coopbot eval --readme README.md

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
