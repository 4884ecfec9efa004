# Reparo: `make run` starts everything locally, `make test` runs every check.
SHELL := /bin/bash
UV ?= uv
SUITES := shared/tests repair_service/tests gateway/tests cms/tests tests
NPM_PROJECTS := gateway repair_service

.PHONY: help install run test lint typecheck pytest bench clean

help:
	@echo "make run   - install, migrate, seed demo data and start every process"
	@echo "make test  - lint, type-check and run every test suite"
	@echo "make bench - run the benchmark scripts (needs PostgreSQL and RabbitMQ)"

install:
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@for project in $(NPM_PROJECTS); do \
	  if [ -f $$project/package.json ]; then \
	    npm ci --prefix $$project --no-audit --no-fund --loglevel=error; \
	  fi; \
	done

run: install
	$(UV) run --frozen python scripts/run.py

lint:
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

# Each package is checked on its own, as it is deployed: the others are installed dependencies.
typecheck:
	$(UV) run --frozen mypy shared/reparo_shared
	$(UV) run --frozen mypy gateway/gateway
	$(UV) run --frozen mypy repair_service/repair_service
	$(UV) run --frozen mypy cms/reparo_cms

pytest:
	@set -e; for suite in $(SUITES); do \
	  if compgen -G "$$suite/**/test_*.py" >/dev/null || compgen -G "$$suite/test_*.py" >/dev/null; then \
	    echo "==> pytest $$suite"; \
	    $(UV) run --frozen pytest $$suite; \
	  fi; \
	done

test: install lint typecheck pytest

bench: install
	@for script in bench/*.py; do echo "==> $$script"; $(UV) run --frozen python $$script; done

clean:
	rm -rf .local .venv gateway/node_modules repair_service/node_modules
