"""The dashboard: a card per study (verdict, progress, thumbnail, last activity), prototypes
with thumbnails, a first-steps checklist, and a query count that does not grow with studies."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prototypes.models import ParticipantSession, Question, ShareLink, Study
from tests import factories


def make_study(workspace, finished=2, target=5, **fields):
    study = factories.StudyFactory(
        workspace=workspace, state=Study.State.LIVE, target_participants=target, **fields
    )
    home = factories.ScreenFactory(version=study.prototype_version, name="Home")
    task = factories.TaskFactory(study=study, start_screen=home)
    factories.CriterionFactory(study=study, task=task, threshold=0.5)
    factories.QuestionFactory(study=study, kind=Question.Kind.SUS, text="")
    for _ in range(finished):
        session = factories.SessionFactory(study=study, state=ParticipantSession.State.COMPLETED)
        factories.TaskAttemptFactory(session=session, task=task, path=[home.pk])
    return study


def dashboard_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_each_study_card_shows_progress_thumbnail_and_last_activity(client, designer, workspace):
    study = make_study(workspace, finished=2, target=5, title="Order status on home")
    client.force_login(designer)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Order status on home" in html
    assert "<strong>2</strong> of 5 participants finished" in html
    assert '<progress value="2" max="5"' in html
    assert "thumb" in html and ".png" in html
    assert "last activity" in html
    # The verdict is not known yet: the badge asks for it once the page has loaded.
    assert f'hx-get="{reverse("study_verdict_badge", args=[study.pk])}"' in html


def test_the_verdict_badge_is_drawn_once_and_then_shown_with_the_page(client, designer, workspace):
    study = make_study(workspace)
    client.force_login(designer)
    badge = client.get(reverse("study_verdict_badge", args=[study.pk]), HTTP_HX_REQUEST="true")
    assert badge.status_code == 200
    badge_html = badge.content.decode()
    assert 'class="badge badge-' in badge_html and "hx-get" not in badge_html

    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("study_verdict_badge", args=[study.pk]) not in html

    # A new participant changes the fingerprint: the verdict is asked for again.
    factories.SessionFactory(study=study, state=ParticipantSession.State.COMPLETED)
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("study_verdict_badge", args=[study.pk]) in html


def test_the_dashboard_query_count_does_not_grow_with_studies(client, designer, workspace):
    make_study(workspace)
    client.force_login(designer)
    few, _ = dashboard_queries(client)
    for _ in range(5):
        make_study(workspace, finished=3)
    for study in Study.objects.all():
        client.get(reverse("study_verdict_badge", args=[study.pk]))
    many, html = dashboard_queries(client)
    assert html.count('class="study-card"') == 6
    assert many == few


def test_a_study_at_its_target_says_so_on_its_card(client, designer, workspace):
    make_study(workspace, finished=3, target=3)
    client.force_login(designer)
    assert "Target reached: raise or close" in client.get(reverse("dashboard")).content.decode()


def test_prototype_cards_show_a_thumbnail_of_the_first_screen(client, designer, workspace):
    prototype = factories.PrototypeFactory(workspace=workspace, name="Parcel tracker")
    draft = factories.VersionFactory(prototype=prototype)
    screen = factories.ScreenFactory(version=draft)
    client.force_login(designer)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Parcel tracker" in html
    assert screen.thumbnail.url in html


def test_a_new_workspace_shows_the_first_steps_checklist(client, designer, workspace):
    client.force_login(designer)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Get to your first go/no-go" in html
    assert "0 of 4 steps done" in html
    for url_name in ("problem_create", "prototype_create", "study_create"):
        assert reverse(url_name) in html


def test_steps_are_ticked_as_they_are_done_and_the_list_goes_once_shared(
    client, designer, workspace
):
    study = make_study(workspace, finished=0)
    client.force_login(designer)
    html = client.get(reverse("dashboard")).content.decode()
    assert "3 of 4 steps done" in html
    ShareLink.objects.create(study=study)
    assert "Get to your first go/no-go" not in client.get(reverse("dashboard")).content.decode()


def test_a_cache_outage_only_makes_the_badges_load_later(client, designer, workspace, monkeypatch):
    study = make_study(workspace)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set", down)
    client.force_login(designer)
    assert (
        reverse("study_verdict_badge", args=[study.pk])
        in client.get(reverse("dashboard")).content.decode()
    )
    assert client.get(reverse("study_verdict_badge", args=[study.pk])).status_code == 200


def test_outsiders_cannot_read_a_verdict_badge(client, outsider, workspace):
    study = make_study(workspace)
    client.force_login(outsider)
    assert client.get(reverse("study_verdict_badge", args=[study.pk])).status_code == 404
