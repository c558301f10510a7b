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
# The suite runs on both cores: one pytest-xdist worker each, each with its own test database.
# `worksteal` hands each worker a contiguous half of the (shuffled) modules and lets a worker
# that runs dry take half of the other's queue: a module's fixtures are mostly built on one
# worker, not both (the whole suite's CPU time 579 s against 597 s with `load`, same seed).
WORKERS ?= 2
XDIST := -n $(WORKERS) --dist worksteal
PYTEST := $(VENV)/bin/pytest
UNIT := $(XDIST) -m "not browser and not replication"
# `make test` names its 30 slowest tests, so a slow one is seen when it lands.
SLOWEST := --durations=30
TIMED := scripts/timed.sh
# Python keeps what it compiles (__pycache__, git-ignored). Machines that set
# PYTHONDONTWRITEBYTECODE (this one and CI do) otherwise compile Django, the libraries and every
# test module again in each process: each pytest worker of each phase spent about 8 s of CPU on
# it before collecting a test.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo demo-reset demo-code setup serve serve-prod test test-fast lint test-sqlite test-postgres test-browser chromium translations static messages clean

demo: setup serve

demo-reset:
	rm -f var/ecotone.sqlite3 var/ecotone.sqlite3-wal var/ecotone.sqlite3-shm
	$(MAKE) demo

demo-code: setup
	@$(MANAGE) demo_totp_code $(EMAIL)

setup: $(VENV)/.installed node_modules/.installed translations static

# uv installs the same pinned packages as pip in a tenth of the time (7 s against 75 s for a
# fresh environment here); it is itself pinned and installed by pip.
UV_VERSION := 0.13.9
$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e ".[dev]"
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

# A production-like stack on this machine: PostgreSQL (kept in var/serve-prod-pg), gunicorn,
# whitenoise, the task worker, DEBUG off (scripts/serve-prod.sh; docs/admin-guide.md).
serve-prod: $(VENV)/.installed node_modules/.installed translations
	HOST=$(HOST) PORT=$(PORT) SIZE=$(SIZE) scripts/serve-prod.sh

# Developers: refresh the Spanish catalogue after changing user-facing strings (needs gettext).
messages: $(VENV)/.installed
	cd src/ecotone && ../../$(PY) ../../manage.py makemessages --locale es --ignore "static/*" --no-location --no-obsolete

# Every phase is timed; the table of phases is printed at the end, passed or not. The two
# PostgreSQL phases share one cluster, kept in $(TEST_PG) for the length of the run: the browser
# phase reuses the test databases the postgres phase migrated (migrating is about 9 s a phase).
TEST_PG := var/test-pg
test:
	@$(TIMED) --reset
	@rm -rf $(TEST_PG)
	@$(TIMED) setup $(MAKE) --no-print-directory setup chromium; \
	status=$$?; \
	[[ $$status -ne 0 ]] || { $(TIMED) lint $(MAKE) --no-print-directory lint; status=$$?; }; \
	[[ $$status -ne 0 ]] || { $(TIMED) sqlite $(MAKE) --no-print-directory test-sqlite PYTEST_ARGS='$(SLOWEST) $(PYTEST_ARGS)'; status=$$?; }; \
	[[ $$status -ne 0 ]] || { WITH_POSTGRES_KEEP=$(TEST_PG) $(TIMED) postgres $(MAKE) --no-print-directory test-postgres PYTEST_ARGS='--reuse-db --create-db $(SLOWEST) $(PYTEST_ARGS)'; status=$$?; }; \
	[[ $$status -ne 0 ]] || { WITH_POSTGRES_KEEP=$(TEST_PG) $(TIMED) browser $(MAKE) --no-print-directory test-browser PYTEST_ARGS='--reuse-db $(SLOWEST) $(PYTEST_ARGS)'; status=$$?; }; \
	rm -rf $(TEST_PG); \
	$(TIMED) --summary; \
	exit $$status

# The edit-test loop: the SQLite suite without the browser tests, on both cores.
test-fast: setup
	$(PYTEST) $(UNIT) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(MANAGE) makemigrations --check --dry-run

# Every test but the browser tests runs on both databases.
test-sqlite: setup
	$(PYTEST) $(UNIT) $(PYTEST_ARGS)

# The replication test starts servers of its own, whatever the database: it runs once, here.
test-postgres: setup
	scripts/with-postgres.sh $(PYTEST) $(XDIST) -m "not browser" $(PYTEST_ARGS)

# Browser tests check pages, not database dialects: they run once, against PostgreSQL (the
# production database), in their own pass.
test-browser: setup chromium
	scripts/with-postgres.sh $(PYTEST) $(XDIST) -m browser $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; install it when the machine lacks it.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) node_modules var
