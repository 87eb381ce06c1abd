# Peerscope: `make run` serves the app with demo data, `make test` runs every test.
# Both build everything they need from a clean clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
BASE_URL ?= http://127.0.0.1:$(PORT)
STAMP := $(VENV)/.installed
MO := $(patsubst %.po,%.mo,$(wildcard surveyapp/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test test-postgres lint bench check-instruments clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

run: $(STAMP) $(MO)
	$(BIN)/surveyapp db upgrade
	SURVEYAPP_BASE_URL=$(BASE_URL) $(BIN)/surveyapp demo
	SURVEYAPP_BASE_URL=$(BASE_URL) $(BIN)/surveyapp run --host 127.0.0.1 --port $(PORT)

test: $(STAMP) $(MO)
	$(BIN)/ruff check surveyapp tests wsgi.py
	$(BIN)/pytest

test-postgres: $(STAMP) $(MO)
	.ci/with-postgres $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check surveyapp tests wsgi.py
	$(BIN)/ruff format --check surveyapp tests wsgi.py

check-instruments: $(STAMP)
	$(BIN)/surveyapp instruments check

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
