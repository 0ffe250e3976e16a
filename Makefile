# The single source of set-up. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# A CPU build of torch (a wheel of it lies on the project machines' disk); GPU users: make TORCH=torch
TORCH  ?= torch==2.13.0
SCALE  ?= demo
SEED   ?= 0
HOST   ?= 127.0.0.1
PORT   ?= 3000
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export HF_HUB_OFFLINE := 1

STAMP := $(VENV)/.installed-stamp

.PHONY: install demo sample-world run test lint ui bench clean browser screenshots

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(STAMP)

sample-world: $(STAMP)
	$(BIN)/gpt-assets sample-world --scale $(SCALE) --seed $(SEED)

run: $(STAMP)
	$(BIN)/gpt-assets run

demo: sample-world run
	@echo "Done. Query it:  $(BIN)/gpt-assets sql \"select count(*) from reddit_submissions\""
	@echo "Browse it:       make ui   (http://$(HOST):$(PORT))"

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Debian's chromium + chromedriver for the browser test (never a downloaded browser); without root/apt the test
# is skipped and says why.
APT := $(shell [ "$$(id -u)" = 0 ] && echo apt-get || (sudo -n true 2>/dev/null && echo "sudo -n apt-get"))
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ -n "$(APT)" ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromium-driver with apt"; \
	  DEBIAN_FRONTEND=noninteractive $(APT) install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	  { $(APT) update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $(APT) install -y -q chromium chromium-driver >/dev/null 2>&1; } || \
	  echo "could not install chromium: the browser test will be skipped"; \
	else echo "no root or apt-get: the browser test will be skipped"; fi

screenshots: $(STAMP) browser
	GPT_ASSETS_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest tests/test_ui_browser.py

lint: $(STAMP)
	$(BIN)/ruff check .

ui: $(STAMP)
	$(BIN)/dagster dev -w workspace.yaml -h $(HOST) -p $(PORT)

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf data dagster_home/storage dagster_home/logs dagster_home/artifacts dagster_home/history dagster_home/schedules
