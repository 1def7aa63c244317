# duban's verbs. `make run` and `make test` work from a fresh clone (they install first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PLAN   ?= config/plans/xinyi-2015-2017.yaml

.PHONY: install run test check bench clean

install: $(STAMP)

# Re-installs only when the dependency list or the constraints change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

run: install
	$(BIN)/duban init
	$(BIN)/duban plan load $(PLAN)
	$(BIN)/duban up

test: install
	$(BIN)/python -m pytest

check: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	@set -e; for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
