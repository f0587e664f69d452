# `make run` and `make test` work from a fresh clone: the first use makes .venv and installs coopbot into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check eval answers bench load faults validate clean bytecode

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
	cd bench && MYPYPATH=.. ../$(BIN)/mypy --strict load.py faults.py run.py

validate: $(STAMP)
	$(BIN)/coopbot validate

# What the bot answers to every question of tests/eval/cases.jsonl, recorded in tests/eval/answers.jsonl: run it when a
# change is meant to change answers, and review the file's diff (tests/test_answers.py holds the answers to it).
answers: $(STAMP)
	$(BIN)/coopbot eval --record

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

# The dependency-fault suite (not part of `make test`, see docs/faults.md): real `coopbot serve` processes while
# SQLite is locked, the disk fills, Redis or PostgreSQL goes away, Redis holds planted values, two replicas are
# taught at once, a button is pressed in a flood; prints figures, about 10 minutes (as root: it mounts a tmpfs).
# E.g. make faults ARGS="--scenario sqlite-locked --mode slack-http --markdown"
faults: $(STAMP)
	$(BIN)/python bench/faults.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
