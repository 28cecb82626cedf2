# Two commands for a new machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint install install-test install-bench browser-deps bench fuzz clean up down loadtest \
	translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## run: install, migrate, make sure an admin exists, serve on http://127.0.0.1:5000
run: install
	$(FLASK) db upgrade
	$(FLASK) users ensure-admin
	rm -rf instance/prometheus && mkdir -p instance/prometheus
	SESSION_COOKIE_SECURE=false PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/instance/prometheus \
		$(BIN)/gunicorn --workers 2 --timeout 600 --bind $(HOST):$(PORT) wsgi:app

## test: install what the tests need (Chromium included) and run the whole suite
test: install-test browser-deps
	$(BIN)/ruff check .
	$(BIN)/pytest

## browser-deps: Debian's Chromium for the browser tests (Playwright never downloads one)
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium chromium-driver >/dev/null || echo "Could not install chromium: browser tests will skip"; \
	fi

## translations: extract every UI string, merge them into each catalog (new ones empty, never
## fuzzy), compile the .mo files (committed, so `make run` needs no compile step)
PYBABEL_KEYWORDS := -k _l -k lazy_gettext
translations: install
	$(BIN)/pybabel extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location --sort-output \
		--omit-header -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations \
		--ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d webapp/translations --statistics

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## bench: seed N accounts into a throw-away database, serve ours then Flask-Admin's with
## gunicorn, print a markdown table (wrk drives GET pages: Debian package `wrk`)
##   make bench BENCH_ARGS="--accounts 1000000 --database postgres"
BENCH_ARGS ?= --accounts 100000 --database sqlite
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## fuzz: Hypothesis fills every form and query string as each role, 1,000 cases per route
fuzz: install-test
	FUZZ_RANDOM=1 FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-1000} $(BIN)/pytest tests/fuzz -x -q

## up: HOSTS gunicorn hosts (2 workers each, ports 5001..) behind a round-robin proxy on :5000;
##   they share DATABASE_URL (PostgreSQL) and REDIS_URL. Ctrl-C stops all; `make down` if backgrounded.
HOSTS ?= 2
DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0
up: install
	DATABASE_URL="$(DATABASE_URL)" REDIS_URL="$(REDIS_URL)" $(BIN)/python -m deploy.hosts \
		--hosts $(HOSTS) --port $(PORT)

down:
	$(BIN)/python -m deploy.hosts --stop

## loadtest: a mixed workload at HOSTS hosts through the proxy, then the no-loss counts and a
##   burst of creates: make loadtest LOADTEST_ARGS="--seconds 10 --creates 1000"
LOADTEST_ARGS ?=
loadtest: $(VENV)/.installed-bench
	$(BIN)/python -m bench.loadtest --hosts $(HOSTS) $(LOADTEST_ARGS)
