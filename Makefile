# Two commands do everything: `make` (set up .venv, build the site and the release)
# and `make test` (set up .venv, run the whole suite).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# nbgrader shells out to alembic, jupyter-book to jupyter: both live in the venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: all venv book book-student release grade test lint clean

all: release book
	@echo
	@echo "Website, full edition:    $(CURDIR)/_build/html/index.html"
	@echo "Website, student edition: $(CURDIR)/_build/html-student/index.html"
	@echo "Assignment release:       $(CURDIR)/assignments/release/hw4/"

# Reinstall only when the pins or the project metadata change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

venv: $(STAMP)

# Both editions of the website (-W -n --keep-going), sharing one execution cache:
# full into _build/html, student (worked solutions removed) into _build/html-student.
book: $(STAMP) release
	$(PY) book/tools/build_editions.py --out _build

book-student: $(STAMP)
	$(PY) book/tools/build_editions.py --out _build --edition student

# The student version of the nbgrader assignment, in assignments/release/hw4/
# (the notebook's committed source is assignments/source/hw4/hw4.md).
release: $(STAMP)
	$(PY) assignments/prepare_source.py
	cd assignments && nbgrader generate_assignment hw4 --force --log-level=WARN

# Grade every submission in assignments/submitted/ in the sandbox (README: "Grading a
# class"); extra options through GRADE_ARGS, e.g. make grade GRADE_ARGS="--zip lms.zip".
grade: $(STAMP)
	cd assignments && ../$(PY) -m grader grade hw4 $(GRADE_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf _build .jupyter_cache
