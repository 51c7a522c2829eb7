"""htmx failures are not silent (static/js/app.js): an error answer or no answer at all shows a
message in the page's messages region, under the strict CSP, and the next success clears it.
Messages a view queues during an htmx request appear with its fragment."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def screen(designer):
    prototype = factories.PrototypeFactory(workspace=designer.memberships.get().workspace)
    return factories.ScreenFactory(version=prototype.draft, name="Home")


def test_failed_htmx_requests_say_so_and_queued_messages_arrive_with_the_fragment(
    live_server, page, log_in, designer, screen
):
    log_in(page, designer)
    page.goto(live_server.url + reverse("prototype_detail", args=[screen.version.prototype_id]))
    messages = page.locator("#messages")
    name = page.get_by_label("Name of screen 1")
    rename = page.get_by_role("button", name="Rename", exact=True)
    rename_url = "**" + reverse("screen_rename", args=[screen.pk])

    page.route(rename_url, lambda route: route.fulfill(status=500, body="Server Error"))
    name.fill("Orders")
    rename.click()
    expect(messages).to_contain_text("Something went wrong on our side (error 500)")

    page.unroute(rename_url)
    page.route(rename_url, lambda route: route.abort("connectionrefused"))
    rename.click()
    expect(messages).to_contain_text("The server could not be reached")
    expect(messages.locator(".flash")).to_have_count(1)

    page.unroute(rename_url)
    # A name of spaces passes the browser's `required` check; the view refuses it with a message.
    name.fill("   ")
    rename.click()
    expect(messages).to_contain_text("A screen needs a name")
    expect(messages).not_to_contain_text("could not be reached")
    screen.refresh_from_db()
    assert screen.name == "Home"
