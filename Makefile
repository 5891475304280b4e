# sabaq — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= sabaq-data
# Debian packages: ffmpeg for media; the rest only for the test suite's real clients
# (nginx: the sample front-end config is tested) and for the serving benchmark (wrk).
APT_RUNTIME := ffmpeg fonts-dejavu-core
APT_TEST := chromium xmltv-util libxml2-utils nginx libnginx-mod-http-brotli-filter
APT_BENCH := wrk nginx
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo-port install install-runtime install-test-tools install-bench-tools demo test lint typecheck pytest bench bench-serve bench-load clean

PIP := $(BIN)/pip --disable-pip-version-check
NPM_PACKAGES := hls.js@^1.6.3 axe-core@4

install: $(VENV)/.installed node_modules/axe-core/axe.min.js

# What the demo needs: Debian's ffmpeg, the venv with sabaq's runtime packages, hls.js.
install-runtime: $(VENV)/.runtime node_modules/axe-core/axe.min.js

$(VENV)/.runtime: pyproject.toml
	@missing=""; for p in $(APT_RUNTIME); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] || ! command -v ffmpeg >/dev/null; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_RUNTIME); fi
	@[ -x $(BIN)/python ] || { echo "creating the Python environment $(VENV) ($$($(PYTHON) --version))"; \
	  $(PYTHON) -m venv $(VENV) && $(PIP) install -q --upgrade pip; }
	@echo "installing sabaq (editable) with its runtime packages into $(VENV): ortools, aiohttp, sqlalchemy, celery, ffmpeg-python, brotli ..."
	@$(PIP) install -q -e '.[compression]'
	@touch $@

$(VENV)/.installed: $(VENV)/.runtime
	@echo "installing the test tools into $(VENV): pytest, hypothesis, playwright, schemathesis, psycopg, ruff, mypy"
	@$(PIP) install -q -e '.[test,compression]'
	@echo "$(VENV): $$($(PIP) list 2>/dev/null | tail -n +3 | wc -l) Python packages"
	@touch $@

# hls.js plays HLS in browsers without native support (served from /static/hls.min.js);
# axe-core is the browser tests' accessibility checker. Both in one npm call: npm drops
# unsaved packages it was not asked for.
node_modules/axe-core/axe.min.js:
	@if command -v npm >/dev/null; then echo "installing from npm: $(NPM_PACKAGES)"; \
	  npm install --no-save --no-audit --no-fund --silent $(NPM_PACKAGES) \
	  || echo "npm packages not installed: pages fall back to native HLS"; \
	else echo "npm missing: pages fall back to the browser's native HLS"; fi

install-test-tools:
	@missing=""; for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

# `make demo PORT=8090 DATA=/tmp/demo` serves elsewhere.
PORT ?= 8080
demo: demo-port install-runtime
	$(BIN)/sabaq --data $(DATA) demo --port $(PORT)

# A port in use is said before anything is installed or built (sabaq demo checks again).
demo-port:
	@if (exec 3<>/dev/tcp/127.0.0.1/$(PORT)) 2>/dev/null; then \
	  echo "port $(PORT) is in use by another program: stop it, or run make demo PORT=8090" >&2; \
	  exit 1; fi

test: install install-test-tools lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest -q -p no:cacheprovider

install-bench-tools:
	@missing=""; for p in $(APT_BENCH); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

bench: install
	$(BIN)/python bench/transcode.py --repeat 3

bench-serve: install install-bench-tools
	$(BIN)/python bench/serve.py --duration 10

bench-load: install install-bench-tools
	$(BIN)/python bench/load.py --players 2000 --seconds 60

clean:
	rm -rf $(VENV) $(DATA) node_modules .mypy_cache .ruff_cache .pytest_cache
