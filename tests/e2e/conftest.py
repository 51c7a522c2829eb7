"""Browser tests: Chromium driven through Playwright, against pytest-django's live_server."""

import os
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.management.commands.demo import pin_demo_quotes
from prototypes.player.demo import simulate_participants
from prototypes.reports.models import ReportShare
from prototypes.studies.demo import create_demo_study
from tests import factories

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make next to
# it are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(autouse=True)
def live_server_idle_before_teardown():
    """After a test, once its pages are closed, wait for the live server to finish what the
    browser left in flight (a batch of events, a beacon sent as a page closed): the database
    is emptied next, and SQLite cannot be while a request still holds it."""
    yield
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        thread.name.endswith("(process_request_thread)") for thread in threading.enumerate()
    ):
        time.sleep(0.05)


@pytest.fixture
def page(browser):
    """A fresh page in its own context (cookies, storage), closed after the test."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh contexts with Playwright's context options (viewport, is_mobile,
    has_touch, locale…); every context is closed after the test."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


# Viewports the product is judged on: a laptop and a small phone (iPhone SE size, with touch).
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
SCREENSHOTS_DEFAULT = Path(__file__).resolve().parents[1] / "output" / "screenshots"
SCREENSHOT_MAX_BYTES = 300 * 1024


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots-to",
        metavar="DIR",
        default=None,
        help="folder for the PNGs of test_screenshots_* (default: tests/output/screenshots)",
    )


def open_page(browser, options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def desktop_page(browser):
    page = open_page(browser, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone_page(browser):
    page = open_page(browser, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def screenshot(request):
    """`screenshot(page, name)` saves what the page shows (viewport-size PNG) as <name>.png.

    Into --screenshots-to (the README's pictures: `make screenshots`), or tests/output/.
    """
    folder = Path(request.config.getoption("screenshots_to", default=None) or SCREENSHOTS_DEFAULT)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        # Let pictures and fonts finish loading so the PNG shows the finished page.
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready")
        path = folder / f"{name}.png"
        page.screenshot(path=path, animations="disabled", caret="hide")
        size = path.stat().st_size
        assert size < SCREENSHOT_MAX_BYTES, f"{path} is {size // 1024} KB"
        return path

    return take


@pytest.fixture
def log_in(live_server):
    """`log_in(page, user)`: hand the page's browser a session of `user`, made by Django."""

    def log_in(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return log_in


@pytest.fixture
def demo(db):
    """The demo workspace: the paper prototype, a live study that 30 simulated participants
    took, and a summary link for stakeholders."""
    membership = factories.MembershipFactory(role="owner", workspace__name="Parcel & Co")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    study = create_demo_study(membership.workspace, membership.user, versions["shop"])
    simulate_participants(study, count=30)
    # The designer approved two quotes for stakeholders, as the demo command does.
    pin_demo_quotes(study, membership.user)
    return {
        "user": membership.user,
        "study": study,
        "screen": versions["shop"].prototype.draft.screens.order_by("position").first(),
        "share": ReportShare.objects.create(study=study, label="Steering committee"),
        "participant_link": study.share_links.get(),
    }
