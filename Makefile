# Two commands do all the set-up: `make run` and `make test` (see README.md).
# Both work as root on a fresh Debian machine: they install what is missing first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := fonts-noto-core libharfbuzz-subset0 poppler-utils chromium libpango-1.0-0 libpangoft2-1.0-0
DEMO_DB := instance/demo.sqlite

.PHONY: default install system-packages build run test lint format screenshots bench clean

default: test lint

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(PYTHON) -c "import ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: pyproject.toml | system-packages
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: system-packages $(VENV)/.installed

build: install
	$(PY) build.py

run: build
	TOOLKIT_DATABASE=$(abspath $(DEMO_DB)) $(VENV)/bin/toolkit demo-data
	TOOLKIT_DATABASE=$(abspath $(DEMO_DB)) TOOLKIT_SESSION_COOKIE_SECURE=false $(VENV)/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 'toolkit:create_app()'

test: build
	$(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

screenshots: build
	$(PY) -m tests.browser.screenshots docs/screenshots

bench: build
	@command -v npm >/dev/null 2>&1 || { echo "Installing Debian packages: nodejs npm (for Lighthouse)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian package: wrk (HTTP load generator)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(PY) bench/run.py

clean:
	rm -rf build static/fonts/*.woff2 toolkit/translations/*/LC_MESSAGES/*.mo
