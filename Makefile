# Two commands for a new machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint install install-test browser-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
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

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## bench: seed N accounts into a throw-away database, serve with gunicorn, print figures
##   make bench BENCH_ARGS="--accounts 1000000 --database postgres"
BENCH_ARGS ?= --accounts 100000 --database sqlite
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)
