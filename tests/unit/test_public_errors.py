"""Participants and stakeholders get the product's own error pages, never Django's debug page."""

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from prototypes.reports.models import ReportShare
from tests.factories import ShareLinkFactory, StudyFactory

DEBUG_MODES = [pytest.param(True, id="DEBUG=1"), pytest.param(False, id="DEBUG=0")]


def get(path, **headers):
    return Client(raise_request_exception=False).get(path, **headers)


def assert_branded(response, status):
    html = response.content.decode()
    assert response.status_code == status
    assert f'data-status="{status}"' in html
    assert "URLconf" not in html and "Traceback" not in html and "DEBUG = True" not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("debug", DEBUG_MODES)
@pytest.mark.parametrize(
    "path",
    ["/r/made-up-token/", "/s/made-up-token/extra/", "/r/", "/i/x/y/z/", "/u/a/b/"],
)
def test_made_up_public_links_show_the_branded_404(db, debug, path):
    with override_settings(DEBUG=debug):
        response = get(path)
    assert_branded(response, 404)
    assert "This link does not lead anywhere" in response.content.decode()


@pytest.mark.parametrize("debug", DEBUG_MODES)
def test_a_revoked_stakeholder_link_shows_the_branded_page_in_the_study_language(db, debug):
    study = StudyFactory(language="fr")
    share = ReportShare.objects.create(study=study, revoked_at=timezone.now())
    with override_settings(DEBUG=debug):
        response = get(f"/r/{share.token}/")
    assert_branded(response, 404)
    assert "Ce lien ne mène nulle part" in response.content.decode()
    assert response["Content-Language"] == "fr"


@pytest.mark.parametrize("debug", DEBUG_MODES)
def test_a_crash_behind_a_share_link_shows_the_branded_500(db, debug, monkeypatch):
    share = ReportShare.objects.create(study=StudyFactory(language="en"))

    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("prototypes.reports.views.build_report", crash)
    with override_settings(DEBUG=debug):
        response = get(f"/r/{share.token}/")
    assert_branded(response, 500)
    assert "a bug" not in response.content.decode()


@pytest.mark.parametrize("debug", DEBUG_MODES)
def test_a_rate_limited_participant_link_shows_the_branded_429_with_retry_after(
    db, debug, monkeypatch
):
    monkeypatch.setattr("prototypes.ratelimit.retry_after", lambda *args, **kwargs: 30)
    with override_settings(DEBUG=debug):
        response = get("/i/some-invitation/")
    assert_branded(response, 429)
    assert response["Retry-After"] == "30"


def test_the_language_comes_from_the_browser_when_the_link_is_unknown(db):
    response = get("/r/nothing-here/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Ce lien ne mène nulle part" in response.content.decode()


def test_pages_the_player_renders_on_purpose_are_kept(db):
    link = ShareLinkFactory(revoked_at=timezone.now())
    response = get(link.get_absolute_url())
    assert response.status_code == 410
    assert "data-status" not in response.content.decode()


def test_the_json_api_keeps_its_json_errors(db):
    response = Client(raise_request_exception=False).post(
        "/api/sessions/nothing/events", "{}", content_type="application/json"
    )
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("application/json")


@override_settings(DEBUG=True)
def test_designer_pages_keep_django_behaviour(db):
    response = get("/no-such-designer-page/")
    assert response.status_code == 404
    assert "data-status" not in response.content.decode()
