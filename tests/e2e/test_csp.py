"""The Content-Security-Policy holds in a real browser: the pages run with the header sent and
report no violation (no inline script or style, nothing from another origin).

Each page is opened in Chromium with a listener for `securitypolicyviolation` installed before
any of the page's own scripts run, and the console is watched for CSP messages too. Pages are
used a little (a task played, a hotspot drawn, a script typed), since scripts that build the
page after it loads are where an inline style would slip in.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.authoring.models import Prototype, PrototypeVersion
from prototypes.player.demo import simulate_participants
from prototypes.reports.models import ReportShare
from tests import factories
from tests.unit.test_player_support import build_player_study

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""


class Watch:
    """What the browser reported about the CSP while the page was open."""

    def __init__(self, page):
        self.page = page
        self.console = []
        page.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))

    def on_console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def open(self, url):
        response = self.page.goto(url)
        assert response.status == 200, url
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, policy
        assert "unsafe-inline" not in policy
        return response

    def assert_clean(self, where):
        # Let anything the page started after its last action finish first.
        self.page.wait_for_load_state("networkidle")
        violations = self.page.evaluate("window.cspViolations")
        assert violations == [], f"{where}: {violations}"
        assert self.console == [], f"{where}: {self.console}"


@pytest.fixture
def setup():
    setup = build_player_study()
    member = factories.MembershipFactory(workspace=setup.study.workspace, role="owner").user
    setup.member = member
    return setup


def test_the_participant_player(live_server, page, setup):
    watch = Watch(page)
    watch.open(live_server.url + reverse("player_start", args=[setup.link.token]))

    page.get_by_label("I have read this and I agree.").check()
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("button", name="Start the task").click()
    page.get_by_role("button", name="My orders").click()
    page.get_by_role("button", name="Order 482913").click()
    page.get_by_role("dialog", name="Task complete").get_by_role("button", name="Continue").click()
    expect(page.locator("[data-phase=seq]")).to_be_visible()
    # Every event delivered, so that closing the page sends no beacon into the test's teardown.
    page.wait_for_function(
        """() => Object.keys(localStorage)
            .filter((key) => key.startsWith("protoplatform.events."))
            .every((key) => JSON.parse(localStorage[key]).events.length === 0)"""
    )

    watch.assert_clean("player")


def test_the_screen_and_hotspot_editor(live_server, page, setup, log_in):
    draft_screen = factories.ScreenFactory(
        version=setup.study.prototype_version.prototype.draft, name="Basket"
    )
    factories.HotspotFactory(screen=draft_screen, label="Pay", target=None)
    log_in(page, setup.member)
    watch = Watch(page)

    watch.open(
        live_server.url + reverse("prototype_detail", args=[draft_screen.version.prototype_id])
    )
    watch.assert_clean("prototype page")
    watch.open(live_server.url + reverse("screen_editor", args=[draft_screen.pk]))
    # Drawing a hotspot makes the editor size and place elements from its script.
    canvas = page.locator("[data-editor-canvas]")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6, steps=5)
    page.mouse.up()
    expect(page.locator("[data-hotspot-form][data-new] input[name$=width]")).not_to_have_value("")
    page.get_by_role("button", name="Link to Basket").click()
    expect(page.locator("#hotspot-panel .flash")).to_contain_text("added")
    watch.assert_clean("screen editor")
    watch.open(
        live_server.url + reverse("prototype_flow_map", args=[draft_screen.version.prototype_id])
    )
    page.get_by_role("button", name="Zoom in").click()
    watch.assert_clean("flow map")


def test_the_script_editor(live_server, page, setup, log_in):
    prototype = Prototype.objects.create(
        workspace=setup.study.workspace, name="Returns helper", kind=Prototype.Kind.SCRIPTED
    )
    PrototypeVersion.objects.create(prototype=prototype, number=0, script="")
    log_in(page, setup.member)
    watch = Watch(page)

    watch.open(live_server.url + reverse("script_editor", args=[prototype.pk]))
    script = page.locator("#id_script")
    script.fill("")
    script.press_sequentially("== start: Hello\nbot: Hi!\n> Go on -> next\n\n== next: Bye\n")
    expect(page.locator("#script-preview .sketch-title")).to_have_text("Hello")
    watch.assert_clean("script editor")


def test_the_summary_pages(live_server, page, setup, log_in):
    simulate_participants(setup.study, count=6)
    share = ReportShare.objects.create(study=setup.study, label="Steering committee")
    log_in(page, setup.member)
    watch = Watch(page)

    watch.open(live_server.url + reverse("study_summary", args=[setup.study.pk]))
    watch.assert_clean("summary")
    watch.open(live_server.url + reverse("study_results", args=[setup.study.pk]))
    watch.assert_clean("results")
    page.context.clear_cookies()
    watch.open(live_server.url + reverse("report_share_view", args=[share.token]))
    watch.assert_clean("shared summary")
