"""`workspace_view` (prototypes/workspaces/access.py) for requests without a log-in: a plain
request is sent to the log-in page; an htmx request (a poll from a tab whose session ended)
sends the whole tab there, and back to the page it showed, never the fragment."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django_htmx.middleware import HtmxMiddleware

from prototypes.workspaces.access import CurrentWorkspaceMiddleware, workspace_view
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Role
from tests import factories

SITE = "http://testserver"


@pytest.fixture
def study(workspace):
    return factories.StudyFactory(workspace=workspace)


def poll(client, fragment, page, **headers):
    """GET `fragment` as htmx does when polling from `page`."""
    return client.get(
        fragment, headers={"HX-Request": "true", "HX-Current-URL": SITE + page, **headers}
    )


def next_of(url):
    return parse_qs(urlsplit(url).query).get("next", [None])[0]


@pytest.mark.parametrize(
    ("fragment", "page"),
    [("study_progress", "study_detail"), ("recruitment_funnel", "study_recruitment")],
)
def test_a_poll_without_a_log_in_sends_the_whole_tab_to_log_in_and_back_to_the_page(
    client, study, fragment, page
):
    page_url = reverse(page, args=[study.pk]) + "?tab=1"
    response = poll(client, reverse(fragment, args=[study.pk]), page_url)
    assert response.status_code == 200
    assert "Location" not in response, "a 302 would swap the log-in page into the panel"
    target = response["HX-Redirect"]
    assert urlsplit(target).path == reverse("login")
    assert next_of(target) == page_url
    assert b"Log in" not in response.content


def test_a_poll_from_a_page_of_another_site_is_sent_to_log_in_without_a_way_back(client, study):
    response = client.get(
        reverse("study_progress", args=[study.pk]),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"},
    )
    assert response["HX-Redirect"] == reverse("login")


def test_a_plain_request_without_a_log_in_is_redirected_to_log_in_and_back(client, study):
    url = reverse("study_detail", args=[study.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response.url).path == reverse("login")
    assert next_of(response.url) == url


def test_a_logged_in_poll_gets_its_fragment(client, study, designer):
    client.force_login(designer)
    page_url = reverse("study_detail", args=[study.pk])
    response = poll(client, reverse("study_progress", args=[study.pk]), page_url)
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert b"<html" not in response.content


def test_the_request_type_declares_what_the_middleware_and_workspace_view_set(
    rf, designer, workspace
):
    seen = {}

    @workspace_view(Role.DESIGNER)
    def view(request: WorkspaceRequest) -> HttpResponse:
        seen.update({name: getattr(request, name) for name in WorkspaceRequest.__annotations__})
        return HttpResponse()

    request = rf.get("/", headers={"HX-Request": "true"})
    request.user = designer
    request.session = {}
    HtmxMiddleware(CurrentWorkspaceMiddleware(view))(request)
    assert set(seen) == {"user", "htmx", "memberships", "workspace", "required_role"}
    assert seen["htmx"]
    assert list(seen["memberships"]) == [workspace.pk]
    assert seen["workspace"] == workspace
    assert seen["required_role"] == Role.DESIGNER
    assert view.required_role == Role.DESIGNER
