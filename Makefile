# The same verbs everywhere: make dev | test | lint | bench. Each delegates to the parts.
SHELL := /bin/bash
# uv from PATH, or installed from PyPI into this Python when missing (see `install`).
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
# Python parts, each with its own tests/ directory; `tests/` holds cross-part suites.
PY_PARTS := reservation-common reservation-db keycloak reservation-be reservation-event-processor \
            reservation-cli webhook-examples/minimal webhook-examples/switch-port \
            webhook-examples/server-provisioning tests
PYTEST_ARGS ?=
# Identity provider of `make dev`: testrealm (fast, default) or keycloak (real Keycloak, `make services`).
IDP ?= testrealm

.PHONY: services install dev test test-python test-frontend lint format bench bench-short

# PostgreSQL, RabbitMQ (installed and started where missing) and Keycloak's distribution.
services:
	@bash scripts/services.sh

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install -q 'uv==0.13.9'
	$(UV) sync --all-packages --frozen --compile-bytecode
	@if [ -f frontend/package.json ]; then $(MAKE) -C frontend install; fi

dev: install
	$(UV) run --frozen python devmode/run.py --idp $(IDP)

test: services install test-python test-frontend

test-python:
	@failed=""; \
	for part in $(PY_PARTS); do \
	  [ -d "$$part" ] || continue; \
	  [ -n "$$(find $$part -name node_modules -prune -o -name 'test_*.py' -print -quit)" ] || continue; \
	  echo "=== pytest $$part"; \
	  (cd $$part && $(UV) run --frozen pytest $(PYTEST_ARGS)) || failed="$$failed $$part"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED parts:$$failed"; exit 1; fi

test-frontend:
	@if [ -f frontend/package.json ]; then $(MAKE) -C frontend test; fi

lint:
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen ruff check .
	$(UV) run --frozen mypy reservation-common/src reservation-db/src keycloak/src reservation-be/src reservation-event-processor/src reservation-cli/src webhook-examples/receiver-kit/src webhook-examples/switch-port/src webhook-examples/server-provisioning/src devmode

format:
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench:
	$(UV) run --frozen python bench/run.py
	$(UV) run --frozen python bench/find.py
	$(UV) run --frozen python bench/table_growth.py

bench-short:
	$(UV) run --frozen python bench/run.py --short
	$(UV) run --frozen python bench/find.py --short
	$(UV) run --frozen python bench/table_growth.py --short
