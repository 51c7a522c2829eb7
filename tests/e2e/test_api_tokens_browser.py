"""A designer makes an API token in the browser, a script uses it, the designer revokes it; the
tokens page and the API's page pass axe on a laptop and a phone, and fit the window."""

import json
import urllib.error
import urllib.request

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_accessibility import Audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def api_status(live_server, secret):
    request = urllib.request.Request(
        live_server.url + reverse("api_v1_studies"), headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


@pytest.mark.parametrize("page_fixture", ["desktop_page", "phone_page"])
def test_a_token_is_made_used_and_revoked_from_the_tokens_page(
    request, live_server, log_in, page_fixture
):
    page = request.getfixturevalue(page_fixture)
    workspace = factories.WorkspaceFactory(name="Acme")
    designer = factories.MembershipFactory(workspace=workspace, role="designer").user
    factories.StudyFactory(workspace=workspace, title="Order tracking")
    log_in(page, designer)
    audit = Audit(page, live_server)

    audit.visit("members", reverse("workspace_members", args=[workspace.pk]))
    page.get_by_role("button", name="API tokens").click()
    audit.check("API tokens, none yet")
    page.get_by_label("Name").fill("Weekly dashboard")
    page.get_by_label("Scope").select_option("read")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()
    audit.check("API tokens, a new one shown once")
    secret = page.locator("code.secret").inner_text()

    status, body = api_status(live_server, secret)
    assert status == 200 and body["results"][0]["title"] == "Order tracking"
    page.goto(live_server.url + reverse("access_tokens", args=[workspace.pk]))
    expect(page.locator("code.secret")).to_have_count(0)
    expect(page.get_by_role("row", name="Weekly dashboard")).not_to_contain_text("never")

    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row", name="Weekly dashboard")).to_contain_text("revoked")
    assert api_status(live_server, secret)[0] == 401

    audit.visit("the API's page", reverse("openapi_page"))
    audit.assert_clean()
