"""The guards the player's POST endpoints share (Origin, rate limit) and the start body's rules."""

import json

import pytest
from django.db import OperationalError
from django.urls import reverse

from prototypes.models import Event, ParticipantSession
from prototypes.player import api, ingestion
from prototypes.ratelimit import Limit
from prototypes.recruitment import admission
from tests.unit.test_player_support import build_player_study, direct_run, new_session, post_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_client(client):
    """A client that gets the 500 page instead of the exception, as a browser would."""
    client.raise_request_exception = False
    return client


def start(client, token, body=None):
    return client.post(
        reverse("api_session_start", args=[token]),
        json.dumps({"consent": True} if body is None else body),
        content_type="application/json",
    )


def database_down(*args, **kwargs):
    raise OperationalError("the database system is shutting down")


def test_starts_that_failed_on_the_server_do_not_use_up_the_address_s_allowance(
    failing_client, monkeypatch, rate_limit_clock
):
    setup = build_player_study()
    monkeypatch.setattr(api, "SESSIONS_LIMIT", Limit("player-sessions-outage", 2, 60))
    with monkeypatch.context() as outage:
        outage.setattr(admission, "start_participant", database_down)
        during = [start(failing_client, setup.link.token).status_code for _ in range(5)]

    after = [start(failing_client, setup.link.token).status_code for _ in range(3)]

    assert during == [500] * 5
    assert after == [201, 201, 429]
    assert ParticipantSession.objects.count() == 2


def test_starts_refused_for_a_reason_count_against_the_address(
    client, monkeypatch, rate_limit_clock
):
    setup = build_player_study()
    monkeypatch.setattr(api, "SESSIONS_LIMIT", Limit("player-sessions-refused", 2, 60))

    statuses = [start(client, setup.link.token, {"consent": False}).status_code for _ in range(2)]
    statuses.append(start(client, setup.link.token).status_code)

    assert statuses == [400, 400, 429]


def test_batches_that_failed_on_the_server_do_not_use_up_the_session_s_allowance(
    failing_client, monkeypatch, rate_limit_clock
):
    setup = build_player_study()
    monkeypatch.setattr(api, "EVENTS_LIMIT", Limit("player-events-outage", 2, 60))
    session = new_session(setup)
    events = direct_run(setup)
    with monkeypatch.context() as outage:
        outage.setattr(ingestion, "ingest_events", database_down)
        during = [post_events(failing_client, session, events).status_code for _ in range(4)]

    after = [post_events(failing_client, session, events).status_code for _ in range(3)]

    assert during == [500] * 4
    assert after == [200, 200, 429]
    assert Event.objects.count() == len(events)


def test_a_foreign_origin_is_refused_before_it_is_counted(client, monkeypatch, rate_limit_clock):
    setup = build_player_study()
    monkeypatch.setattr(api, "SESSIONS_LIMIT", Limit("player-sessions-origin", 1, 60))
    url = reverse("api_session_start", args=[setup.link.token])

    foreign = client.post(url, "{}", content_type="application/json", HTTP_ORIGIN="https://x.test")

    assert foreign.status_code == 403
    assert start(client, setup.link.token).status_code == 201


CONSENT = "The participant must consent before a session starts."
SCREENER = "screener must map question ids to answers."
PARTICIPANT_ID = "participant_id must be printable text of at most 128 characters."
INVITATION = "invitation must be the token of a personal invitation."


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({}, CONSENT, None),
        ({"consent": "yes"}, CONSENT, None),
        ({"consent": True, "screener": ["a"]}, SCREENER, "screener"),
        ({"consent": True, "screener": {"1": True}}, SCREENER, "screener"),
        ({"consent": True, "participant_id": 7}, PARTICIPANT_ID, None),
        ({"consent": True, "participant_id": "a\nb"}, PARTICIPANT_ID, None),
        ({"consent": True, "invitation": ["x"]}, INVITATION, None),
        ({"consent": True, "invitation": "x" * 65}, INVITATION, None),
    ],
)
def test_each_rule_of_the_start_body_answers_with_its_own_message_and_code(
    client, body, message, code
):
    setup = build_player_study()
    response = start(client, setup.link.token, body)

    assert response.status_code == 400
    assert response.json().get("error") == message
    assert response.json().get("code") == code
    assert ParticipantSession.objects.count() == 0


def test_the_first_broken_rule_is_the_one_reported():
    payload = {"consent": True, "screener": 3, "participant_id": 3}

    assert api.first_error(api.SESSION_START, payload).name == "screener"
    assert api.first_error(api.SESSION_START, {"consent": True}) is None


def test_empty_optional_fields_take_their_defaults():
    fields = api.clean(api.SESSION_START, {"consent": True, "participant_id": None})

    assert fields == {
        "consent": True,
        "screener": None,
        "participant_id": "",
        "invitation": "",
        "consent_version": None,
    }
