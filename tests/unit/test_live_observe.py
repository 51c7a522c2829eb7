"""Watching sessions live: the consent notice, who may watch which session, observers' notes
(in the replay and the summary, never to the participant) and invite links."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prototypes.live import channel, feed, observe
from prototypes.live.models import ObserverInvite, ObserverNote
from prototypes.reports.models import ReportShare
from tests import factories
from tests.streams import close_stream
from tests.unit.test_player_support import build_player_study, direct_run, new_session, post_events

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
def member(setup):
    return factories.MembershipFactory(workspace=setup.study.workspace, role="viewer").user


@pytest.fixture
def watched(setup):
    """A session whose participant agreed to a consent text telling them about observation."""
    observe.allow(setup.study, True)
    setup.study.refresh_from_db()
    return new_session(setup)


def test_allowing_observation_tells_participants_in_a_new_consent_version(setup):
    before = new_session(setup)
    version = setup.study.consent_version

    observation = observe.allow(setup.study, True)

    setup.study.refresh_from_db()
    assert observe.notice(setup.study) in setup.study.consent_text
    assert setup.study.consent_version == version + 1
    assert observation.since_consent_version == version + 1
    # The participant who agreed to the text without the notice is never watched.
    assert observe.observable_session(setup.study, before.pk) is None
    assert observe.observable_session(setup.study, new_session(setup).pk) is not None


def test_turning_observation_off_takes_the_notice_out(setup):
    original = setup.study.consent_text
    observe.allow(setup.study, True)
    observe.allow(setup.study, False)

    setup.study.refresh_from_db()
    assert setup.study.consent_text == original
    assert not observe.is_allowed(setup.study)
    assert list(observe.observable_sessions(setup.study)) == []


def test_before_any_session_the_consent_version_stays(setup):
    version = setup.study.consent_version
    observe.allow(setup.study, True)
    setup.study.refresh_from_db()
    assert setup.study.consent_version == version


def test_a_member_watches_a_session_and_its_stream_replays_the_stored_events(
    client, setup, member, watched
):
    events = direct_run(setup)
    post_events(client, watched, events)
    client.force_login(member)

    page = client.get(reverse("session_observe", args=[watched.pk]))
    stream = client.get(reverse("session_observe_stream", args=[watched.pk]))
    body = iter(stream.streaming_content)
    chunks = [next(body).decode() for _ in range(1 + len(events))]
    close_stream(stream)

    assert page.status_code == 200
    assert stream["Content-Type"] == "text/event-stream"
    data = [json.loads(c.split("data: ", 1)[1]) for c in chunks[1:]]
    assert [message["id"] for message in data] == [event["id"] for event in events]


def test_sessions_that_cannot_be_watched_answer_404(client, setup, member):
    told_nothing = new_session(setup)
    client.force_login(member)

    assert client.get(reverse("session_observe", args=[told_nothing.pk])).status_code == 404
    observe.allow(setup.study, True)
    # Still 404: its participant agreed to the text without the notice.
    assert client.get(reverse("session_observe_stream", args=[told_nothing.pk])).status_code == 404


def test_a_note_is_stored_announced_to_observers_and_replayed(
    client, setup, member, watched, django_capture_on_commit_callbacks
):
    client.force_login(member)
    listening = channel.broker().subscribe(feed.session_topic(watched.pk))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("session_note_create", args=[watched.pk]),
            {"text": "Hesitates on the price", "tags": "Pricing, confusion pricing", "t_ms": 4200},
            HTTP_ACCEPT="application/json",
        )

    assert response.status_code == 201
    note = ObserverNote.objects.get()
    assert (note.t_ms, note.tags, note.author_name) == (
        4200,
        ["pricing", "confusion"],
        member.email,
    )
    message = json.loads(listening.get(1))
    assert (message["event"], message["text"], "id" in message) == (
        "note",
        "Hesitates on the price",
        False,
    )
    caught_up = observe.session_catch_up(watched.pk)(None)
    assert caught_up[-1]["note"] == note.pk


def test_an_empty_note_is_refused_with_a_message(client, member, watched):
    client.force_login(member)

    response = client.post(
        reverse("session_note_create", args=[watched.pk]),
        {"text": "  "},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"error": "Write the note first."}
    assert not ObserverNote.objects.exists()


def test_a_note_without_a_moment_takes_the_last_event_s(client, setup, member, watched):
    post_events(client, watched, direct_run(setup))
    client.force_login(member)

    client.post(reverse("session_note_create", args=[watched.pk]), {"text": "Done"})

    assert ObserverNote.objects.get().t_ms == max(event["t_ms"] for event in direct_run(setup))


def test_notes_appear_in_the_replay_and_once_quoted_in_the_summary_and_stakeholder_link(
    client, setup, watched
):
    designer = factories.MembershipFactory(workspace=setup.study.workspace, role="designer").user
    post_events(client, watched, direct_run(setup))
    note = observe.add_note(watched, "Lost on the orders page", "nav", 2500, author=designer)
    client.force_login(designer)

    replay = client.get(reverse("session_replay", args=[watched.pk]))
    assert replay.status_code == 200
    [shown] = [e for e in replay.context["replay"]["events"] if e["type"] == "note"]
    assert (shown["id"], shown["t"], shown["tags"]) == (f"note-{note.pk}", 2500, ["nav"])
    assert "Lost on the orders page" in replay.content.decode()
    summary = reverse("study_summary", args=[setup.study.pk])
    assert "Lost on the orders page" not in client.get(summary).content.decode()

    client.post(reverse("note_quote", args=[note.pk]), {"quoted": "on"})

    assert "Lost on the orders page" in client.get(summary).content.decode()
    share = ReportShare.objects.create(study=setup.study)
    client.logout()
    shared = client.get(reverse("report_share_view", args=[share.token]))
    assert "Lost on the orders page" in shared.content.decode()


def test_a_participant_never_sees_observers_notes(client, setup, watched):
    observe.add_note(watched, "Secret observer remark", "", 0, author=factories.UserFactory())

    for url in (
        reverse("player_start", args=[setup.link.token]),
        reverse("api_session_state", args=[watched.token]),
    ):
        assert "Secret observer remark" not in client.get(url).content.decode()
    # And a participant's token opens no observer page or stream.
    for name in ("watch_study", "watch_study_stream"):
        assert client.get(reverse(name, args=[watched.token])).status_code == 404
    assert client.get(reverse("session_observe_stream", args=[watched.pk])).status_code == 302


def test_an_invite_link_watches_until_revoked(client, setup, watched):
    invite = ObserverInvite.objects.create(study=setup.study, label="Sam from sales")
    args = [invite.token, watched.pk]

    assert client.get(reverse("watch_study", args=[invite.token])).status_code == 200
    assert client.get(reverse("watch_session", args=args)).status_code == 200
    stream = client.get(reverse("watch_session_stream", args=args))
    assert stream["Content-Type"] == "text/event-stream"
    close_stream(stream)
    client.post(reverse("watch_note_create", args=args), {"text": "Nice flow", "t_ms": 10})
    assert ObserverNote.objects.get().author_name == "Sam from sales"

    observe.revoke_invite(invite)

    for name in ("watch_session", "watch_session_stream", "watch_note_create"):
        assert client.get(reverse(name, args=args)).status_code in (404, 405)
    assert client.post(reverse("watch_note_create", args=args), {"text": "x"}).status_code == 404
    assert client.get(reverse("watch_study", args=[invite.token])).status_code == 404


def test_an_invite_stops_working_when_observation_is_off_and_never_opens_another_study(
    client, setup, watched
):
    invite = ObserverInvite.objects.create(study=setup.study, label="Sam")
    other = build_player_study()
    observe.allow(other.study, True)
    other.study.refresh_from_db()
    elsewhere = new_session(other)

    assert (
        client.get(reverse("watch_session", args=[invite.token, elsewhere.pk])).status_code == 404
    )
    observe.allow(setup.study, False)
    assert client.get(reverse("watch_study", args=[invite.token])).status_code == 404


def test_only_the_owner_turns_observation_on_and_invites(client, setup, member):
    client.force_login(member)
    settings_url = reverse("study_live_settings", args=[setup.study.pk])

    assert client.post(settings_url, {"allowed": "on"}).status_code == 403
    owner = factories.MembershipFactory(workspace=setup.study.workspace, role="owner").user
    client.force_login(owner)
    client.post(settings_url, {"allowed": "on"})
    client.post(reverse("observer_invite_create", args=[setup.study.pk]), {"label": "Sam"})

    assert observe.is_allowed(setup.study)
    page = client.get(reverse("study_live", args=[setup.study.pk])).content.decode()
    assert reverse("watch_study", args=[ObserverInvite.objects.get().token]) in page


def test_the_study_page_lists_sessions_in_the_same_queries_however_many(client, setup, member):
    observe.allow(setup.study, True)
    setup.study.refresh_from_db()
    client.force_login(member)
    url = reverse("study_live", args=[setup.study.pk])
    new_session(setup)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        new_session(setup)
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)

    assert response.content.decode().count('data-session="') == 6
    assert len(six) == len(one)


def test_the_study_stream_speaks_only_of_sessions_that_can_be_watched(setup, watched):
    told_nothing_study = build_player_study()
    keep = observe.observable_filter(setup.study)

    assert keep({"session": watched.pk}) is True
    assert keep({"session": new_session(told_nothing_study).pk}) is False
