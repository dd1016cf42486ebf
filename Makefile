# Workbench. `make run` serves the app with demo data; `make test` runs the whole suite. `make help` lists all.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := workbench

.DEFAULT_GOAL := help
.PHONY: help install translations db run test lint bench seed messages fuzz fuzz-large load

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-13s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lint]"
	touch $@

install: $(VENV)/.installed ## Create .venv and install Workbench with its test and lint tools

CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

translations: install $(CATALOGUES) ## Compile the it/en/fr/ar message catalogues (those whose .po changed)

# A catalogue is compiled only when its .po is newer: two test runs side by side never rewrite a .mo that
# the other is reading.
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel -q compile -d translations -l $*

db: translations ## Create or upgrade the SQLite database in instance/ and load demo data the first time
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty

run: db ## Serve the app on http://127.0.0.1:5000 (demo logins in README.md)
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: translations ## Run the whole test suite (SQLite; PostgreSQL with WORKBENCH_TEST_DATABASE_URL)
	$(BIN)/python -m pytest

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install ## Print benchmark figures (medians, with targets)
	$(BIN)/python -m workbench.bench

seed: translations ## Load the demo data again (idempotent: adds only what is missing)
	$(BIN)/flask seed-demo

messages: install ## Extract UI strings into translations/messages.pot and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".*" --sort-by-file -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

fuzz: translations ## Hostile input on every endpoint and role (bounded; PostgreSQL with WORKBENCH_TEST_DATABASE_URL)
	$(BIN)/python -m pytest -p no:cacheprovider tests/security/test_fuzz.py

fuzz-large: translations ## The fuzz suite with 500 examples per form, shrinking failures to the smallest input
	WORKBENCH_FUZZ_EXAMPLES=500 $(BIN)/python -m pytest -p no:cacheprovider tests/security/test_fuzz.py

load: translations ## 50 trainees and mentors for 2 min on gunicorn + PostgreSQL (WORKBENCH_LOAD_DATABASE_URL)
	$(BIN)/python -m pip install --quiet -e ".[load]"
	$(BIN)/python -m tests.load.run
