"""Settings for the ingestion benchmark's gunicorn: the project's own, with a URLconf that adds a
bare view to compare against (read from BENCH_ROOT_URLCONF, so no bench view ever reaches the
product's URLs)."""

import os

from protoplatform.settings import *  # noqa: F403

# Imported with the tests' DEBUG=1 and SECRET_KEY (pyproject.toml, inherited by this process);
# served with DEBUG off, as in production: no query log, no debug pages.
DEBUG = False
ROOT_URLCONF = os.environ.get("BENCH_ROOT_URLCONF", "tests.bench.urls")
