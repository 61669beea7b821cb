# Two commands do all the set-up on a fresh machine with only Python 3.11:
#   make run   - virtualenv, install, migrate, load prices, serve on http://127.0.0.1:$(PORT)
#                and keep prices fresh in the background (file-based Celery queue; no Redis/Postgres)
#   make test  - virtualenv, install dev requirements, run the whole suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: install install-dev run test test-fast lint bench browser clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	PORT=$(PORT) PY=$(PY) bash scripts/run.sh

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install-dev
	$(PY) -m pytest -m "not browser and not celery_worker" $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

bench: install-dev
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) var staticfiles db.sqlite3
