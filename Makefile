# Ecotone: two commands. `make demo` serves the demo alliance; `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
SIZE ?= medium
EMAIL ?= admin@demo.ecotone.example.org
PYTEST_ARGS ?=

.PHONY: demo demo-reset demo-code setup serve test lint test-sqlite test-postgres chromium translations static messages clean

demo: setup serve

demo-reset:
	rm -f var/ecotone.sqlite3 var/ecotone.sqlite3-wal var/ecotone.sqlite3-shm
	$(MAKE) demo

demo-code: setup
	@$(MANAGE) demo_totp_code $(EMAIL)

setup: $(VENV)/.installed node_modules/.installed translations static

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Compiled with Babel, so no system gettext is needed; .mo files are never committed.
translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile --domain=django --directory=src/ecotone/locale --statistics 2>&1 | grep -v "^$$" || true

static: $(VENV)/.installed node_modules/.installed
	@$(MANAGE) collectstatic --noinput --verbosity 0

serve:
	mkdir -p var
	@$(MANAGE) migrate --noinput --verbosity 0
	@$(MANAGE) seed_demo --size $(SIZE)
	@echo "Serving the demo at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

# Developers: refresh the Spanish catalogue after changing user-facing strings (needs gettext).
messages: $(VENV)/.installed
	cd src/ecotone && ../../$(PY) ../../manage.py makemessages --locale es --ignore "static/*" --no-location --no-obsolete

test: setup chromium lint test-sqlite test-postgres

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(MANAGE) makemigrations --check --dry-run

test-sqlite: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: setup
	scripts/with-postgres.sh $(VENV)/bin/pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; install it when the machine lacks it.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) node_modules var
