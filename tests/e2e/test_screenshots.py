"""The README's pictures at laptop and phone widths: `make screenshots` writes them into
docs/screenshots (the editor's laptop picture and the summary are taken in test_journey.py)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RESULT_SECTIONS = ["overview", "tasks", "questions", "heatmaps", "comments", "sessions", "quality"]


@pytest.fixture
def pages(desktop_page, phone_page):
    return {"desktop": desktop_page, "phone": phone_page}


def test_screenshots_dashboard(live_server, pages, log_in, demo, screenshot):
    for width, page in pages.items():
        log_in(page, demo["user"])
        page.goto(live_server.url + reverse("dashboard"))
        expect(page.locator(".verdict-pending")).to_have_count(0)
        screenshot(page, f"dashboard-{width}")


def test_screenshots_editor_and_flow_map(live_server, pages, log_in, demo, screenshot):
    prototype = demo["screen"].version.prototype
    for width, page in pages.items():
        log_in(page, demo["user"])
        if width == "phone":
            page.goto(live_server.url + reverse("screen_editor", args=[demo["screen"].pk]))
            screenshot(page, "editor-phone")
        page.goto(live_server.url + reverse("prototype_flow_map", args=[prototype.pk]))
        page.get_by_role("heading", level=1).scroll_into_view_if_needed()
        screenshot(page, f"flow-map-{width}")


def test_screenshots_results_section_by_section(live_server, pages, log_in, demo, screenshot):
    for width, page in pages.items():
        log_in(page, demo["user"])
        # The first visit draws every heatmap (Celery runs eagerly here): give it time.
        page.goto(
            live_server.url + reverse("study_results", args=[demo["study"].pk]), timeout=90_000
        )
        for section in RESULT_SECTIONS:
            # Through the section bar, as a reader moves around the page.
            page.locator(f'[data-section-nav] a[href="#{section}"]').click()
            expect(page.locator(f'[data-section-nav] a[href="#{section}"]')).to_have_attribute(
                "aria-current", "true"
            )
            screenshot(page, f"results-{section}-{width}")


def test_screenshots_player_welcome_and_replay(live_server, pages, log_in, demo, screenshot):
    link = demo["participant_link"]
    session = demo["study"].sessions.order_by("pk").first()
    for width, page in pages.items():
        page.goto(live_server.url + reverse("player_start", args=[link.token]))
        expect(page.locator(".player-length")).to_be_visible()
        screenshot(page, f"player-welcome-{width}")
        log_in(page, demo["user"])
        page.goto(live_server.url + reverse("session_replay", args=[session.pk]))
        expect(page.locator('[data-slot="caption"]')).to_contain_text("Before Play")
        screenshot(page, f"replay-{width}")
