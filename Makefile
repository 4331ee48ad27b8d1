# Two entry points for a fresh machine (see README):
#   make book   install what the book needs and build it into _build/html
#   make test   install what the tests need and run the whole test suite
# and a fast loop for working on the code:
#   make lint       ruff check + ruff format --check (make format applies both)
#   make test-fast  every test not marked slow (under 2 minutes on 2 cores)
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# The book's experiments multiply small matrices: one BLAS thread is faster there, and parallel test and grading
# workers then do not oversubscribe the cores. Set it yourself to override.
OPENBLAS_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS

.PHONY: book test test-fast lint format install install-test assets browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: each install runs again only when what it reads changed (a fresh venv always installs).
install: $(VENV)/.installed-book
install-test: $(VENV)/.installed-test

$(VENV)/.installed-book: requirements.txt constraints.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt requirements.txt constraints.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

# JavaScript the pages load (MathJax, widget manager, fonts), fetched from npm into book/_vendor.
assets: $(BIN)/python
	$(BIN)/python scripts/fetch_assets.py

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
browser:
	scripts/install_system_deps.sh

book: install assets
	$(BIN)/jupyter-book build . -W -n --keep-going

test: install-test assets browser
	$(BIN)/python -m pytest

test-fast: install-test
	$(BIN)/python -m pytest -m "not slow"

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
