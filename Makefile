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

## make demo: ingest the shipped demo athlete and analyse it (the dashboard comes with its issue)
demo: $(STAMP)
	$(VENV)/bin/coachkit ingest data/sample --athlete demo --store $(STORE)
	$(VENV)/bin/coachkit athletes --store $(STORE)
	$(VENV)/bin/coachkit metrics --athlete demo --store $(STORE) --from 2021-02-01
	@echo "Explore it: $(VENV)/bin/coachkit activities --athlete demo --store $(STORE)"
	@echo "       or:  $(VENV)/bin/jupyter lab notebooks/   (01_ingest, 02_trends_hrv)"

## make test: everything CI runs (lint, stripped notebooks, unit, integration, notebooks)
test: lint nbcheck unit

lint: $(STAMP)
	$(PY) -m ruff check coachkit tests
	$(PY) -m ruff format --check coachkit tests

nbcheck: $(STAMP)
	$(PY) -m coachkit._nbcheck notebooks

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
