# Two commands matter: `make run` runs the system, `make test` runs every check. Both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/shared/python

.PHONY: openapi install run reset test lint types unit integration infra e2e synth bench demo clean browser screenshots web chromium

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# The web client: `npm ci` from the lockfile, API types generated from the published OpenAPI document, a type check,
# then esbuild (web/build.sh). Rebuilt whenever a source, the lockfile, the document or data/wording/common.json
# (the state names and the conditions' titles the client bundles) changes.
WEB_STAMP := web/node_modules/.installed
WEB_SOURCES := $(shell find web/src web/public -type f -not -name schema.d.ts 2>/dev/null) web/build.sh web/tsconfig.json
$(WEB_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

web/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES) layers/shared/python/insure/openapi.json data/wording/common.json
	sh web/build.sh

web: web/dist/index.html

# Browser tests drive Debian's Chromium through its executable path (browser downloads are not possible here).
chromium:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

run: install web
	$(PY) -m local --state-dir .run/state

reset: install web
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

e2e: install web
	$(PY) -m pytest tests/e2e

browser: install web chromium
	$(PY) -m pytest -n 2 $(wildcard tests/e2e/test_web_*.py)

# The README's screenshots: the browser tests save them into docs/screenshots (a temporary directory otherwise).
screenshots: install web chromium
	WEB_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -n 2 $(wildcard tests/e2e/test_web_*.py)

infra: install
	$(PY) -m pytest tests/infrastructure

synth: install web
	$(PY) scripts/synth_check.py

# The checks that do not depend on each other run side by side (npm and apt mostly wait on the network while ruff
# and mypy use the CPU); the suites then use both cores.
test: install
	$(MAKE) --no-print-directory -j 4 lint types web chromium
	$(PY) -m pytest -n 2 --dist loadgroup tests
	$(PY) scripts/synth_check.py

bench: install web chromium
	$(PY) -m benchmarks

openapi: install
	$(PY) scripts/build_openapi.py

demo: install
	$(PY) -m scripts.demo

clean:
	rm -rf $(VENV) cdk.out .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
