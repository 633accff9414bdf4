VENV := .venv
PY   := $(VENV)/bin/python
PIP  := $(PY) -m pip -q --disable-pip-version-check

.PHONY: venv run test test-fast test-cluster lint bench

# Create the virtualenv if missing; (re)install when a requirements file changed.
venv: $(VENV)/.installed-stamp

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed-stamp: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	touch $@

# Dev server: migrate, create the demo account, then gunicorn on 127.0.0.1:5000 (env PORT
# overrides) with a background worker beside it.
run: venv
	bash scripts/run.sh

# System packages, ruff, pytest on SQLite, then pytest on a throwaway PostgreSQL.
test: venv
	bash scripts/test.sh

# Two app hosts behind HAProxy on PostgreSQL and Redis, under load and faults (about 4 minutes).
test-cluster: venv
	bash scripts/test-cluster.sh

# Unit and request-level tests on SQLite only: no browser, no live servers, nothing slow.
test-fast: venv
	$(PY) -m pytest -q -m "not browser and not live_server and not slow and not cluster"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Benchmarks (not tests), on SQLite then PostgreSQL; BENCH_DB=sqlite|postgres for one.
bench: venv
	bash scripts/system-deps.sh --bench
	$(PY) -m bench.run_all
