"""The events API: every event stored exactly once, bad batches refused whole, and task
attempts, answers, comments and the session's state derived the same whatever the delivery."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from prototypes import ratelimit
from prototypes.models import Answer, Comment, Event, ParticipantSession, TaskAttempt
from prototypes.player import api, ingestion
from prototypes.ratelimit import Limit
from tests import factories
from tests.unit.test_player_support import (
    attempt_fields,
    build_player_study,
    click,
    detour_run,
    direct_run,
    event,
    misclick,
    navigate,
    new_session,
    post_events,
    post_raw,
    task_end,
    task_start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return build_player_study()


@pytest.fixture
def session(setup):
    return new_session(setup)


def test_a_direct_success_is_derived_from_its_events(client, setup, session):
    response = post_events(client, session, direct_run(setup))

    assert response.status_code == 200
    assert response.json() == {"stored": 7, "duplicates": 0}
    attempt = TaskAttempt.objects.get(session=session, task=setup.task)
    assert attempt.outcome == TaskAttempt.Outcome.DIRECT
    assert (attempt.started_ms, attempt.ended_ms, attempt.seconds) == (1000, 6000, 5.0)
    assert (attempt.clicks, attempt.misclicks) == (2, 0)
    screens = setup.screens
    assert attempt.path == [screens["Home"].pk, screens["Orders"].pk, screens["Order detail"].pk]
    assert attempt.first_click_success is True
    assert attempt.seq == 6


def test_a_detour_is_an_indirect_success_and_a_first_misclick_a_first_click_failure(
    client, setup, session
):
    post_events(client, session, detour_run(setup))

    attempt = TaskAttempt.objects.get(session=session, task=setup.task)
    assert attempt.outcome == TaskAttempt.Outcome.INDIRECT
    assert (attempt.clicks, attempt.misclicks) == (4, 1)
    assert attempt.first_click_success is False
    names = {screen.pk: name for name, screen in setup.screens.items()}
    assert [names[pk] for pk in attempt.path] == [
        "Home",
        "Profile",
        "Home",
        "Orders",
        "Order detail",
    ]
    assert attempt.seq == 4


def test_a_first_click_away_from_the_goal_is_a_first_click_failure(client, setup, session):
    events = detour_run(setup)
    del events[1]  # the misclick: the first click is now "Profile"
    post_events(client, session, events)

    assert TaskAttempt.objects.get(session=session).first_click_success is False


def test_an_expected_path_decides_what_is_direct(client, setup, session):
    screens = setup.screens
    setup.task.expected_path = [screens["Home"].pk, screens["Profile"].pk]
    setup.task.save()
    post_events(client, session, direct_run(setup))

    attempt = TaskAttempt.objects.get(session=session)
    assert attempt.outcome == TaskAttempt.Outcome.INDIRECT
    assert attempt.first_click_success is False


@pytest.mark.parametrize(
    ("ending", "outcome"),
    [
        ("give_up", TaskAttempt.Outcome.GAVE_UP),
        ("timed_out", TaskAttempt.Outcome.TIMED_OUT),
        ("done", TaskAttempt.Outcome.GAVE_UP),  # "I'm done" away from the goal
    ],
)
def test_unsuccessful_endings(client, setup, session, ending, outcome):
    events = [task_start(setup, 0), click(setup, "orders", 2000), navigate(setup, "Orders", 2000)]
    if ending == "give_up":
        events.append(event("give_up", 9000, task=setup.task.pk, screen=setup.screens["Orders"].pk))
        events.append(task_end(setup, 9000, "gave_up", screen="Orders"))
    else:
        events.append(task_end(setup, 9000, ending, screen="Orders"))
    post_events(client, session, events)

    attempt = TaskAttempt.objects.get(session=session)
    assert attempt.outcome == outcome
    assert attempt.ended_ms == 9000


def test_a_task_without_an_end_is_in_progress(client, setup, session):
    post_events(client, session, direct_run(setup)[:3])

    attempt = TaskAttempt.objects.get(session=session)
    assert attempt.outcome == ""
    assert attempt.ended_ms is None
    assert attempt.clicks == 1


def test_clicks_after_the_end_of_a_task_do_not_count(client, setup, session):
    events = direct_run(setup) + [misclick(setup, "Order detail", 7000)]
    post_events(client, session, events)

    assert TaskAttempt.objects.get(session=session).misclicks == 0


# Exactly once ---------------------------------------------------------------------------------


def test_a_batch_sent_twice_is_stored_once(client, setup, session):
    events = detour_run(setup)
    first = post_events(client, session, events)
    before = attempt_fields(session)
    second = post_events(client, session, events)

    assert first.json() == {"stored": 12, "duplicates": 0}
    assert second.json() == {"stored": 0, "duplicates": 12}
    assert Event.objects.filter(session=session).count() == 12
    assert attempt_fields(session) == before


def test_batches_out_of_order_give_the_same_attempts_as_in_order(client, setup):
    events = detour_run(setup) + [
        task_start(setup, 20000, task=setup.second_task),
        click(setup, "profile", 21000, task=setup.second_task),
        navigate(setup, "Profile", 21000, task=setup.second_task),
        task_end(setup, 21000, "goal", screen="Profile", task=setup.second_task),
    ]
    cuts = [(0, 4), (4, 9), (9, 13), (13, len(events))]

    def deliver(order):
        # Event UUIDs are unique across sessions: each session gets its own copies.
        copies = [dict(e, id=str(uuid.uuid4())) for e in events]
        session = new_session(setup)
        for index in order:
            start, end = cuts[index]
            post_events(client, session, copies[start:end])
        return session

    in_order = deliver([0, 1, 2, 3])
    reversed_order = deliver([3, 2, 1, 0])
    shuffled = deliver([2, 0, 3, 1])

    expected = attempt_fields(in_order)
    assert [row["outcome"] for row in expected] == ["indirect", "direct"]
    assert attempt_fields(reversed_order) == expected
    assert attempt_fields(shuffled) == expected


def test_the_same_event_in_two_batches_is_stored_once(client, setup, session):
    events = direct_run(setup)
    first = post_events(client, session, events[:4])
    second = post_events(client, session, events[2:])

    assert first.json() == {"stored": 4, "duplicates": 0}
    assert second.json() == {"stored": 3, "duplicates": 2}
    assert Event.objects.filter(session=session).count() == 7
    assert TaskAttempt.objects.get(session=session).outcome == "direct"


def test_the_same_event_twice_in_one_batch_is_stored_once(client, setup, session):
    events = direct_run(setup)
    response = post_events(client, session, events + [events[0], events[3]])

    assert response.json() == {"stored": 7, "duplicates": 2}
    assert Event.objects.filter(session=session).count() == 7


def test_an_event_id_in_another_form_of_the_same_uuid_is_the_same_event(client, setup, session):
    events = direct_run(setup)
    first = post_events(client, session, events)
    other_forms = [
        events[0] | {"id": events[0]["id"].upper()},
        events[1] | {"id": "{" + events[1]["id"] + "}"},
        events[2] | {"id": "urn:uuid:" + events[2]["id"]},
        events[3] | {"id": events[3]["id"].replace("-", "")},
    ]
    second = post_events(client, session, other_forms)

    assert first.json() == {"stored": 7, "duplicates": 0}
    assert second.json() == {"stored": 0, "duplicates": 4}
    assert Event.objects.filter(session=session).count() == 7


def test_an_empty_batch_is_fine(client, session):
    response = post_events(client, session, [])

    assert response.status_code == 200
    assert response.json() == {"stored": 0, "duplicates": 0}


# Attempts in progress are derived again at their boundaries -----------------------------------


def in_one_batch(client, setup, events):
    """A new session given copies of the events (UUIDs are unique across sessions) at once."""
    session = new_session(setup)
    post_events(client, session, [dict(e, id=str(uuid.uuid4())) for e in events])
    return session


def test_an_attempt_in_progress_catches_up_when_its_task_ends(client, setup, session):
    events = detour_run(setup)
    post_events(client, session, events[:1])  # task_start
    post_events(client, session, events[1:8])  # the clicks on the way
    in_progress = TaskAttempt.objects.get(session=session)
    post_events(client, session, events[8:])  # the last click, the end and the SEQ

    # Plain events of a task in progress are stored, not yet counted.
    assert (in_progress.outcome, in_progress.clicks, in_progress.misclicks) == ("", 0, 0)
    assert attempt_fields(session) == attempt_fields(in_one_batch(client, setup, events))
    assert attempt_fields(session)[0]["clicks"] == 4


def test_clicks_that_arrive_after_their_task_ended_count(client, setup, session):
    events = detour_run(setup)
    late = events[1:6]  # the misclick and the detour, delivered after the end
    post_events(client, session, [e for e in events if e not in late])
    assert TaskAttempt.objects.get(session=session).outcome == "direct"

    post_events(client, session, late)

    assert attempt_fields(session) == attempt_fields(in_one_batch(client, setup, events))
    assert attempt_fields(session)[0]["outcome"] == "indirect"


def test_clicks_made_after_the_end_that_arrive_late_do_not_count(client, setup, session):
    events = direct_run(setup)
    post_events(client, session, events)
    before = attempt_fields(session)

    post_events(client, session, [misclick(setup, "Order detail", 7000)])

    assert attempt_fields(session) == before
    assert before[0]["misclicks"] == 0


def test_the_end_of_the_session_brings_every_attempt_up_to_date(client, setup, session):
    post_events(client, session, [task_start(setup, 1000)])
    post_events(
        client,
        session,
        [
            misclick(setup, "Home", 2000),
            click(setup, "orders", 3000),
            navigate(setup, "Orders", 3000),
        ],
    )
    assert TaskAttempt.objects.get(session=session).clicks == 0

    post_events(client, session, [event("session_end", 4000)])

    attempt = TaskAttempt.objects.get(session=session)
    assert (attempt.outcome, attempt.clicks, attempt.misclicks) == ("", 1, 1)
    assert attempt.path == [setup.screens["Home"].pk, setup.screens["Orders"].pk]


def test_late_events_of_a_finished_session_count_at_once(client, setup, session):
    post_events(client, session, [task_start(setup, 1000)])
    post_events(client, session, [event("session_end", 4000)])

    post_events(client, session, [click(setup, "orders", 3000), navigate(setup, "Orders", 3000)])

    assert TaskAttempt.objects.get(session=session).clicks == 1


def test_a_batch_of_clicks_in_a_task_in_progress_reads_no_stored_events(client, setup, session):
    post_events(client, session, [task_start(setup, 0)])
    post_events(client, session, mixed_events(setup, 100)[1:-1])

    with CaptureQueriesContext(connection) as queries:
        response = post_events(client, session, [misclick(setup, "Home", 20000)])

    assert response.json() == {"stored": 1, "duplicates": 0}
    reads_events = [
        sql for sql in statements(queries) if "FROM prototypes_event WHERE session_id" in sql
    ]
    writes_attempts = [sql for sql in statements(queries) if 'prototypes_taskattempt" (' in sql]
    assert (reads_events, writes_attempts) == ([], [])


# Refusals: a 4xx and nothing stored ------------------------------------------------------------


def comment_batch(setup, text):
    comment = event(
        "comment", 10, screen=setup.screens["Home"].pk, x=0.1, y=0.1, data={"text": text}
    )
    return json.dumps({"events": [comment]})


def batch_with(setup, **changes):
    events = direct_run(setup)
    events[1].update(changes)
    return json.dumps({"events": events})


BAD_BODIES = {
    "not JSON": lambda setup: "{events: [",
    "not UTF-8": lambda setup: b'{"events": ["\xff\xfe"]}',
    "a list": lambda setup: "[]",
    "events not a list": lambda setup: '{"events": {"a": 1}}',
    "unknown top-level key": lambda setup: '{"events": [], "session": 1}',
    "dropped negative": lambda setup: '{"events": [], "dropped": -1}',
    "dropped a string": lambda setup: '{"events": [], "dropped": "3"}',
    "event not an object": lambda setup: '{"events": [1]}',
    "t_ms a string": lambda setup: batch_with(setup, t_ms="3500"),
    "t_ms negative": lambda setup: batch_with(setup, t_ms=-1),
    "t_ms a float": lambda setup: batch_with(setup, t_ms=3500.5),
    "t_ms too large": lambda setup: batch_with(setup, t_ms=10**13),
    "t_ms a boolean": lambda setup: batch_with(setup, t_ms=True),
    "x a string": lambda setup: batch_with(setup, x="0.5"),
    "x above 1": lambda setup: batch_with(setup, x=1.5),
    "y negative": lambda setup: batch_with(setup, y=-0.1),
    "x NaN": lambda setup: batch_with(setup, x=0.5).replace("0.5", "NaN", 1),
    "x Infinity": lambda setup: batch_with(setup, x=0.5).replace("0.5", "Infinity", 1),
    "x -Infinity": lambda setup: batch_with(setup, x=0.5).replace("0.5", "-Infinity", 1),
    "x overflowing": lambda setup: batch_with(setup, x=0.5).replace("0.5", "1e999", 1),
    "unknown type": lambda setup: batch_with(setup, type="hover"),
    "type a list": lambda setup: batch_with(setup, type=[]),
    "id not a UUID": lambda setup: batch_with(setup, id="12345"),
    "id missing": lambda setup: batch_with(setup, id=None),
    "unknown field": lambda setup: batch_with(setup, colour="red"),
    "unknown hotspot": lambda setup: batch_with(setup, hotspot=10**9),
    "hotspot of another screen": lambda setup: batch_with(
        setup, hotspot=setup.hotspots["order"].pk
    ),
    "click without a hotspot": lambda setup: batch_with(setup, hotspot=None),
    "screen a string": lambda setup: batch_with(setup, screen=str(setup.screens["Home"].pk)),
    "NUL in a comment": lambda setup: comment_batch(setup, "bad\x00text"),
    "NUL in a key": lambda setup: '{"events": [], "\\u0000": 1}',
    "lone surrogate": lambda setup: comment_batch(setup, "\ud800"),
    "lone surrogate in the bytes": lambda setup: (
        json.dumps(
            {
                "events": [
                    event(
                        "comment",
                        10,
                        screen=setup.screens["Home"].pk,
                        x=0.1,
                        y=0.1,
                        data={"text": "surrogate"},
                    )
                ]
            }
        )
        .encode()
        .replace(b"surrogate", b"\xed\xa0\x80")
    ),
    "comment too long": lambda setup: json.dumps(
        {
            "events": [
                event(
                    "comment",
                    10,
                    screen=setup.screens["Home"].pk,
                    x=0.1,
                    y=0.1,
                    data={"text": "a" * 2001},
                )
            ]
        }
    ),
    "task_end without a reason": lambda setup: json.dumps(
        {"events": [event("task_end", 10, task=setup.task.pk)]}
    ),
    "data on a click": lambda setup: batch_with(setup, data={"note": "x"}),
    "deeply nested": lambda setup: '{"events": [' + "[" * 100000 + "]" * 100000 + "]}",
    "huge integer": lambda setup: batch_with(setup, t_ms=1).replace(
        '"t_ms": 1', '"t_ms": ' + "9" * 5000, 1
    ),
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_batches_are_refused_whole(client, setup, session, name):
    response = post_raw(client, session, BAD_BODIES[name](setup))

    assert response.status_code == 400, response.content
    assert isinstance(response.json()["error"], str)
    assert Event.objects.count() == 0
    assert TaskAttempt.objects.count() == 0


def test_ids_of_another_study_are_refused(client, setup, session):
    other = build_player_study()
    events = direct_run(setup)
    events[0]["task"] = other.task.pk

    response = post_events(client, session, events)

    assert response.status_code == 400
    assert "task" in response.json()["error"]
    assert Event.objects.count() == 0


def test_a_batch_of_more_than_500_events_is_too_large(client, setup, session):
    events = [misclick(setup, "Home", t) for t in range(501)]

    response = post_events(client, session, events)

    assert response.status_code == 413
    assert Event.objects.count() == 0


def test_a_body_over_a_megabyte_is_too_large(client, setup, session):
    body = json.dumps({"events": [], "dropped": 0}) + " " * 1_000_001

    response = post_raw(client, session, body)

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("sus", [3] * 9),
        ("sus", [3] * 9 + [6]),
        ("sus", [3] * 9 + [True]),
        ("single", "Maybe"),
        ("multiple", ["Speed", "Speed"]),
        ("multiple", "Speed"),
        ("rating", 11),
        ("rating", 2.5),
        ("open", 42),
        ("open", "x" * 5001),
    ],
)
def test_answers_must_fit_their_question(client, setup, session, kind, value):
    answer = event("answer", 10, data={"question": setup.questions[kind].pk, "value": value})

    response = post_events(client, session, [answer])

    assert response.status_code == 400
    assert Answer.objects.count() == 0


def test_a_seq_answer_must_be_from_1_to_7(client, setup, session):
    answer = event("answer", 10, task=setup.task.pk, data={"seq": 8})

    assert post_events(client, session, [answer]).status_code == 400


# Sessions -------------------------------------------------------------------------------------


def test_an_unknown_session_is_404(client, setup):
    response = post_events(client, "no-such-session", direct_run(setup))

    assert response.status_code == 404
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    "state", [ParticipantSession.State.ABANDONED, ParticipantSession.State.SCREENED_OUT]
)
def test_a_closed_session_is_410(client, setup, session, state):
    ParticipantSession.objects.filter(pk=session.pk).update(state=state)

    response = post_events(client, session, direct_run(setup))

    assert response.status_code == 410
    assert Event.objects.count() == 0


def test_a_finished_session_takes_late_events_for_a_while(client, setup, session):
    post_events(client, session, [event("session_end", 50000)])
    session.refresh_from_db()
    assert session.state == ParticipantSession.State.COMPLETED

    late = post_events(client, session, direct_run(setup))
    assert late.json() == {"stored": 7, "duplicates": 0}

    ParticipantSession.objects.filter(pk=session.pk).update(
        finished_at=timezone.now() - ingestion.LATE_EVENTS_GRACE - timedelta(minutes=1)
    )
    too_late = post_events(client, session, [misclick(setup, "Home", 60000)])
    assert too_late.status_code == 410


def test_events_of_a_started_session_are_kept_after_the_study_closes(client, setup, session):
    setup.study.state = setup.study.State.CLOSED
    setup.study.save()

    response = post_events(client, session, direct_run(setup))

    assert response.json()["stored"] == 7


def test_session_end_completes_the_session_once(client, session):
    post_events(client, session, [event("session_end", 50000)])
    session.refresh_from_db()
    finished_at = session.finished_at

    post_events(client, session, [event("session_end", 50001)])
    session.refresh_from_db()

    assert session.state == ParticipantSession.State.COMPLETED
    assert session.finished_at == finished_at


def test_the_dropped_count_is_a_running_total(client, session):
    post_events(client, session, [], dropped=3)
    post_events(client, session, [], dropped=1)  # an older batch arriving late
    session.refresh_from_db()
    assert session.dropped_events == 3

    post_events(client, session, [], dropped=5)
    session.refresh_from_db()
    assert session.dropped_events == 5


def test_last_seen_is_recorded(client, setup, session):
    post_events(client, session, direct_run(setup))
    session.refresh_from_db()

    assert session.last_seen_at is not None


# Answers and comments -------------------------------------------------------------------------


def test_answers_are_stored_once_per_question_latest_wins(client, setup, session):
    single = setup.questions["single"]
    first = event("answer", 1000, data={"question": single.pk, "value": "No"})
    changed = event("answer", 2000, data={"question": single.pk, "value": "Yes"})
    sus = event("answer", 3000, data={"question": setup.questions["sus"].pk, "value": [4, 2] * 5})

    post_events(client, session, [changed, sus])
    post_events(client, session, [first])  # the older answer arrives last

    answers = dict(Answer.objects.filter(session=session).values_list("question_id", "value"))
    assert answers == {single.pk: "Yes", setup.questions["sus"].pk: [4, 2] * 5}


def test_every_question_kind_takes_a_fitting_answer(client, setup, session):
    values = {
        "sus": [5, 1, 5, 1, 5, 1, 5, 1, 5, 1],
        "open": "Make the order number easier to find.",
        "single": "Not sure",
        "multiple": ["Speed", "Looks"],
        "rating": 10,
    }
    events = [
        event("answer", t, data={"question": setup.questions[kind].pk, "value": value})
        for t, (kind, value) in enumerate(values.items())
    ]

    assert post_events(client, session, events).status_code == 200
    stored = dict(Answer.objects.values_list("question__kind", "value"))
    assert stored == values


def test_a_comment_keeps_its_pin_and_is_stored_once(client, setup, session):
    comment = event(
        "comment",
        4000,
        task=setup.task.pk,
        screen=setup.screens["Orders"].pk,
        x=0.25,
        y=0.75,
        data={"text": "Where is the tracking number?"},
    )
    post_events(client, session, [comment])
    post_events(client, session, [comment])

    stored = Comment.objects.get()
    assert (stored.session, stored.task, stored.screen) == (
        session,
        setup.task,
        setup.screens["Orders"],
    )
    assert (stored.x, stored.y, stored.text) == (0.25, 0.75, "Where is the tracking number?")
    assert stored.event.uuid.hex == comment["id"].replace("-", "")


def test_text_beyond_ascii_is_stored_whether_escaped_or_not(client, setup, session):
    text = "Où est la commande n° 482913 ? 🚚"
    comments = [
        event("comment", t, screen=setup.screens["Home"].pk, x=0.5, y=0.5, data={"text": text})
        for t in (1, 2)
    ]
    escaped = json.dumps({"events": comments[:1]})
    raw = json.dumps({"events": comments[1:]}, ensure_ascii=False).encode()

    assert post_raw(client, session, escaped).status_code == 200
    assert post_raw(client, session, raw).status_code == 200
    assert list(Comment.objects.values_list("text", flat=True)) == [text, text]


# Guards ---------------------------------------------------------------------------------------


def test_too_many_batches_get_429_with_retry_after(
    client, setup, session, monkeypatch, rate_limit_clock
):
    monkeypatch.setattr(api, "EVENTS_LIMIT", Limit("player-events-test", requests=2, seconds=60))
    events = direct_run(setup)

    statuses = [post_events(client, session, [e]).status_code for e in events[:3]]
    refused = post_events(client, session, events[3:])

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert "error" in refused.json()
    assert Event.objects.count() == 2


def test_events_are_stored_when_the_cache_is_down(client, setup, session, monkeypatch):
    class BrokenCache:
        def add(self, *args, **kwargs):
            raise ConnectionError("cache unreachable")

        incr = get = add

    monkeypatch.setattr(ratelimit, "cache", BrokenCache())

    response = post_events(client, session, direct_run(setup))

    assert response.status_code == 200
    assert Event.objects.count() == 7


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("https://evil.example", 403),
        ("null", 403),
        ("http://testserver", 200),
        (None, 200),  # a same-origin sendBeacon may send no Origin
    ],
)
def test_origin_must_be_this_site(client, setup, session, origin, status):
    extra = {"HTTP_ORIGIN": origin} if origin else {}

    response = post_events(client, session, direct_run(setup), **extra)

    assert response.status_code == status
    assert Event.objects.count() == (7 if status == 200 else 0)


def test_site_url_is_an_allowed_origin(client, setup, session, settings):
    settings.SITE_URL = "https://study.example.com"

    response = post_events(
        client, session, direct_run(setup), HTTP_ORIGIN="https://study.example.com"
    )

    assert response.status_code == 200


def test_the_endpoint_needs_no_csrf_token(setup, session):
    from django.test import Client

    response = post_events(Client(enforce_csrf_checks=True), session, direct_run(setup))

    assert response.status_code == 200


def test_get_is_not_allowed(client, session):
    assert client.get(f"/api/sessions/{session.token}/events").status_code == 405


# Query counts ---------------------------------------------------------------------------------


def mixed_events(setup, count):
    events = [task_start(setup, 0)]
    while len(events) < count - 1:
        t = len(events) * 100
        events += [
            misclick(setup, "Home", t),
            click(setup, "profile", t + 10),
            navigate(setup, "Profile", t + 10),
            click(setup, "back", t + 20),
            navigate(setup, "Home", t + 20),
        ]
    events = events[: count - 1]
    events.append(
        event("answer", count * 100, data={"question": setup.questions["single"].pk, "value": "No"})
    )
    return events


@pytest.mark.parametrize(
    ("plan_cache_seconds", "most"), [(0, 15), (ingestion.PLAN_CACHE_SECONDS, 12)]
)
def test_a_batch_costs_the_same_number_of_queries_however_large(
    client, setup, monkeypatch, plan_cache_seconds, most
):
    monkeypatch.setattr(ingestion, "PLAN_CACHE_SECONDS", plan_cache_seconds)
    post_events(client, new_session(setup), [])  # fills the plan cache, if there is one
    counts = {}
    for size in (10, 200):
        session = new_session(setup)
        events = mixed_events(setup, size)
        events.insert(
            1,
            event(
                "comment",
                1,
                task=setup.task.pk,
                screen=setup.screens["Home"].pk,
                x=0.5,
                y=0.5,
                data={"text": "Hm."},
            ),
        )
        with CaptureQueriesContext(connection) as queries:
            response = post_events(client, session, events)
        assert response.json()["stored"] == size + 1
        counts[size] = len(statements(queries))

    assert counts[10] == counts[200]
    assert counts[200] <= most


def test_a_batch_refused_by_a_cached_plan_is_checked_against_a_fresh_one(client, setup):
    post_events(client, new_session(setup), direct_run(setup))  # caches the plan
    late_screen = factories.ScreenFactory(version=setup.study.prototype_version)

    response = post_events(
        client,
        new_session(setup),
        [misclick(setup, "Home", 1)]
        + [event("navigate", 2, task=setup.task.pk, screen=late_screen.pk)],
    )

    assert response.json() == {"stored": 2, "duplicates": 0}


def statements(queries):
    """The statements run, where SQLite's chunks of one bulk insert count once: SQLite takes at
    most 999 parameters per statement, so Django splits a large bulk_create there (PostgreSQL
    takes it whole)."""
    found = []
    for query in queries.captured_queries:
        sql = query["sql"]
        is_chunk = (
            connection.vendor == "sqlite"
            and sql.startswith("INSERT")
            and found
            and found[-1].split("(")[0] == sql.split("(")[0]
        )
        if not is_chunk:
            found.append(sql)
    return found


def test_ingest_events_is_the_service_the_api_uses(setup, session):
    result = ingestion.ingest_events(session.token, direct_run(setup))

    assert result == ingestion.IngestResult(stored=7, duplicates=0)
    assert TaskAttempt.objects.get(session=session).outcome == "direct"


def test_a_batch_finding_its_reused_connection_dead_is_stored_on_a_new_one(
    client, setup, session, monkeypatch
):
    """The events view skips Django's health check of a reused connection (a round trip on every
    batch) and retries once on a new connection instead."""
    calls = []

    def ingest(*args):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return ingest_events(*args)

    ingest_events = ingestion.ingest_events
    monkeypatch.setattr(ingestion, "ingest_events", ingest)
    monkeypatch.setattr(connection, "is_usable", lambda: False)
    closed = []
    monkeypatch.setattr(connection, "close", lambda: closed.append(True))

    response = post_events(client, session, direct_run(setup))

    assert response.json() == {"stored": 7, "duplicates": 0}
    assert (len(calls), closed) == (2, [True])


def test_a_database_error_on_a_working_connection_is_not_retried(
    client, setup, session, monkeypatch
):
    calls = []

    def ingest(*args):
        calls.append(args)
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(ingestion, "ingest_events", ingest)
    monkeypatch.setattr(connection, "is_usable", lambda: True)

    with pytest.raises(OperationalError):
        post_events(client, session, direct_run(setup))
    assert len(calls) == 1


def test_a_session_of_a_study_on_another_prototype_version_cannot_use_old_screens(
    client, setup, session
):
    other_version = factories.VersionFactory(
        number=2, prototype=setup.study.prototype_version.prototype
    )
    stray = factories.ScreenFactory(version=other_version)

    response = post_events(client, session, [misclick(setup, "Home", 1) | {"screen": stray.pk}])

    assert response.status_code == 400
