# The two commands a newcomer runs: `make run` and `make test`. Everything else here serves them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test lint typecheck pytest browser-deps pdf-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test,spark]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/chiso init
	$(BIN)/chiso demo --if-empty
	$(BIN)/chiso serve --host $(HOST) --port $(PORT)

# Debian's chromium drives the browser tests; Playwright never downloads a browser of its own.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "make test: chromium is missing; installing Debian's chromium with apt-get"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) \
		|| (echo "make test: could not install chromium; browser tests will be skipped" >&2); \
	fi

# poppler-utils (pdftoppm, pdftotext) lets the report tests turn PDF pages into PNG; WeasyPrint needs Pango.
pdf-deps:
	@if ! command -v pdftoppm >/dev/null 2>&1 || ! ldconfig -p | grep -q libpangoft2; then \
		echo "make test: pdftoppm or Pango is missing; installing Debian's poppler-utils and Pango with apt-get"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils libpango-1.0-0 libpangoft2-1.0-0 >/dev/null) \
		|| (echo "make test: could not install poppler-utils; the PDF-to-PNG tests will be skipped" >&2); \
	fi

lint: install-test
	$(BIN)/ruff check chiso tests benchmarks
	$(BIN)/lint-imports

typecheck: install-test
	$(BIN)/mypy

# Three workers on two cores: the browser tests spend much of their time waiting on their server and
# chromium, which a third worker fills (whole suite 15 min 41 s -> 13 min 49 s). Each worker has its own
# PostgreSQL database (tests/conftest.py).
pytest: install-test browser-deps pdf-deps
	$(BIN)/pytest -q -n 3 $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
