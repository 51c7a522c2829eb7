"""A session start's own work: the queries it runs, and changes to the link or the study seen
at the very next start (nothing about them is kept between requests; the study payload is, see
test_player_payload.py)."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prototypes.models import ConceptAssignment, ParticipantSession, StudyConcept
from prototypes.recruitment.entrance import read_entrance
from prototypes.recruitment.models import ConsentText
from prototypes.studies import participants
from tests import factories
from tests.unit.test_player_support import build_player_study

pytestmark = pytest.mark.django_db


def start(client, link, body=None, address="127.0.0.1"):
    return client.post(
        reverse("api_session_start", args=[link.token]),
        json.dumps(body or {"consent": True}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def queries_of_a_start(client, link, address="127.0.0.2"):
    with CaptureQueriesContext(connection) as queries:
        response = start(client, link, address=address)
    assert response.status_code == 201, response.content
    return [query["sql"] for query in queries]


def test_a_start_is_one_read_and_the_session_s_insert(client):
    setup = build_player_study()
    start(client, setup.link)  # records the consent text and builds the payload

    statements = queries_of_a_start(client, setup.link)

    assert len(statements) == 2, statements
    assert statements[1].startswith("INSERT INTO prototypes_participantsession")


def test_a_concept_study_adds_only_the_assignment_s_queries(workspace, client):
    version = factories.published_shop_version(workspace)
    study = factories.StudyFactory(
        workspace=workspace, prototype_version=version, state="live", title="Concepts"
    )
    for position, shown in enumerate([version, version.prototype.draft.publish()]):
        StudyConcept.objects.create(
            study=study, version=shown, label="AB"[position], position=position
        )
    link = factories.ShareLinkFactory(study=study)
    start(client, link)
    start(client, link)  # the second concept's payload built

    statements = queries_of_a_start(client, link)

    # The read and the session's INSERT; the lock of the concepts, their counts and the
    # assignment; the transaction around them.
    assert len(statements) == 7, statements
    assert ConceptAssignment.objects.count() == 3


def test_the_session_returned_is_the_row_stored():
    setup = build_player_study()
    entrance = read_entrance(setup.link.token)

    session = participants.start_session(
        entrance.study, link=entrance.link, participant_id="p-1", user_agent="Phone"
    )

    stored = ParticipantSession.objects.get(pk=session.pk)
    names = [field.attname for field in ParticipantSession._meta.concrete_fields]
    assert [getattr(session, name) for name in names] == [getattr(stored, name) for name in names]
    assert session.state == ParticipantSession.State.ACTIVE
    assert session.study.pk == setup.study.pk and not session._state.adding


def test_the_insert_names_every_column_of_a_session():
    columns = {
        field.column for field in ParticipantSession._meta.concrete_fields if not field.primary_key
    }
    assert set(participants.SESSION_COLUMNS) == columns


# Changes apply at the next start.


def test_a_revoked_link_refuses_the_next_start(client):
    setup = build_player_study()
    assert start(client, setup.link).status_code == 201
    setup.link.revoked_at = timezone.now()
    setup.link.save()

    assert start(client, setup.link).status_code == 404


def test_a_paused_study_refuses_the_next_start(client):
    setup = build_player_study()
    assert start(client, setup.link).status_code == 201
    setup.study.state = "paused"
    setup.study.save()

    response = start(client, setup.link)

    assert response.status_code == 409
    assert response.json()["code"] == "not_accepting"


def test_a_link_past_its_closing_date_refuses_the_next_start(client):
    setup = build_player_study()
    assert start(client, setup.link).status_code == 201
    setup.link.closes_at = timezone.now() - timedelta(minutes=1)
    setup.link.save()

    response = start(client, setup.link)

    assert response.status_code == 409
    assert "expired" in response.json()["error"]


def test_a_link_whose_quota_is_reached_refuses_the_next_start(client):
    setup = build_player_study()
    first = start(client, setup.link).json()["session_token"]
    setup.link.quota = 1
    setup.link.save()
    assert start(client, setup.link).status_code == 201
    ParticipantSession.objects.filter(token=first).update(state="completed")

    response = start(client, setup.link)

    assert response.status_code == 409
    assert "full" in response.json()["error"]


def test_a_screener_added_while_live_is_asked_at_the_next_start(client):
    setup = build_player_study()
    assert start(client, setup.link).status_code == 201
    factories.ScreenerQuestionFactory(study=setup.study)

    response = start(client, setup.link)

    assert response.status_code == 400
    assert response.json()["code"] == "screener"


def test_a_new_consent_text_is_recorded_by_its_first_participant(client):
    setup = build_player_study()
    start(client, setup.link)
    setup.study.consent_text = "I agree to be recorded, again."
    setup.study.consent_version += 1
    setup.study.save()

    start(client, setup.link)
    start(client, setup.link)

    texts = ConsentText.objects.filter(study=setup.study).order_by("version")
    assert [(text.version, text.text) for text in texts][-1] == (
        2,
        "I agree to be recorded, again.",
    )
    assert ParticipantSession.objects.filter(consent_version=2).count() == 2


def test_concepts_added_before_anyone_started_are_assigned(workspace, client):
    version = factories.published_shop_version(workspace)
    study = factories.StudyFactory(workspace=workspace, prototype_version=version, state="live")
    link = factories.ShareLinkFactory(study=study)
    assert read_entrance(link.token).has_concepts is False
    StudyConcept.objects.create(study=study, version=version, label="A", position=0)
    StudyConcept.objects.create(
        study=study, version=version.prototype.draft.publish(), label="B", position=1
    )

    assert start(client, link).status_code == 201

    assert ConceptAssignment.objects.filter(session__study=study).count() == 1
