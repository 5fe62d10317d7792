# Two commands matter: `make run` runs the system, `make test` runs every check. Both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/shared/python

.PHONY: openapi install run reset test lint types unit integration infra e2e synth bench demo clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m local --state-dir .run/state

reset: install
	$(PY) -m local --state-dir .run/state --reset

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

types: install
	$(PY) -m mypy declaration layers/shared/python/insure functions local stacks app.py

unit: install
	$(PY) -m pytest tests/unit

integration: install
	$(PY) -m pytest tests/integration

e2e: install
	$(PY) -m pytest tests/e2e

infra: install
	$(PY) -m pytest tests/infrastructure

synth: install
	$(PY) scripts/synth_check.py

test: install lint types
	$(PY) -m pytest -n 2 --dist loadgroup tests
	$(PY) scripts/synth_check.py

bench: install
	$(PY) -m benchmarks

openapi: install
	$(PY) scripts/build_openapi.py

demo: install
	$(PY) -m scripts.demo

clean:
	rm -rf $(VENV) cdk.out .pytest_cache .mypy_cache .ruff_cache
