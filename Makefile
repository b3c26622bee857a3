# coachkit: every target sets up .venv itself (created when missing, reinstalled when
# pyproject.toml changes), so a fresh clone needs nothing typed before `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STORE  ?= data/store-demo
PORT   ?= 8866
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint nbcheck unit bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[all]'
	@touch $(STAMP)

## make demo: ingest the shipped demo athlete, give it a plan, serve the dashboard on 127.0.0.1
# The sample's runs end on Sunday 2021-03-14, so the demo plan starts the next day and the
# dashboard treats the plan's first run day as "today" (DEMO_DAY=YYYY-MM-DD picks another).
DEMO_FROM ?= 2021-03-15
DEMO_DAY  ?=
DEMO_RACE ?= 2021-06-13
FIRST_RUN = $(VENV)/bin/coachkit plan show --athlete demo --store $(STORE) --format csv | \
  $(PY) -c "import csv, sys; print(next(r['date'][:10] for r in csv.DictReader(sys.stdin) if r['kind'] != 'rest'))"
demo: $(STAMP)
	$(VENV)/bin/coachkit ingest data/sample --athlete demo --store $(STORE)
	@if $(VENV)/bin/coachkit plan show --athlete demo --store $(STORE) --format csv >/dev/null 2>&1; then \
	  echo "The demo plan is already there: kept, with anything you logged (make clean starts over)."; \
	else \
	  $(VENV)/bin/coachkit plan create --athlete demo --store $(STORE) --race-distance-m 21097.5 \
	    --race-date $(DEMO_RACE) --days-per-week 5 --date $(DEMO_FROM); \
	fi
	@day="$(DEMO_DAY)"; day="$${day:-$$($(FIRST_RUN))}"; \
	echo "The demo runner's data ends on 2021-03-14: the plan (a half marathon on $(DEMO_RACE))"; \
	echo "starts $(DEMO_FROM), and the dashboard shows $$day, the plan's first run, as today."; \
	$(VENV)/bin/coachkit dashboard --athlete demo --store $(STORE) --port $(PORT) --date "$$day"

## make test: everything CI runs (lint, stripped notebooks, unit, integration, notebooks)
test: lint nbcheck unit

# ruff, then the layer contracts of .importlinter (docs/architecture.md)
lint: $(STAMP)
	$(PY) -m ruff check coachkit tests
	$(PY) -m ruff format --check coachkit tests
	$(VENV)/bin/lint-imports --no-cache

nbcheck: $(STAMP)
	$(VENV)/bin/nbstripout --keep-id --verify notebooks/*.ipynb && echo "notebooks stripped: yes"

# pytest exits 5 when it collects nothing; through make that would become a bare "Error 2",
# so the recipe says what happened itself. PYTEST_ARGS narrows the run (make unit PYTEST_ARGS=tests/unit).
PYTEST_ARGS ?=
unit: $(STAMP)
	@$(PY) -m pytest -q -p no:cacheprovider --timeout 900 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then \
	  echo "make unit: pytest collected no tests; a test suite that runs nothing is a failure" >&2; \
	  exit 1; \
	fi; exit $$rc

## make bench: benchmarks, printed as ratios against a baseline measured in the same run
bench: $(STAMP)
	$(PY) -m pytest -q -s -p no:cacheprovider tests/bench

clean:
	rm -rf $(VENV) data/store-demo reports .pytest_cache
