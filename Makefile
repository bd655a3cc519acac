# Acquis: `make demo` and `make test` are the two commands; the rest are for developers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
PO := $(wildcard acquis/locale/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: demo test lint typecheck messages catalogs system-check clean migration bench

demo: system-check $(VENV)/.runtime catalogs
	$(BIN)/acquis demo

test: system-check $(VENV)/.dev catalogs
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --durations=30

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# Stop early, naming the Debian package, when a system library the app needs is missing.
system-check:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Acquis needs Python >= 3.11 (apt-get install -y python3)"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "Missing Python venv support: apt-get install -y python3-venv"; exit 1; }
	@ldconfig -p | grep -q 'libpango-1.0.so' || { echo "Missing Pango (WeasyPrint needs it for PDFs): apt-get install -y libpango-1.0-0 libpangoft2-1.0-0"; exit 1; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes: a second `make demo` or `make test` is fast.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[dev]"
	touch $@ $(VENV)/.runtime

catalogs: $(MO)

%.mo: %.po | $(BIN)/python
	$(BIN)/pybabel -q compile -i $< -o $@

# Re-extract every marked string into the catalogs after changing texts (then translate en).
messages: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o acquis/locale/messages.pot .
	$(BIN)/pybabel -q update -i acquis/locale/messages.pot -d acquis/locale -D messages -w 120 --no-fuzzy-matching --ignore-pot-creation-date

clean:
	rm -rf $(VENV) var .pytest_cache

# Write a new Alembic migration from the models (developers): make migration m="what changed"
migration: $(VENV)/.dev
	$(BIN)/python -c 'import sys; from acquis import migrate; from acquis.config import load_settings; from acquis.db import make_engine; s = load_settings(); e = make_engine(s); migrate.upgrade(e); migrate.revision(e, sys.argv[1])' "$(m)"

# Benchmarks (not tests): ratios to baselines measured in the same run; writes docs/performance.md.
bench: $(VENV)/.dev catalogs
	$(BIN)/python -m benchmarks.run
