# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run test setup system-packages migrate demo lint screenshots clean

# Production is the settings' default: `make run` asks for debug itself, with a secret made once
# per checkout and kept in var/ (never in git).
DEV_SECRET := var/dev-secret-key
DEV_ENV := DEBUG=1 SECRET_KEY_FILE=$(DEV_SECRET)

run: setup $(DEV_SECRET)
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py demo
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

$(DEV_SECRET):
	@mkdir -p $(@D)
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# The integration tier runs on the real services (see README); it skips outside CI when they are down.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_BROKER_URL ?= redis://127.0.0.1:6379/14

test: setup
	$(PY) -m pytest -m "not integration"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) -m pytest -m integration tests/integration

setup: $(STAMP)

$(STAMP): requirements.txt
	@$(MAKE) --no-print-directory system-packages
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $(STAMP)

# WeasyPrint needs Pango, and the browser tests need Chromium; both come from Debian.
system-packages:
	@missing=""; \
	dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing="$$missing fonts-dejavu-core"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; \
	fi

lint: setup $(DEV_SECRET)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

screenshots: setup
	$(PY) -m pytest tests/e2e -k screenshots --screenshots-to=docs/screenshots

clean:
	rm -rf $(VENV) var
