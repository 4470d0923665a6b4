# Trellis — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
PYTEST_WORKERS ?= 3

.PHONY: run test lint fix typecheck boundaries pytest bench bench-instructions soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

## run: install and start Trellis on its embedded defaults (127.0.0.1:9999)
run: $(STAMP_RUN)
	$(BIN)/python -m app

## test: the one gate — format check, lint, types, boundaries, the whole suite
test: $(STAMP_DEV) lint typecheck boundaries pytest

lint:
	$(BIN)/ruff format --check app tests bench
	$(BIN)/ruff check app tests bench

fix: $(STAMP_DEV)
	$(BIN)/ruff format app tests bench
	$(BIN)/ruff check --fix app tests bench

typecheck:
	$(BIN)/mypy

boundaries:
	PYTHONPATH=. $(BIN)/lint-imports

pytest:
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -m "not soak"

## bench: the benchmark suite (see bench/README.md)
bench: $(STAMP_DEV)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk: apt-get install wrk"; exit 2; }
	$(BIN)/python -m bench $(BENCH_ARGS)

## bench-instructions: Radar's cost to a cached search in instructions, which do not drift (needs valgrind; ~5 min)
bench-instructions: $(STAMP_DEV)
	@command -v valgrind >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; } \
		|| { echo "make bench-instructions needs valgrind: apt-get install valgrind"; exit 2; }
	$(BIN)/python -m bench.instructions

## soak: long reliability scenarios (~2 min; see docs/reliability.md)
soak: $(STAMP_DEV)
	$(BIN)/python -m pytest -m soak -q -p no:randomly

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
