# Two commands do everything: `make` (set up .venv, build the site and the release)
# and `make test` (set up .venv, run the whole suite). Every step is a file target:
# a `make` with nothing changed runs nothing.
SHELL := /bin/bash
# the Python that creates the venv (make PYTHON=/path/to/python3)
PYTHON ?= python3
# 0: install with pip alone (the fallback, also taken when uv cannot be installed or used)
USE_UV ?= 1
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# nbgrader shells out to alembic, jupyter-book to jupyter: both live in the venv
export PATH := $(abspath $(VENV))/bin:$(PATH)

RELEASE := assignments/release/hw4
SITE := _build/html/index.html
SITE_STUDENT := _build/html-student/index.html
PDF := _build/pdf/hw4-full.pdf
PDF_STUDENT := _build/pdf/hw4-student.pdf

.PHONY: all venv book book-student pdf release grade serve test lint clean
# a recipe that fails leaves no target behind that looks up to date
.DELETE_ON_ERROR:

all: release $(SITE) $(SITE_STUDENT) $(PDF) $(PDF_STUDENT)
	@echo
	@echo "Website, full edition:    $(CURDIR)/_build/html/index.html"
	@echo "Website, student edition: $(CURDIR)/_build/html-student/index.html"
	@echo "PDF, full edition:        $(CURDIR)/$(PDF)"
	@echo "PDF, student edition:     $(CURDIR)/$(PDF_STUDENT)"
	@echo "Assignment release:       $(CURDIR)/assignments/release/hw4/"
	@echo "To upload to an LMS:      $(CURDIR)/assignments/handout/ (hw4.ipynb, hw4.zip)"

# The oldest Python supported (pyproject.toml's requires-python), checked before anything
# runs: on the venv's Python if there is one, else on $(PYTHON). The check runs on any
# Python, 2.7 included, and prints one line when the version is too old.
PYTHON_MIN := $(shell sed -n 's/^requires-python *= *">= *\([0-9.]*\)".*/\1/p' pyproject.toml)
CHECKED_PYTHON := $(if $(wildcard $(PY)),$(PY),$(PYTHON))
CHECK_PYTHON := import platform, sys; \
  need = tuple(int(part) for part in "$(PYTHON_MIN)".split(".")); \
  found = platform.python_version(); \
  advice = " (delete $(VENV) and choose a Python: make PYTHON=/path/to/python3)" \
    if "$(CHECKED_PYTHON)" == "$(PY)" else " (choose another: make PYTHON=/path/to/python3)"; \
  sys.version_info[:len(need)] < need and sys.stdout.write( \
    "Python $(PYTHON_MIN) or later is needed, but $(CHECKED_PYTHON) is Python " + found + advice)
ifneq ($(MAKECMDGOALS),clean)
  ifeq ($(shell command -v $(CHECKED_PYTHON)),)
    $(error No Python at PYTHON=$(PYTHON): Python $(PYTHON_MIN) or later is needed (make PYTHON=/path/to/python3))
  endif
  PYTHON_PROBLEM := $(shell $(CHECKED_PYTHON) -c '$(CHECK_PYTHON)' 2>&1)
  ifneq ($(PYTHON_PROBLEM),)
    $(error $(PYTHON_PROBLEM))
  endif
endif

# The venv, reinstalled only when the pins or the project metadata change. uv (pinned in
# requirements.txt) is installed first with pip and installs the rest; if it cannot be
# installed or fails, pip installs requirements.txt (all but uv) itself. Either way the
# packages' bytecode is compiled at install (pip does it by default, uv when asked): every
# nbgrader, grade, book or test process then starts fast, also where Python may not write
# bytecode itself (PYTHONDONTWRITEBYTECODE, a read-only venv, the sandbox).
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || { echo "creating $(VENV) with Python $$($(PYTHON) -c 'import platform, sys; print(platform.python_version(), "(" + sys.executable + ")")')" \
	  && $(PYTHON) -m venv $(VENV); }
	@if [ "$(USE_UV)" = 1 ] \
	  && $(PY) -m pip install -qq --disable-pip-version-check "$$(grep -i '^uv==' requirements.txt)" \
	  && echo "installing requirements.txt into $(VENV) with $$($(VENV)/bin/uv --version | cut -d" " -f1,2)" \
	  && $(VENV)/bin/uv pip install --quiet --system-certs --python $(PY) -r requirements.txt --compile-bytecode; then \
	  $(VENV)/bin/uv pip install --quiet --system-certs --python $(PY) --no-deps --no-build-isolation -e .; \
	else \
	  echo "installing requirements.txt into $(VENV) with pip (without uv: slower)" \
	  && grep -iv '^uv==' requirements.txt > $(VENV)/requirements-pip.txt \
	  && $(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements-pip.txt \
	  && $(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .; \
	fi
	@touch $@

venv: $(STAMP)

# The student version of the nbgrader assignment, in assignments/release/hw4/ (the
# notebook's committed source is assignments/source/hw4/hw4.md; hw4.ipynb and
# hw4_variant.py beside it are written by prepare_source.py). The old release is removed
# first, so nbgrader has nothing to overwrite.
RELEASE_INPUTS := $(filter-out %/hw4.ipynb %/hw4_variant.py,$(wildcard assignments/source/hw4/*)) \
  assignments/nbgrader_config.py assignments/prepare_source.py solutions/variant.py \
  grader/judgment/rubric.py solutions/data.py

$(RELEASE)/hw4.ipynb: $(STAMP) $(RELEASE_INPUTS)
	@echo "releasing hw4 into $(RELEASE)/"
	@$(PY) assignments/prepare_source.py > /dev/null
	@rm -rf $(RELEASE)
	@cd assignments && nbgrader generate_assignment hw4 --log-level=WARN

# What to hand out through Canvas or Moodle (README: "With Canvas", "With Moodle"): the
# notebook alone, the course's files built in, and the release folder as a zip.
HANDOUT := assignments/handout
$(HANDOUT)/hw4.ipynb: $(RELEASE)/hw4.ipynb grader/course/lms/handout.py
	@$(PY) -m grader.course.lms.handout $(RELEASE) $(HANDOUT) > /dev/null

release: $(RELEASE)/hw4.ipynb $(HANDOUT)/hw4.ipynb

# Both editions of the website (-W -n --keep-going), sharing one execution cache:
# full into _build/html, student (worked solutions removed) into _build/html-student.
# What the pages are built from: the chapters and their helpers, the book's
# configuration, the packages the chapters import, the assignment they describe and
# link (Sphinx and the execution cache then decide what to re-read and re-execute).
BOOK_INPUTS := _config.yml _toc.yml \
  $(shell find book solutions -type f -not -path '*/__pycache__/*' -not -name '*.pyc') \
  $(wildcard grader/*.py grader/judgment/*.py) assignments/source/hw4/hw4.md $(RELEASE)/hw4.ipynb

$(SITE): $(STAMP) $(BOOK_INPUTS)
	@$(PY) book/tools/build_editions.py --out _build --quiet
	@touch $(SITE) $(SITE_STUDENT)

# built with the full edition; on its own only when it alone is missing or older
$(SITE_STUDENT): $(SITE)
	@test -f $@ || $(PY) book/tools/build_editions.py --out _build --edition student --quiet
	@touch $@

book: $(SITE) $(SITE_STUDENT)

book-student: $(STAMP) release
	$(PY) book/tools/build_editions.py --out _build --edition student

# Each edition printed to a PDF in Chromium (Debian's), from its single-page build, and
# copied into its website, whose every page links it: made again whenever the edition is.
$(PDF): $(SITE)
	@$(PY) book/tools/print_pdf.py --out _build --edition full --quiet

$(PDF_STUDENT): $(SITE_STUDENT)
	@$(PY) book/tools/print_pdf.py --out _build --edition student --quiet

pdf: $(PDF) $(PDF_STUDENT)

# Grade every submission in assignments/submitted/ in the sandbox (README: "Grading a
# class"); extra options through GRADE_ARGS, e.g. make grade GRADE_ARGS="--zip lms.zip".
grade: $(STAMP)
	cd assignments && ../$(PY) -m grader grade hw4 $(GRADE_ARGS)

# Grade each submission as it arrives in the exchange and release its feedback (README:
# "Feedback in seconds"); stop with Ctrl-C. Options through SERVE_ARGS, e.g. "--once".
serve: $(STAMP)
	cd assignments && ../$(PY) -m grader serve hw4 $(SERVE_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

# Tools the tests run in the browser (axe-core, pinned in tests/tools/package.json), with
# npm; Node.js also trusts the system's certificate store where there is one.
AXE := $(VENV)/test-tools/node_modules/axe-core/axe.min.js
SYSTEM_CA := $(wildcard /etc/ssl/certs/ca-certificates.crt)
$(AXE): tests/tools/package.json | $(STAMP)
	@echo "installing the browser test tools (axe-core) into $(VENV)/test-tools with npm"
	@command -v npm >/dev/null || { echo "npm is needed for the browser tests (Debian: apt-get install npm)"; exit 1; }
	@mkdir -p $(VENV)/test-tools && cp tests/tools/package.json $(VENV)/test-tools/
	@cd $(VENV)/test-tools && NODE_EXTRA_CA_CERTS=$${NODE_EXTRA_CA_CERTS:-$(SYSTEM_CA)} \
	  npm install --no-audit --no-fund --no-package-lock --silent
	@touch $@

test: $(STAMP) $(AXE)
	$(PY) -m pytest

clean:
	rm -rf _build .jupyter_cache
