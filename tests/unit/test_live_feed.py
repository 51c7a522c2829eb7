"""The events API announces each stored batch once committed; the catch-up replays the same
messages from the stored rows."""

import json

import pytest
from django.db import transaction

from prototypes.live import channel, feed
from prototypes.models import Event
from tests.unit.test_player_support import (
    build_player_study,
    direct_run,
    new_session,
    post_events,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def memory_channel(settings):
    settings.LIVE_REDIS_URL = ""
    channel._brokers.clear()
    yield
    channel._brokers.clear()


@pytest.fixture
def setup():
    return build_player_study()


@pytest.fixture
def session(setup):
    return new_session(setup)


def drain(subscription):
    messages = []
    while (payload := subscription.get(0.01)) is not None:
        messages.append(json.loads(payload))
    return messages


def test_a_stored_batch_is_announced_to_its_session_and_study(
    client, setup, session, django_capture_on_commit_callbacks
):
    watching = channel.broker().subscribe(feed.session_topic(session.pk))
    overview = channel.broker().subscribe(feed.study_topic(session.study_id))
    events = direct_run(setup)

    with django_capture_on_commit_callbacks(execute=True):
        post_events(client, session, events)

    live = drain(watching)
    assert [message["id"] for message in live] == [event["id"] for event in events]
    assert live == feed.session_catch_up(session.pk, None)
    [line] = drain(overview)
    assert (line["event"], line["session"], line["ended"]) == ("session", session.pk, False)


def test_a_batch_sent_again_is_not_announced_again(
    client, setup, session, django_capture_on_commit_callbacks
):
    events = direct_run(setup)
    with django_capture_on_commit_callbacks(execute=True):
        post_events(client, session, events)
    watching = channel.broker().subscribe(feed.session_topic(session.pk))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_events(client, session, events)

    assert callbacks == []
    assert drain(watching) == []


def test_nothing_is_announced_before_the_commit(client, setup, session):
    watching = channel.broker().subscribe(feed.session_topic(session.pk))

    with transaction.atomic():
        post_events(client, session, direct_run(setup))
        assert drain(watching) == []


def test_a_failing_channel_never_fails_ingestion(
    client, setup, session, settings, django_capture_on_commit_callbacks
):
    settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"

    with django_capture_on_commit_callbacks(execute=True):
        response = post_events(client, session, direct_run(setup))

    assert response.status_code == 200
    assert Event.objects.filter(session=session).count() == len(direct_run(setup))


def test_the_catch_up_resumes_after_the_last_event_id(client, setup, session):
    events = direct_run(setup)
    post_events(client, session, events)

    after_third = feed.session_catch_up(session.pk, events[2]["id"])

    assert [message["id"] for message in after_third] == [event["id"] for event in events[3:]]
    # An id the session does not know (or no UUID at all) replays everything.
    assert len(feed.session_catch_up(session.pk, "not-a-uuid")) == len(events)
    assert len(feed.session_catch_up(session.pk + 1, events[2]["id"])) == 0
