# Entry points for a fresh machine with only Python >= 3.11 and make.
# uv is installed into .tools/ when it is not on PATH already.
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PYTEST_ARGS ?=

.PHONY: up test lint format typecheck sync bench

up: sync
	$(UV) run --frozen wagate up

test: sync
	$(UV) run --frozen pytest $(PYTEST_ARGS)

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format: sync
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

typecheck: sync
	$(UV) run --frozen mypy libs services tests

bench: sync
	$(UV) run --frozen python bench/whatsapp_clients.py

sync: $(UV)
	$(UV) sync --frozen

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)
