# Two commands do everything: `make` (set up .venv, build the site and the release)
# and `make test` (set up .venv, run the whole suite).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# nbgrader shells out to alembic, jupyter-book to jupyter: both live in the venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: all venv book test lint clean

all: book
	@echo
	@echo "Website (full edition): $(CURDIR)/_build/html/index.html"

# Reinstall only when the pins or the project metadata change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

venv: $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf _build .jupyter_cache
