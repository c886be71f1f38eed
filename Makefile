# Two commands do all the set-up: `make run` and `make test` (see README.md).
# Both work as root on a fresh Debian machine: they install what is missing first.

# The interpreter the venv is made from. The venv links to it, so the server's user must be able to
# read it: Debian's /usr/bin/python3 by default, not the first python3 on root's PATH (e.g. one under
# /root or /opt that only root can read). Another: make build PYTHON=/usr/local/bin/python3.12
PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,python3)
# The user the server runs as (docs/DEPLOY.md); checked only where that user exists.
SERVICE_USER ?= toolkit
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := fonts-noto-core libharfbuzz-subset0 poppler-utils chromium libpango-1.0-0 libpangoft2-1.0-0 strace
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
	@if [ "$$(id -u)" = 0 ] && id -u $(SERVICE_USER) >/dev/null 2>&1; then \
	  runuser -u $(SERVICE_USER) -- $(PY) -c "" 2>/dev/null || { \
	    echo "The $(SERVICE_USER) user cannot run $(PY) (made from the Python in $$(sed -n 's/^home = //p' $(VENV)/pyvenv.cfg)): rebuild with an"; \
	    echo "interpreter it can read: rm -rf $(VENV) && make build PYTHON=/usr/bin/python3"; exit 1; }; \
	fi
	touch $@

install: system-packages $(VENV)/.installed

build: install
	$(PY) build.py

run: build
	TOOLKIT_DATABASE=$(abspath $(DEMO_DB)) $(VENV)/bin/toolkit demo-data
	TOOLKIT_DATABASE=$(abspath $(DEMO_DB)) TOOLKIT_SESSION_COOKIE_SECURE=false TOOLKIT_BASE_URL=http://127.0.0.1:5000 $(VENV)/bin/gunicorn -c gunicorn.conf.py 'toolkit:create_app()'

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
