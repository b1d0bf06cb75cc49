# YTCS: `make demo` and `make test` are all a newcomer needs (README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
VENV := .venv
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
YTCS := $(VENV)/bin/ytcs
DEMO_PASSWORD ?= ytcs-demo-2025
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: help install demo serve test test-sqlite test-postgres lint format bench messages vendor chromium clean

help:
	@echo "make demo   build, migrate SQLite, load the demo province and serve it on http://$(HOST):$(PORT)"
	@echo "make test   the whole suite (SQLite; PostgreSQL too when YTCS_TEST_DATABASE_URL is set)"
	@echo "make bench  national-scale benchmark, written to docs/benchmarks.md"

$(TOOLS)/bin/uv:
	@echo "uv not found: installing it into $(TOOLS)/ from PyPI"
	python3 -m venv $(TOOLS) && $(TOOLS)/bin/pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python "$$(scripts/find-python.sh)"
	@touch $@

install: $(VENV)/.synced
	@YTCS_DEBUG=1 $(YTCS) compile_translations

demo: install
	@mkdir -p var
	YTCS_DEBUG=1 $(YTCS) migrate --no-input -v 0
	YTCS_DEBUG=1 $(YTCS) load_demo --scale province --seed 1 --password "$(DEMO_PASSWORD)" --if-empty
	@YTCS_DEBUG=1 $(YTCS) demo_logins --password "$(DEMO_PASSWORD)"
	@echo "Serving YTCS on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	YTCS_DEBUG=1 $(YTCS) runserver $(HOST):$(PORT) --insecure

chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	YTCS_DEBUG=1 $(YTCS) makemigrations --check --dry-run -v 1
	@mkdir -p var && YTCS_DEBUG=1 $(YTCS) spectacular --fail-on-warn --file var/openapi.yaml && echo "OpenAPI schema: no warnings"
	YTCS_DEBUG=0 YTCS_SECRET_KEY="$$($(VENV)/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  YTCS_ALLOWED_HOSTS=ytcs.example.org $(YTCS) check --deploy --fail-level WARNING

format: install
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

test-sqlite: install chromium
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q

test-postgres: install chromium
	@if [ -n "$$YTCS_TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$YTCS_TEST_DATABASE_URL"; $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q; \
	else echo "YTCS_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

test: lint
	@echo "== SQLite"
	env -u YTCS_TEST_DATABASE_URL $(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

bench: install
	$(VENV)/bin/python -m bench.run

messages: install
	YTCS_DEBUG=1 $(YTCS) makemessages -l vi -l en --ignore=.venv --ignore=.tools --ignore=static --no-obsolete

vendor:
	scripts/vendor.sh

clean:
	rm -rf $(VENV) $(TOOLS) var
