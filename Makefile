# poolpatch — every target installs what it needs into ./.venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAM_VENV := .sam-venv
PYTEST_ARGS ?=

.PHONY: help install run test test-unit test-integration soak lint format typecheck cfn-lint build deploy bench pr clean

help:
	@echo "make run    the full change path on the embedded default (moto server on 127.0.0.1)"
	@echo "make test   lint-free unit + integration tests (installs into ./.venv)"
	@echo "make lint   ruff lint + format check, mypy, cfn-lint"
	@echo "make soak   the property test with 20,000 examples"
	@echo "make bench  benchmarks (ratios measured side by side)"
	@echo "make build  sam build (needs python3.13; sam lives in ./.sam-venv)"

$(STAMP): pyproject.toml layers/poolpatch/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r layers/poolpatch/requirements.txt
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m poolpatch_fake.demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

soak: $(STAMP)
	POOLPATCH_HYPOTHESIS_PROFILE=soak $(BIN)/python -m pytest tests/unit/test_properties.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/poolpatch/poolpatch layers/poolpatch/poolpatch_lambda tests/poolpatch_fake tests/helpers
	$(BIN)/mypy functions/intake/app.py
	$(BIN)/mypy functions/apply/app.py
	$(BIN)/mypy functions/drift/app.py
	@if [ -f template.yaml ]; then $(BIN)/cfn-lint template.yaml templates/*.yaml; fi

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/overhead.py
	@if [ -f bench/pipeline.py ]; then $(BIN)/python bench/pipeline.py; fi

$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli

build:
	bash scripts/sam-build.sh

deploy: build
	$(SAM_VENV)/bin/sam deploy --guided

pr: lint test

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis poolpatch-snapshots .run
