"""Uploading screens in the browser: a request that fails on the server is sent again."""

from django.urls import reverse
from playwright.sync_api import expect

from prototypes.authoring.models import Screen
from prototypes.sketches import draw_screen
from tests import factories


def test_an_upload_refused_by_a_server_error_is_sent_again(live_server, page, log_in, tmp_path):
    membership = factories.MembershipFactory(role="designer")
    log_in(page, membership.user)
    page.goto(live_server.url + reverse("prototype_list"))
    page.get_by_role("button", name="New prototype").click()
    page.get_by_label("Name").fill("Retry")
    page.get_by_role("button", name="Create prototype").click()
    sketch = tmp_path / "home.png"
    draw_screen("Home", []).save(sketch)
    refused = []

    def first_upload_fails(route):
        if route.request.method == "POST" and not refused:
            refused.append(route.request.url)
            route.fulfill(status=500, body="{}", content_type="application/json")
        else:
            route.continue_()

    page.route("**/screens/upload/", first_upload_fails)
    # The notice shows only until the retry succeeds, a second later: every text the page
    # showed is kept, so that a busy machine cannot make the test miss it.
    page.evaluate(
        """() => {
          window.shownTexts = [];
          new MutationObserver(() => window.shownTexts.push(document.body.innerText)).observe(
            document.body, {subtree: true, childList: true, characterData: true});
        }"""
    )
    page.get_by_label("Screen images or PDFs").set_input_files(sketch)

    cards = page.locator("[data-screen-grid] .screen-card")
    expect(cards.get_by_text("Ready")).to_have_count(1, timeout=30_000)
    shown = page.evaluate("window.shownTexts")
    assert any("trying again in a moment" in text for text in shown)
    assert len(refused) == 1
    assert Screen.objects.filter(version__prototype__name="Retry").count() == 1
