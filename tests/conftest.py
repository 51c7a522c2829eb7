import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests import factories
from tests.chromium import CHROMIUM, CHROMIUM_ARGS


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, the tests' database is a file, as `make run`'s is, rather than Django's
    in-memory default. In memory, the live server's request threads all share the test's one
    connection: two requests at once (a page's poll beside a batch of events) ran inside each
    other's transactions, and one left the connection broken for every later test. On a file,
    each thread has its own connection, waiting its turn under the settings' busy timeout and
    immediate transactions, as under `make run`."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = (
            Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else tmp_path_factory.getbasetemp()
        )
        name = folder / f"protoplatform-tests-{os.getpid()}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs about half a second per user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    # Rate-limit counters live in the cache; one test's requests must not count against the next.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def rate_limit_clock(monkeypatch):
    """Hold the rate limiter's clock still, so a fixed window cannot roll over mid-test."""
    from prototypes import ratelimit

    now = 1_800_000_000.0
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    return now


@pytest.fixture
def workspace(db):
    return factories.WorkspaceFactory(name="Acme")


@pytest.fixture
def owner(workspace):
    return factories.MembershipFactory(workspace=workspace, role="owner").user


@pytest.fixture
def designer(workspace):
    return factories.MembershipFactory(workspace=workspace, role="designer").user


@pytest.fixture
def viewer(workspace):
    return factories.MembershipFactory(workspace=workspace, role="viewer").user


@pytest.fixture
def outsider(db):
    """A member of another workspace only."""
    return factories.MembershipFactory(role="owner").user


@pytest.fixture
def designer_client(client, designer):
    client.force_login(designer)
    return client


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def service_reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def missing_services(marker):
    """What a tier needs that is not there, in words."""
    missing = []
    if marker == "integration":
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.postgresql":
            missing.append("DATABASE_URL pointing at PostgreSQL (run it through `make test`)")
        elif not service_reachable(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)):
            missing.append(f"PostgreSQL at {database['HOST']}:{database['PORT']}")
        broker = urlsplit(settings.CELERY_BROKER_URL)
        if broker.scheme != "redis":
            missing.append("CELERY_BROKER_URL pointing at Redis (run it through `make test`)")
        elif not service_reachable(broker.hostname, broker.port or 6379):
            missing.append(f"Redis at {broker.hostname}:{broker.port or 6379}")
    if marker == "e2e" and not shutil.which("chromium"):
        missing.append("Chromium at /usr/bin/chromium (apt-get install chromium)")
    return missing


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """A test whose service is down fails the run under CI=true and skips with a reason outside."""
    for marker in ("integration", "e2e"):
        marked = [item for item in items if item.get_closest_marker(marker)]
        if not marked:
            continue
        missing = missing_services(marker)
        if not missing:
            continue
        reason = "needs " + ", ".join(missing)
        if in_ci():
            pytest.exit(f"CI=true and the {marker} tier cannot run: {reason}", returncode=3)
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run, shared by the browser tests and the browser benchmarks
    (a second Playwright in the same thread would find the first one's event loop running)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made next to it are
    # still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
