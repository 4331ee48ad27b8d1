# Two entry points for a fresh machine (see README):
#   make book   install what the book needs and build it into _build/html
#   make test   install what the tests need and run the whole test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# The book's experiments multiply small matrices: one BLAS thread is faster there, and parallel test and grading
# workers then do not oversubscribe the cores. Set it yourself to override.
OPENBLAS_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS

.PHONY: book test install install-test assets browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt

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
