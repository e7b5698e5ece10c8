# Two commands from a fresh clone: `make run` and `make test`. Both are safe to run again.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean catalogs screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The gettext catalogs, compiled; a catalog newer than its compiled file is read as it is.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard generator/locale/*/LC_MESSAGES/*.po form_service/locale/*/LC_MESSAGES/*.po))

%.mo: %.po $(STAMP)
	$(BIN)/pybabel --quiet compile --use-fuzzy -i $< -o $@

catalogs: $(CATALOGS)

run: $(STAMP) catalogs
	$(BIN)/partnerdir serve

test: $(STAMP) catalogs
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Pictures of the pages clients and members see, at phone and desktop width, for review.
screenshots: $(STAMP) catalogs
	$(BIN)/python tests/screenshots.py --out screenshots

bench: $(STAMP)
	for script in tests/benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) site instance .pytest_cache .mypy_cache .ruff_cache $(CATALOGS)
