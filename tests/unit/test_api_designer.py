"""The designer API: tokens, scopes, workspaces, pagination, study copies, and secrets kept out
of logs and of the database."""

import hashlib
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prototypes.api import access
from prototypes.api.models import AccessToken
from prototypes.cardsorts.models import Card
from prototypes.studies.models import Study, Task
from tests import factories


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def read_token(workspace, viewer):
    return access.create_token(workspace, viewer, "Dashboard", AccessToken.Scope.READ)[1]


@pytest.fixture
def write_token(workspace, designer):
    return access.create_token(workspace, designer, "Sync", AccessToken.Scope.WRITE)[1]


def make_study(workspace, **kwargs):
    study = factories.StudyFactory(workspace=workspace, **kwargs)
    task = factories.TaskFactory(study=study)
    factories.CriterionFactory(study=study, task=task)
    return study


def test_a_token_is_stored_only_as_its_sha256(workspace, viewer):
    token, secret = access.create_token(workspace, viewer, "Dashboard", "read")
    assert secret.startswith("pp_") and len(secret) >= 46
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = AccessToken.objects.filter(pk=token.pk).values()[0]
    assert secret not in str(stored)
    assert token.prefix == secret[:7]


def test_no_token_bad_header_unknown_and_revoked_tokens_get_401(client, workspace, viewer):
    url = reverse("api_v1_studies")
    token, secret = access.create_token(workspace, viewer, "Dashboard", "read")
    answers = [
        client.get(url),
        client.get(url, HTTP_AUTHORIZATION=f"Token {secret}"),
        client.get(url, **bearer("pp_" + "x" * 43)),
    ]
    access.revoke(token)
    answers.append(client.get(url, **bearer(secret)))
    for response in answers:
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["code"] == "unauthorized" and response.json()["error"]


def test_a_token_stops_working_when_its_owner_leaves_the_workspace(
    client, workspace, viewer, read_token
):
    viewer.memberships.all().delete()
    response = client.get(reverse("api_v1_studies"), **bearer(read_token))
    assert response.status_code == 401
    assert "no longer a member" in response.json()["error"]


def test_studies_lists_only_the_tokens_workspace_with_pages(client, workspace, read_token):
    mine = [make_study(workspace) for _ in range(3)]
    make_study(factories.WorkspaceFactory(name="Other"))
    response = client.get(reverse("api_v1_studies"), **bearer(read_token))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["pages"] == 1 and body["next"] is None
    assert {s["id"] for s in body["results"]} == {s.pk for s in mine}
    first = body["results"][0]
    assert first["urls"]["report"] == reverse("api_v1_study_report", args=[first["id"]])
    assert (
        client.get(reverse("api_v1_studies") + "?page=0", **bearer(read_token)).status_code == 400
    )
    assert (
        client.get(reverse("api_v1_studies") + "?page=2", **bearer(read_token)).status_code == 400
    )


def test_lists_take_the_same_number_of_queries_however_long(client, workspace, read_token):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, **bearer(read_token)).status_code == 200
        return len(captured)

    study = make_study(workspace)
    factories.SessionFactory(study=study)
    session = factories.SessionFactory(study=study)
    factories.EventFactory(session=session)
    urls = [
        reverse("api_v1_studies"),
        reverse("api_v1_study_sessions", args=[study.pk]),
        reverse("api_v1_session_events", args=[session.pk]),
    ]
    queries(urls[0])  # the first use of the token also records it, once a minute
    few = [queries(url) for url in urls]
    for _ in range(8):
        make_study(workspace)
        factories.SessionFactory(study=study)
        factories.EventFactory(session=session)
    assert [queries(url) for url in urls] == few


def test_another_workspaces_objects_answer_404(client, workspace, read_token):
    elsewhere = make_study(factories.WorkspaceFactory(name="Other"))
    session = factories.SessionFactory(study=elsewhere)
    for url in [
        reverse("api_v1_study", args=[elsewhere.pk]),
        reverse("api_v1_study_report", args=[elsewhere.pk]),
        reverse("api_v1_study_sessions", args=[elsewhere.pk]),
        reverse("api_v1_session_events", args=[session.pk]),
    ]:
        response = client.get(url, **bearer(read_token))
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_the_report_is_report_json(client, owner_client, workspace, read_token):
    study = make_study(workspace)
    factories.TaskAttemptFactory(
        session=factories.SessionFactory(study=study), task=study.tasks.get()
    )
    ours = client.get(reverse("api_v1_study_report", args=[study.pk]), **bearer(read_token))
    theirs = owner_client.get(reverse("api_report", args=[study.pk]))
    assert ours.status_code == theirs.status_code == 200
    assert ours.json() == theirs.json()
    assert ours["Cache-Control"] == "private, no-store"


def test_sessions_and_event_pages_follow_the_cursor(client, workspace, read_token):
    study = make_study(workspace)
    session = factories.SessionFactory(study=study, state="completed")
    factories.SessionFactory(study=study)
    events = [factories.EventFactory(session=session, t_ms=t) for t in (5, 1, 3, 3, 9)]
    url = reverse("api_v1_study_sessions", args=[study.pk])
    body = client.get(url + "?state=completed", **bearer(read_token)).json()
    assert [s["id"] for s in body["results"]] == [session.pk]
    assert client.get(url + "?state=nope", **bearer(read_token)).status_code == 400

    url = reverse("api_v1_session_events", args=[session.pk]) + "?limit=2"
    seen = []
    while url:
        page = client.get(url, **bearer(read_token)).json()
        seen += [event["id"] for event in page["results"]]
        url = page["next"]
    in_order = sorted(events, key=lambda e: (e.t_ms, e.pk))
    assert seen == [str(e.uuid) for e in in_order]
    bad = client.get(
        reverse("api_v1_session_events", args=[session.pk]) + "?cursor=x", **bearer(read_token)
    )
    assert bad.status_code == 400 and "cursor" in bad.json()["error"]


def test_a_write_token_copies_a_study_as_a_new_draft(client, workspace, designer, write_token):
    original = make_study(workspace, state="live", revision=3)
    sort = factories.TaskFactory(study=original, kind="card_sort", start_screen=None)
    Card.objects.create(task=sort, text="Returns")
    factories.SessionFactory(study=original)
    response = client.post(
        reverse("api_v1_studies"),
        {"from_study": original.pk, "title": "Order tracking, round 2"},
        content_type="application/json",
        **bearer(write_token),
    )
    assert response.status_code == 201, response.content
    copy = Study.objects.get(pk=response.json()["id"])
    assert response["Location"] == reverse("api_v1_study", args=[copy.pk])
    assert (copy.title, copy.state, copy.revision, copy.created_by) == (
        "Order tracking, round 2",
        "draft",
        1,
        designer,
    )
    assert copy.prototype_version_id == original.prototype_version_id
    assert copy.tasks.count() == 2 and copy.sessions.count() == 0
    assert Card.objects.get(task__study=copy).text == "Returns"
    criterion = copy.criteria.get()
    assert criterion.task.study_id == copy.pk
    assert Task.objects.filter(study=original).count() == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "JSON object"),
        ("[]", "JSON object"),
        ('{"title": "x"}', "from_study"),
        ('{"from_study": true, "title": "x"}', "from_study"),
        ('{"from_study": 999999, "title": "x"}', "from_study"),
        ('{"from_study": 1, "title": ""}', "title"),
        ('{"from_study": 1, "title": "a\\u0000b"}', "JSON object"),
        ('{"from_study": 1, "title": "x", "state": "live"}', "Unknown field: state"),
    ],
)
def test_a_bad_creation_is_refused_with_a_clear_message(
    client, workspace, write_token, body, message
):
    response = client.post(
        reverse("api_v1_studies"), body, content_type="application/json", **bearer(write_token)
    )
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_read_token_cannot_write(client, workspace, read_token):
    original = make_study(workspace)
    response = client.post(
        reverse("api_v1_studies"),
        {"from_study": original.pk, "title": "Copy"},
        content_type="application/json",
        **bearer(read_token),
    )
    assert response.status_code == 403 and response.json()["code"] == "scope"
    assert Study.objects.count() == 1


def test_a_write_token_of_someone_demoted_to_viewer_cannot_write(
    client, workspace, designer, write_token
):
    designer.memberships.update(role="viewer")
    original = make_study(workspace)
    response = client.post(
        reverse("api_v1_studies"),
        {"from_study": original.pk, "title": "Copy"},
        content_type="application/json",
        **bearer(write_token),
    )
    assert response.status_code == 403 and response.json()["code"] == "role"


def test_the_api_is_rate_limited_per_token(
    client, workspace, read_token, monkeypatch, rate_limit_clock
):
    monkeypatch.setattr(access, "API_LIMIT", access.Limit("designer-api", requests=2, seconds=60))
    url = reverse("api_v1_studies")
    statuses = [client.get(url, **bearer(read_token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    last = client.get(url, **bearer(read_token))
    assert last["Retry-After"] and "error" in last.json()


def test_last_use_is_recorded(client, workspace, viewer):
    token, secret = access.create_token(workspace, viewer, "Dashboard", "read")
    assert token.last_used_at is None
    client.get(reverse("api_v1_studies"), **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_tokens_never_reach_the_logs(client, workspace, viewer, caplog):
    token, secret = access.create_token(workspace, viewer, "Dashboard", "read")
    study = make_study(workspace)
    with caplog.at_level(logging.DEBUG):
        assert client.get(reverse("api_v1_studies"), **bearer(secret)).status_code == 200
        missing = client.get(reverse("api_v1_study", args=[study.pk + 100]), **bearer(secret))
        assert missing.status_code == 404
        access.revoke(token)
        assert client.get(reverse("api_v1_studies"), **bearer(secret)).status_code == 401
    assert caplog.records, "the failed requests should have been logged"
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in repr(record.__dict__)
    assert secret not in caplog.text


def test_other_methods_get_a_json_405(client, workspace, read_token):
    response = client.delete(reverse("api_v1_studies"), **bearer(read_token))
    assert response.status_code == 405 and response["Allow"] == "GET, POST"


def test_the_settings_page_shows_a_new_token_once_and_revokes_it(client, workspace, designer):
    client.force_login(designer)
    url = reverse("access_tokens", args=[workspace.pk])
    response = client.post(url, {"name": "Sync", "scope": "write"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert secret not in client.get(url).content.decode()
    token = AccessToken.objects.get()
    assert client.get(reverse("api_v1_studies"), **bearer(secret)).status_code == 200
    assert "Last used" in client.get(url).content.decode()
    response = client.post(url, {"revoke": token.pk})
    assert response.status_code == 302
    assert client.get(reverse("api_v1_studies"), **bearer(secret)).status_code == 401


def test_a_viewer_may_not_create_a_write_token(client, workspace, viewer):
    client.force_login(viewer)
    response = client.post(
        reverse("access_tokens", args=[workspace.pk]), {"name": "Sync", "scope": "write"}
    )
    assert "Only designers and owners" in response.content.decode()
    assert not AccessToken.objects.exists()


def test_only_an_owner_revokes_someone_elses_token(client, workspace, owner, designer, viewer):
    token, _ = access.create_token(workspace, viewer, "Dashboard", "read")
    url = reverse("access_tokens", args=[workspace.pk])
    client.force_login(designer)
    client.post(url, {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is None
    client.force_login(owner)
    assert client.post(url, {"revoke": token.pk}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_path_under_api_that_no_endpoint_takes_answers_json(client, db):
    for path in ["/api/v1/studies/x", "/api/studies/null/report.json", "/api/nothing"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "openapi.json" in response.json()["error"]


@pytest.mark.parametrize("revision", ["230619087554463825920", "-1", "two"])
def test_report_json_refuses_a_revision_that_is_not_one(owner_client, workspace, revision):
    study = make_study(workspace)
    response = owner_client.get(reverse("api_report", args=[study.pk]), {"revision": revision})
    assert response.status_code == 400 and "revision" in response.json()["error"]
    page = owner_client.get(reverse("study_results", args=[study.pk]), {"revision": revision})
    assert page.status_code == 200
