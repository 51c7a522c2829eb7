# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# No bytecode compiled up front (Python compiles what it imports) and no pip self-check:
# the first page of `make run` comes sooner.
PIP_INSTALL := $(PIP) install --quiet --disable-pip-version-check --no-compile

.PHONY: run run-timed test setup setup-dev system-packages test-system-packages migrate demo lint screenshots clean

# Production is the settings' default: `make run` asks for debug itself, with a secret made once
# per checkout and kept in var/ (never in git).
DEV_SECRET := var/dev-secret-key
DEV_ENV := DEBUG=1 SECRET_KEY_FILE=$(DEV_SECRET)

run: setup $(DEV_SECRET)
	$(DEV_ENV) $(PY) manage.py migrate --noinput --skip-checks
	$(DEV_ENV) $(PY) manage.py demo
	$(DEV_ENV) $(PY) manage.py runserver --noreload 127.0.0.1:8000

$(DEV_SECRET):
	@mkdir -p $(@D)
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# The integration tier runs on the real services (see README); it skips outside CI when they are down.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_BROKER_URL ?= redis://127.0.0.1:6379/14

test: setup-dev
	$(PY) -m pytest -m "not integration"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) -m pytest -m integration tests/integration

# What serving needs: the Python packages of requirements.txt and Pango for the PDFs.
setup: $(STAMP)

$(STAMP): requirements.txt
	@$(MAKE) --no-print-directory system-packages
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt
	touch $(STAMP)

# What testing needs on top: the test tools of requirements-dev.txt and Debian's Chromium.
setup-dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	@$(MAKE) --no-print-directory test-system-packages
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $(DEV_STAMP)

define apt_install
	if [ -n "$(1)" ]; then \
	  echo "Installing Debian packages:$(1)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(1); \
	fi
endef

# WeasyPrint needs Pango and a font; both come from Debian.
system-packages:
	@missing=""; \
	dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing="$$missing fonts-dejavu-core"; \
	$(call apt_install,$$missing)

# The browser tests drive Debian's Chromium (there is no `playwright install` here); the
# transcription tests speak known sentences with espeak-ng.
test-system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v espeak-ng >/dev/null 2>&1 || missing="$$missing espeak-ng"; \
	$(call apt_install,$$missing)

# How long a fresh clone takes from `make run` to its first page (pip may use its cache).
run-timed:
	$(PYTHON) tests/bench/first_page.py

lint: setup-dev $(DEV_SECRET)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

screenshots: setup-dev
	$(PY) -m pytest tests/e2e -k screenshots --screenshots-to=docs/screenshots

clean:
	rm -rf $(VENV) var
