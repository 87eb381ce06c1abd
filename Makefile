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

.PHONY: run dev test test-postgres lint bench bench-postgres bench-postgres-1m sqlite3 check-instruments clean chromium messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

# After adding or changing a translatable string: the template (.pot) from the code, then each language's .po
# updated from it (new entries empty, changed ones fuzzy) for a translator to fill in.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o surveyapp/translations/messages.pot .
	$(BIN)/pybabel update -i surveyapp/translations/messages.pot -d surveyapp/translations

# Served as in production: gunicorn with the shipped gunicorn.conf.py and wsgi.py, on loopback.
run: $(STAMP) $(MO)
	$(BIN)/surveyapp db upgrade
	@mkdir -p instance && echo '$(BASE_URL)' > instance/base_url  # links printed later by `surveyapp invite` use it
	SURVEYAPP_BASE_URL=$(BASE_URL) $(BIN)/surveyapp demo
	SURVEYAPP_BASE_URL=$(BASE_URL) exec $(BIN)/gunicorn -c gunicorn.conf.py -b 127.0.0.1:$(PORT) wsgi:app

# Flask's development server (reloads on code changes, shows tracebacks): for development only, never production.
dev: $(STAMP) $(MO)
	$(BIN)/surveyapp db upgrade
	@mkdir -p instance && echo '$(BASE_URL)' > instance/base_url  # links printed later by `surveyapp invite` use it
	SURVEYAPP_BASE_URL=$(BASE_URL) $(BIN)/surveyapp demo
	SURVEYAPP_BASE_URL=$(BASE_URL) $(BIN)/surveyapp run --host 127.0.0.1 --port $(PORT) --debug

# Browser tests drive Debian's Chromium, the PDF tests read printed pages with pdftotext (poppler-utils) and
# decode printed QR codes with zbarimg (zbar-tools); the results report and printed invitations (WeasyPrint)
# need Pango and a font with Hebrew and Arabic (DejaVu); install them when a fresh machine lacks them.
chromium:
	@{ command -v chromium && command -v pdftotext && command -v zbarimg && ldconfig -p | grep -q libpangoft2 && fc-list | grep -q DejaVuSans; } >/dev/null 2>&1 || { \
	  echo "Chromium, pdftotext, zbarimg, Pango or DejaVu fonts not found: installing Debian's packages for the tests..."; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "error: installing them needs root (apt-get install -y chromium poppler-utils zbar-tools libpangoft2-1.0-0 fonts-dejavu-core)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils zbar-tools libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; }

# Known vulnerabilities in the installed packages fail the run (.ci/audit-deps says how to ignore one, with a reason).
test: $(STAMP) $(MO) chromium
	$(BIN)/ruff check surveyapp tests wsgi.py benchmarks
	$(BIN)/python .ci/audit-deps
	$(BIN)/pytest

test-postgres: $(STAMP) $(MO) chromium
	.ci/with-postgres $(BIN)/pytest

# Performance targets live here, not in tests: each benchmark prints its figures and OK/MISSED.
# bench-postgres runs the ones that depend on the database against a throwaway PostgreSQL (.ci/with-postgres),
# printing the same lines marked [pg]; bench-postgres-1m runs them on 1,000,000 responses (it takes a while).
DB_BENCHES := bench_dashboard.py bench_export.py bench_import.py bench_submit.py
bench: $(STAMP) sqlite3 chromium
	cd benchmarks && status=0; \
	  for bench in $(DB_BENCHES) bench_page_weight.py bench_import_memory.py bench_job_definition.py bench_validation.py bench_delphi.py \
	    bench_role_definition.py; do ../$(BIN)/python $$bench || status=1; done; \
	  exit $$status

bench-postgres: $(STAMP)
	cd benchmarks && BENCH_BACKEND=postgresql ../.ci/with-postgres bash -c 'status=0; \
	  for bench in $(DB_BENCHES); do ../$(BIN)/python $$bench || status=1; done; exit $$status'

bench-postgres-1m: $(STAMP)
	cd benchmarks && BENCH_BACKEND=postgresql BENCH_RESPONSES=1000000 BENCH_REPEAT=1 BENCH_EXPORT_KINDS=wide \
	  BENCH_IMPORT_ROWS=100000 ../.ci/with-postgres bash -c 'status=0; \
	  for bench in bench_dashboard.py bench_export.py bench_import.py; do ../$(BIN)/python $$bench || status=1; done; \
	  exit $$status'

# the export benchmark's floor
sqlite3:
	@command -v sqlite3 >/dev/null 2>&1 || { echo "installing the sqlite3 command (the export benchmark's floor)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check surveyapp tests wsgi.py benchmarks
	$(BIN)/ruff format --check surveyapp tests wsgi.py

check-instruments: $(STAMP)
	$(BIN)/surveyapp instruments check

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
