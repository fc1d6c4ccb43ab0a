# poolpatch — every target installs what it needs into ./.venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAM_VENV := .sam-venv
# checkov pins boto3/pydantic releases that clash with the project's, so it lives
# in its own venv, as sam does.
CHECKOV_VENV := .checkov-venv
CHECKOV_VERSION := 3.3.30
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
TEMPLATES := template.yaml templates/target-account-role.yaml templates/drift-forwarder.yaml
PYTEST_ARGS ?=
# `make test` only: coverage of the engine layer; scripts/coverage-gate.py then fails the run when branch
# coverage alone is under 90 % (--cov-fail-under judges statements and branches blended).
COVERAGE_ARGS := --cov=layers/poolpatch --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=90
# One pytest worker per core (pytest-xdist), whole files per worker so a module's moto server starts once;
# `make test PARALLEL=` runs in one process.
PARALLEL ?= -n auto --dist loadfile

.PHONY: help install tools run test test-unit test-integration soak lint format cfn-lint checkov build deploy bench bench-bundle pr clean

help:
	@echo "make run    the full change path on the embedded default (moto server on 127.0.0.1)"
	@echo "make test   lint-free unit + integration tests, with the 90 % coverage gate (installs into ./.venv)"
	@echo "make lint   ruff lint + format check, mypy, cfn-lint, checkov"
	@echo "make soak   the property test with 20,000 examples, every hostile clone step"
	@echo "make bench  benchmarks (ratios measured side by side)"
	@echo "make bench-bundle  export --all of one pool: calls and time against the quotas"
	@echo "make build  sam build (needs python3.13; sam lives in ./.sam-venv)"

$(STAMP): pyproject.toml layers/poolpatch/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r layers/poolpatch/requirements.txt
	$(BIN)/pip install --quiet -e '.[dev]'
	@# The Cognito fake (tests/poolpatch_fake) is not in the wheel; put tests/ on the venv's
	@# path for `make run`, benchmarks and test subprocesses (pytest adds it by itself).
	$(BIN)/python -c 'import pathlib, sys, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "poolpatch-dev-tests.pth").write_text(sys.argv[1] + "\n")' "$(CURDIR)/tests"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m poolpatch_fake.demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) $(COVERAGE_ARGS) $(PYTEST_ARGS)
	$(BIN)/python scripts/coverage-gate.py --branches 90

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

soak: $(STAMP)
	POOLPATCH_HYPOTHESIS_PROFILE=soak $(BIN)/python -m pytest tests/unit/test_properties.py tests/unit/test_bundle_hostile.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/poolpatch/poolpatch layers/poolpatch/poolpatch_lambda tests/poolpatch_fake tests/helpers
	$(BIN)/mypy functions/intake/app.py
	$(BIN)/mypy functions/apply/app.py
	$(BIN)/mypy functions/drift/app.py
	$(MAKE) --no-print-directory cfn-lint checkov

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint $(TEMPLATES)

# Zero failed checks; every skip is justified in the template next to its resource.
checkov: $(CHECKOV_STAMP)
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV) $(addprefix -f ,$(TEMPLATES)) \
	  --framework cloudformation --quiet --compact --skip-download

$(CHECKOV_STAMP):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $(CHECKOV_STAMP)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/drift.py
	$(BIN)/python bench/bundle.py

# export --all of one pool against the calls and time of cognito-surface.md §13 (about 15 s).
bench-bundle: $(STAMP)
	$(BIN)/python bench/bundle.py

$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli

# The linters' and SAM's own venvs (.ci/run installs them while the tests run).
tools: $(CHECKOV_STAMP) $(SAM_VENV)/bin/sam

build:
	bash scripts/sam-build.sh

deploy: build
	$(SAM_VENV)/bin/sam deploy --guided

pr: lint test

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis \
	  .coverage .coverage.* htmlcov poolpatch-snapshots .run
