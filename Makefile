# Concord's task runner: `make help` lists the targets. CI runs `make test` (see .ci/run).
.DEFAULT_GOAL := help
SHELL := /bin/bash

# uv from PATH, else bootstrapped once into .tools/ with the machine's Python (only Python 3.11+ and pip needed).
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen --no-sync
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install demo run serve test test-fast lint format bench clean

help: ## Show this help.
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv>=0.5"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: .venv/.synced ## Install the pinned dependencies into .venv (uv, bytecode compiled).

demo: install ## Generate the demo inbox (once), run the pipeline, serve the dashboard (Ctrl-C stops).
	$(RUN) concord demo

run: install ## Run the pipeline once on the embedded default (.concord/).
	$(RUN) concord run

serve: install ## Run as a service: Prefect server, scheduled deployments, dashboard (Ctrl-C stops all).
	$(RUN) concord serve

test: install ## Run every test, including the headless-Chromium ones.
	$(RUN) pytest

test-fast: install ## Run the tests without the browser and Prefect-server ones.
	$(RUN) pytest -m "not browser and not prefect"

lint: install ## ruff check, ruff format --check, mypy.
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: install ## Apply ruff's fixes and formatting.
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

bench: install ## Benchmarks that print wall time and peak memory (see bench/README.md).
	$(RUN) python -m bench

clean: ## Remove the embedded default (.concord/), caches and test output.
	rm -rf .concord tests/output .pytest_cache .mypy_cache .ruff_cache
