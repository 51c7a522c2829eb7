"""axe-core finds nothing serious or critical on the pages people meet first, on a laptop and on
a 375-px phone: the landing page, log-in, the dashboard, the hotspot editor, the flow map, a
study, its results and summary (also as shared with stakeholders) and each step of the
participant player.
No page may be wider than the window either (content reflows; tables scroll in their box).

Each test walks its pages and fails at the end with every serious or critical violation of
every page, so one run shows all there is to fix.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.workspaces.services import sign_up_token
from tests import factories
from tests.e2e import axe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Audit:
    """Run axe on each page visited; report every blocking violation at the end."""

    def __init__(self, page, live_server):
        self.page = page
        self.live_server = live_server
        self.found = []

    def visit(self, where, path, status=200):
        response = self.page.goto(self.live_server.url + path)
        assert response.status == status, f"{where}: {response.status}"
        self.check(where)

    def check(self, where):
        self.page.wait_for_load_state("networkidle")
        blocking = [
            violation
            for violation in axe.violations(self.page)
            if violation["impact"] in axe.BLOCKING_IMPACTS
        ]
        if blocking:
            self.found.append(f"== {where}\n{axe.describe(blocking)}")
        # Reflow (WCAG 1.4.10): nothing but a table or a chart scrolls sideways on a phone.
        width = self.page.viewport_size["width"]
        page_width = self.page.evaluate("document.documentElement.scrollWidth")
        if page_width > width:
            self.found.append(f"== {where}\nthe page is {page_width} px wide, the window {width}")

    def assert_clean(self):
        assert not self.found, "Accessibility violations:\n" + "\n".join(self.found)


def audit_designer_pages(page, live_server, log_in, demo):
    audit = Audit(page, live_server)
    audit.visit("landing", reverse("landing"))
    audit.visit("log-in", reverse("login"))
    # A refused log-in shows its error next to the form.
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    audit.check("log-in, refused")
    audit.visit("sign-up", reverse("signup"))
    token = sign_up_token("new@example.com", "New team", "")
    audit.visit("sign-up, choosing a password", reverse("signup_confirm", args=[token]))

    log_in(page, demo["user"])
    study = demo["study"]
    audit.visit("dashboard", reverse("dashboard"))
    # Every card's verdict badge has arrived.
    expect(page.locator(".verdict-pending")).to_have_count(0)
    audit.check("dashboard, verdicts loaded")
    audit.visit("hotspot editor", reverse("screen_editor", args=[demo["screen"].pk]))
    prototype = demo["screen"].version.prototype
    audit.visit("flow map", reverse("prototype_flow_map", args=[prototype.pk]))
    audit.visit("study", reverse("study_detail", args=[study.pk]))
    expect(page.get_by_role("button", name="Raise target")).to_be_visible()
    audit.visit("results", reverse("study_results", args=[study.pk]))
    audit.visit("summary", reverse("study_summary", args=[study.pk]))
    page.context.clear_cookies()
    audit.visit("shared summary", reverse("report_share_view", args=[demo["share"].token]))
    audit.visit("made-up share link", "/r/no-such-link/", status=404)
    audit.visit("made-up participant link", "/s/no-such-link/extra/", status=404)

    # A new workspace: the dashboard's first-steps checklist.
    newcomer = factories.MembershipFactory(role="owner").user
    log_in(page, newcomer)
    audit.visit("dashboard, new workspace", reverse("dashboard"))
    expect(page.get_by_role("heading", name="Get to your first go/no-go")).to_be_visible()
    return audit


def audit_player(page, live_server, demo):
    """Each step of the participant player, from the welcome to the thanks."""
    study = demo["study"]
    study.tasks.filter(position__gte=1).delete()
    audit = Audit(page, live_server)
    audit.visit("player: welcome", reverse("player_start", args=[demo["participant_link"].token]))
    expect(page.locator(".player-length")).to_contain_text("1 task")
    start = page.get_by_role("button", name="Start", exact=True)
    start.click()
    # Starting without consent says why, next to the box.
    expect(page.get_by_role("alert")).to_contain_text("Please tick the box")
    audit.check("player: consent refused")
    page.get_by_role("checkbox", name="I have read this and I agree.").check()
    start.click()
    expect(page.get_by_role("heading", name="Your task")).to_be_visible()
    expect(page.locator('[data-slot="progress-label"]')).to_have_text(
        re.compile(r"^Step 1 of \d+ · Task 1 of 1$")
    )
    audit.check("player: task")
    page.get_by_role("button", name="Start the task").click()
    expect(page.locator('[data-slot="announcer"]')).to_have_text("Screen: Home")
    audit.check("player: screen")
    page.get_by_role("button", name="Comment").click()
    expect(page.get_by_role("textbox", name="Your comment")).to_be_focused()
    expect(page.locator("#comment-count")).to_have_text("2000 of 2000 characters left.")
    page.get_by_role("textbox", name="Your comment").fill("x" * 1900)
    expect(page.locator("#comment-count")).to_have_text("100 of 2000 characters left.")
    audit.check("player: comment")
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Give up").click()
    expect(page.get_by_role("dialog", name="Give up this task?")).to_be_visible()
    audit.check("player: give up?")
    page.get_by_role("dialog").get_by_role("button", name="Keep trying").click()
    for label in ("Account", "My orders", "Order 1042"):
        page.get_by_role("button", name=label, exact=True).click()
    expect(page.get_by_role("dialog", name="Task complete")).to_be_visible()
    audit.check("player: task complete")
    page.get_by_role("dialog").get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="how difficult or easy")).to_be_visible()
    audit.check("player: ease question")
    page.get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Please rate how much you agree")).to_be_visible()
    audit.check("player: SUS")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator('[data-slot="question-error"]')).to_contain_text(
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 10 still open"
    )
    expect(page.locator(".player-item-error")).to_have_count(10)
    audit.check("player: SUS unanswered")
    for item in page.locator("fieldset.player-sus-item").all():
        item.get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#question-title")).to_be_focused()
    audit.check("player: open question")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    audit.check("player: thanks")
    return audit


def test_designer_and_stakeholder_pages_on_a_laptop(live_server, desktop_page, log_in, demo):
    audit_designer_pages(desktop_page, live_server, log_in, demo).assert_clean()


def test_designer_and_stakeholder_pages_on_a_phone(live_server, phone_page, log_in, demo):
    audit_designer_pages(phone_page, live_server, log_in, demo).assert_clean()


def test_participant_player_on_a_laptop(live_server, desktop_page, demo):
    audit_player(desktop_page, live_server, demo).assert_clean()


def test_participant_player_on_a_phone(live_server, phone_page, demo):
    audit_player(phone_page, live_server, demo).assert_clean()
