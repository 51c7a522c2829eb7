"""PostgreSQL restarted while a participant has the player open, in a real browser.

gunicorn runs on a private PostgreSQL cluster. A participant plays a task in Chromium; the
database stops while they keep clicking, so their event batches get 5xx answers. The player's
queue keeps the events (localStorage) and retries with backoff; once PostgreSQL is back it
delivers them. Every event the browser sent is stored exactly once, and what the server derives
from them (the task attempt) counts each click once.
"""

import json

import psycopg
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.integration.services import (
    PrivatePostgres,
    manage,
    product_env,
    run_django,
    start_gunicorn,
    stop_process,
    tail,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

BUILD_STUDY = """
from tests.unit.test_player_support import build_player_study
setup = build_player_study()
print(json.dumps({"token": setup.link.token, "study": setup.study.pk}))
"""


@pytest.fixture
def postgres():
    cluster = PrivatePostgres().init()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def web(postgres, tmp_path):
    env = product_env(
        DATABASE_URL=postgres.create_database("protoplatform"),
        MEDIA_ROOT=tmp_path / "media",
        # Nothing but the database is shared here: the cache is per process, tasks run eagerly.
        REDIS_URL="",
        CELERY_BROKER_URL="",
    )
    manage(env, "migrate", "--noinput")
    study = run_django(env, BUILD_STUDY)
    process = start_gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    process.study = study
    process.database_url = env["DATABASE_URL"]
    try:
        yield process
    finally:
        stop_process(process)
        print(tail(process.log_path))


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


class Traffic:
    """The event batches the page sends and the answers it gets."""

    def __init__(self, page):
        self.sent_ids = set()
        self.statuses = []
        page.on("request", self.on_request)
        page.on("response", self.on_response)

    @staticmethod
    def is_events(message):
        return message.url.endswith("/events")

    def on_request(self, request):
        if self.is_events(request) and request.method == "POST":
            self.sent_ids.update(event["id"] for event in json.loads(request.post_data)["events"])

    def on_response(self, response):
        if self.is_events(response.request):
            self.statuses.append(response.status)


def wait_in(page, predicate, timeout, what):
    # Playwright hands the page's events to Python only while one of its calls is running.
    wait_for(lambda: page.wait_for_timeout(50) or predicate(), timeout, what)


def queued(page):
    """The events still waiting in the player's stored queue."""
    return page.evaluate(
        """() => Object.keys(localStorage)
            .filter((key) => key.startsWith("protoplatform.events."))
            .reduce((all, key) => all.concat(JSON.parse(localStorage[key]).events), [])"""
    )


def dropped(page):
    return page.evaluate(
        """() => Object.keys(localStorage)
            .filter((key) => key.startsWith("protoplatform.events."))
            .reduce((total, key) => total + (JSON.parse(localStorage[key]).dropped || 0), 0)"""
    )


def misclick(page):
    # The bottom right of the Orders screen: no hotspot there.
    box = page.locator("[data-slot=screen]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.8)


def stored_events(database_url):
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("SELECT uuid::text, type FROM prototypes_event").fetchall()
        attempt = connection.execute(
            "SELECT clicks, misclicks FROM prototypes_taskattempt ORDER BY id LIMIT 1"
        ).fetchone()
    return rows, attempt


def test_the_player_keeps_events_through_a_database_restart(postgres, web, page):
    traffic = Traffic(page)
    page.goto(f"{web.url}/s/{web.study['token']}/")
    page.get_by_label("I have read this and I agree.").check()
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("button", name="Start the task").click()
    page.get_by_role("button", name="My orders").click()
    wait_in(
        page, lambda: traffic.statuses and not queued(page), 30, "the first events to be stored"
    )

    postgres.stop()

    for _ in range(3):
        misclick(page)
    page.get_by_role("button", name="Order 482913").click()
    page.get_by_role("dialog", name="Task complete").get_by_role("button", name="Continue").click()
    expect(page.locator("[data-phase=seq]")).to_be_visible()
    wait_in(page, lambda: traffic.statuses.count(500) >= 2, 30, "two refused batches")
    # The participant is told their answers are waiting to be sent.
    expect(page.locator("[data-slot=status]")).to_be_visible()
    waiting = len(queued(page))

    postgres.start()

    wait_in(page, lambda: not queued(page), 90, "the player to deliver its queue")
    expect(page.locator("[data-slot=status]")).to_be_hidden()
    rows, (clicks, misclicks) = stored_events(web.database_url)
    stored_ids = [uuid for uuid, _ in rows]
    assert waiting >= 5  # three misclicks, a click, a navigation, the task's end...
    assert len(stored_ids) == len(set(stored_ids))
    assert set(stored_ids) == traffic.sent_ids
    assert dropped(page) == 0
    assert clicks == sum(1 for _, kind in rows if kind == "click") == 2
    assert misclicks == 3
    assert 200 in traffic.statuses[traffic.statuses.index(500) :]
