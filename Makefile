# Peerscope: `make run` serves the app with demo data, `make test` runs every test.
# Both build everything they need from a clean clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres lint bench check-instruments clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/surveyapp db upgrade
	$(BIN)/surveyapp instruments load
	$(BIN)/surveyapp run --host 127.0.0.1 --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check surveyapp tests wsgi.py
	$(BIN)/pytest

test-postgres: $(STAMP)
	.ci/with-postgres $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check surveyapp tests wsgi.py
	$(BIN)/ruff format --check surveyapp tests wsgi.py

check-instruments: $(STAMP)
	$(BIN)/surveyapp instruments check

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
