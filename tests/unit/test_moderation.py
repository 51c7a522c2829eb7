"""Moderated sessions and Wizard of Oz: the state machine, timeouts, the participant's API and
the facilitator's views."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prototypes.authoring.script_publish import create_scripted_prototype, publish_script
from prototypes.live import channel
from prototypes.live.feed import session_topic
from prototypes.moderation import machine, services
from prototypes.moderation.models import Command, ModeratedSession, Note, WizardTurn
from prototypes.studies import participants
from prototypes.studies.models import Study
from tests import factories
from tests.streams import close_stream

SCRIPT = """\
== start: Parcel [wizard]
bot: Hi! How can I help?
> Where is my order? -> ask
? where, order -> ask
? * -> confused

== ask: Order number [wizard]
bot: What is your order number?
? /\\d{6}/ -> found
? * -> confused

== confused: Not understood
bot: Sorry, I did not get that.
> Start again -> start

== found: Found it [success]
bot: It arrives tomorrow.
"""


# --- The state machine --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        ("scheduled", "join", "live"),
        ("live", "pause", "paused"),
        ("paused", "resume", "live"),
        ("live", "next_task", "live"),
        ("scheduled", "end", "ended"),
        ("paused", "end", "ended"),
        ("ended", "join", "ended"),
        ("live", "leave", "live"),
    ],
)
def test_each_action_leads_to_its_state(state, action, after):
    assert machine.next_state(state, action) == after


@pytest.mark.parametrize(
    ("state", "action", "reason"),
    [
        ("scheduled", "next_task", "only while the session is live"),
        ("paused", "next_task", "only while the session is live"),
        ("scheduled", "pause", "Only a live session"),
        ("live", "resume", "Only a paused session"),
        ("ended", "end", "already ended"),
        ("ended", "resume", "Only a paused session"),
        ("live", "dance", "Unknown action"),
    ],
)
def test_an_action_the_state_does_not_take_is_refused_with_a_reason(state, action, reason):
    with pytest.raises(machine.NotAllowed, match=reason):
        machine.next_state(state, action)


def test_a_facilitator_is_present_only_within_the_window():
    now = timezone.now()
    assert machine.facilitator_present(now - timedelta(seconds=5), now, 15)
    assert not machine.facilitator_present(now - timedelta(seconds=16), now, 15)
    assert not machine.facilitator_present(None, now, 15)


def test_a_turn_is_due_at_its_deadline_and_only_while_waiting():
    now = timezone.now()
    assert not machine.turn_due("pending", now + timedelta(seconds=1), now)
    assert machine.turn_due("pending", now, now)
    assert not machine.turn_due("answered", now - timedelta(seconds=1), now)


def test_a_wizard_answer_is_a_step_or_a_reply_but_not_both_nor_late():
    now = timezone.now()
    later = now + timedelta(seconds=30)
    steps = {"start", "ask"}
    assert machine.wizard_answer("pending", later, now, "ask", "", steps) == ("ask", "")
    assert machine.wizard_answer("pending", later, now, "", " Hello ", steps) == ("", "Hello")
    for target, reply, message in [
        ("ask", "Hello", "one of the two"),
        ("", "  ", "one of the two"),
        ("nowhere", "", "no step named 'nowhere'"),
    ]:
        with pytest.raises(machine.NotAllowed, match=message):
            machine.wizard_answer("pending", later, now, target, reply, steps)
    with pytest.raises(machine.NotAllowed, match="Too late"):
        machine.wizard_answer("pending", now, now, "ask", "", steps)
    with pytest.raises(machine.NotAllowed, match="already been answered"):
        machine.wizard_answer("timed_out", later, now, "ask", "", steps)


# --- Services -----------------------------------------------------------------------------------


@pytest.fixture
def scripted_study(workspace, designer):
    prototype = create_scripted_prototype(workspace, designer, "Parcel", SCRIPT)
    version = publish_script(prototype, designer)
    study = factories.StudyFactory(
        workspace=workspace, prototype_version=version, state=Study.State.LIVE
    )
    factories.TaskFactory(study=study, start_screen=version.screens.get(step="start"))
    return study


@pytest.fixture
def moderated(scripted_study, designer):
    return services.schedule(scripted_study, "Ada", timezone.now(), designer)


@pytest.fixture
def started(moderated):
    """The participant opened their link and started: the session is attached."""
    session = participants.start_session(moderated.study, link=moderated.share_link)
    assert services.attach(moderated, session.token)
    return moderated


def test_scheduling_makes_a_personal_link_of_its_own(moderated):
    link = moderated.share_link
    assert link.study == moderated.study and link.quota == 1
    assert link.name == "Moderated: Ada"
    assert moderated.state == ModeratedSession.State.SCHEDULED
    assert moderated.get_absolute_url() == f"/m/{moderated.token}/"
    assert len(moderated.token) >= 40


def test_only_a_session_started_through_the_personal_link_is_attached(moderated):
    other = participants.start_session(
        moderated.study, link=factories.ShareLinkFactory(study=moderated.study)
    )
    assert not services.attach(moderated, other.token)
    assert not services.attach(moderated, "nonsense")
    assert moderated.participant_session is None


def test_commands_change_the_state_and_are_stored_in_order(started, designer):
    services.command(started, "join", designer)
    services.command(started, "pause", designer)
    services.command(started, "resume", designer)
    services.command(started, "end", designer)

    started.refresh_from_db()
    assert started.state == "ended" and started.ended_at is not None
    assert [c["kind"] for c in services.commands_after(started, 0)] == [
        "join",
        "pause",
        "resume",
        "end",
    ]
    first = started.commands.first().pk
    assert [c["kind"] for c in services.commands_after(started, first)][0] == "pause"


def test_a_refused_command_stores_nothing(started, designer):
    with pytest.raises(machine.NotAllowed):
        services.command(started, "resume", designer)
    assert not Command.objects.exists()


def test_a_wizard_step_without_a_facilitator_is_answered_by_the_script(started):
    assert services.route(started, "start", "where is my order", None) == {"target": "ask"}
    assert not WizardTurn.objects.exists()


def test_a_wizard_step_with_a_facilitator_opens_a_turn(started, designer, settings):
    settings.WIZARD_TIMEOUT_SECONDS = 30
    services.command(started, "join", designer)

    answer = services.route(started, "start", "where is my order", None)

    turn = WizardTurn.objects.get()
    assert answer == {"turn": turn.outcome(), "wait_ms": 30_000}
    assert (turn.step, turn.text, turn.script_target, turn.state) == (
        "start",
        "where is my order",
        "ask",
        "pending",
    )
    assert 29 <= (turn.deadline - timezone.now()).total_seconds() <= 30


def test_a_pressed_choice_on_a_wizard_step_is_a_turn_too(started, designer):
    services.command(started, "join", designer)
    services.route(started, "start", "", 0)
    turn = WizardTurn.objects.get()
    assert (turn.text, turn.script_target) == ("Where is my order?", "ask")


def test_a_step_not_tagged_wizard_is_never_a_turn(started, designer):
    services.command(started, "join", designer)
    assert services.route(started, "confused", "", 0) == {"target": "start"}


def test_a_paused_session_lets_the_script_answer(started, designer):
    services.command(started, "join", designer)
    services.command(started, "pause", designer)
    assert "target" in services.route(started, "start", "hello", None)


def test_the_facilitator_picks_the_next_step_and_the_player_is_told(started, designer):
    services.command(started, "join", designer)
    services.route(started, "ask", "it is 482913", None)
    turn = WizardTurn.objects.get()

    services.answer(turn, designer, target="found")

    turn.refresh_from_db()
    assert (turn.state, turn.target, turn.answered_by) == ("answered", "found", designer)
    last = services.commands_after(started, 0)[-1]
    assert last["kind"] == "wizard"
    assert last["data"]["turn"] == {
        "id": turn.pk,
        "state": "answered",
        "target": "found",
        "reply": "",
    }


def test_the_facilitator_may_type_the_bots_reply_instead(started, designer):
    services.command(started, "join", designer)
    services.route(started, "ask", "I lost it", None)
    turn = services.answer(WizardTurn.objects.get(), designer, reply="Check your e-mail.")
    assert (turn.target, turn.reply) == ("", "Check your e-mail.")


def test_an_unanswered_turn_times_out_to_the_steps_fallback(started, designer):
    services.command(started, "join", designer)
    services.route(started, "ask", "482913", None)
    turn = WizardTurn.objects.get()

    assert services.settle(turn, turn.deadline - timedelta(seconds=1)).state == "pending"
    settled = services.settle(turn, turn.deadline)

    # The fallback answers, not the route the script would have picked (found).
    assert (settled.state, settled.target) == ("timed_out", "confused")
    with pytest.raises(machine.NotAllowed, match="already been answered"):
        services.answer(settled, designer, target="found")


def test_settling_twice_changes_nothing_the_second_time(started, designer):
    services.command(started, "join", designer)
    services.route(started, "ask", "482913", None)
    turn = WizardTurn.objects.get()
    services.settle(turn, turn.deadline)
    resolved_at = WizardTurn.objects.get().resolved_at
    services.settle(WizardTurn.objects.get(), turn.deadline + timedelta(seconds=9))
    assert WizardTurn.objects.get().resolved_at == resolved_at


def test_suggestions_put_the_scripts_own_answer_first(started, designer):
    services.command(started, "join", designer)
    services.route(started, "start", "where is it", None)
    turn = WizardTurn.objects.get()
    offered = services.suggestions(turn, services.flow_of(started))
    assert [item["step"] for item in offered] == ["ask", "confused"]
    assert offered[0]["script"] and offered[0]["says"] == "What is your order number?"


def test_a_note_is_timed_on_the_participants_clock(started, designer):
    session = started.participant_session
    session.started_at = timezone.now() - timedelta(seconds=75)
    session.save()
    note = services.add_note(started, designer, "Hesitates on the first screen")
    assert 74_000 <= note.t_ms <= 76_000 and note.clock == "1:15"


def test_a_notes_tags_are_read_as_observers_are(started, designer):
    note = services.add_note(started, designer, "Looks for prices", "#Pricing, confusion pricing")
    assert note.tags == ["pricing", "confusion"]
    many = services.add_note(started, designer, "x", " ".join(f"t{i}" for i in range(12)))
    assert many.tags == [f"t{i}" for i in range(8)]
    assert services.add_note(started, designer, "y").tags == []


# --- The participant's API ----------------------------------------------------------------------


def api(name, moderated, *args):
    return reverse(name, args=[moderated.token, *args])


def test_the_personal_link_serves_the_player_with_the_facilitators_side(client, moderated):
    page = client.get(f"/m/{moderated.token}/").content.decode()
    assert f'data-share-token="{moderated.share_link.token}"' in page
    assert 'id="moderation-presence"' in page and 'aria-live="polite"' in page
    assert "moderation-participant.js" in page
    # Told before consenting that a facilitator follows the session.
    consent = page[page.index('class="player-consent"') : page.index("I have read this")]
    assert "This is a moderated session: a facilitator follows what you see" in consent
    assert client.get("/m/nonsense/").status_code == 404


def test_the_player_attaches_its_session_and_reads_commands(client, moderated, designer):
    session = participants.start_session(moderated.study, link=moderated.share_link)
    response = client.post(api("moderated_api_attach", moderated), {"session": session.token})
    assert response.status_code == 200
    services.command(moderated, "join", designer)

    body = client.get(api("moderated_api_commands", moderated) + "?after=0").json()

    assert body["state"] == "live" and body["facilitator"] is True
    assert body["last"] == moderated.commands.get().pk
    assert [command["kind"] for command in body["commands"]] == ["join"]


def test_the_participant_never_sees_the_notes(client, started, designer):
    services.command(started, "join", designer)
    Note.objects.create(
        moderated=started,
        author=designer,
        text="SECRET-NOTE: looks lost",
        tags=["secret-tag"],
        quoted=True,
    )
    responses = [
        client.get(f"/m/{started.token}/"),
        client.get(api("moderated_api_commands", started)),
    ]
    for response in responses:
        assert "SECRET-NOTE" not in response.content.decode()
        assert "secret-tag" not in response.content.decode()


def test_the_route_answers_a_wizard_turn_and_its_timeout(client, started, designer, settings):
    settings.WIZARD_TIMEOUT_SECONDS = 0
    services.command(started, "join", designer)

    body = client.post(api("moderated_api_route", started), {"step": "ask", "text": "123456"})

    turn = body.json()["turn"]
    assert turn["state"] == "pending"
    settled = client.get(api("moderated_api_turn", started) + f"?id={turn['id']}").json()["turn"]
    assert (settled["state"], settled["target"]) == ("timed_out", "confused")


def test_the_route_refuses_what_it_cannot_read(client, started):
    url = api("moderated_api_route", started)
    assert client.post(url, {"step": "nowhere", "text": "x"}).status_code == 400
    assert client.post(url, {"step": "start", "choice": "9"}).status_code == 400
    assert client.post(url, {"step": "start", "choice": "x"}).status_code == 400
    assert client.post(url, {"step": "start", "choice": "-1"}).status_code == 400
    # PostgreSQL cannot store a NUL: it is refused before it reaches the database.
    assert client.post(url, {"step": "ask", "text": "a\x00b"}).status_code == 400
    attach = api("moderated_api_attach", started)
    assert client.post(attach, {"session": "a\x00b"}).status_code == 400
    assert client.get(reverse("moderated_api_commands", args=["a\x00b"])).status_code == 404


def test_a_turn_of_another_session_is_not_found(client, started, scripted_study, designer):
    other = services.schedule(scripted_study, "Bo", timezone.now(), designer)
    turn = WizardTurn.objects.create(
        moderated=started, step="ask", text="x", deadline=timezone.now()
    )
    assert client.get(api("moderated_api_turn", other) + f"?id={turn.pk}").status_code == 404
    for id_ in ["²", "-1", "x"]:
        assert client.get(api("moderated_api_turn", started), {"id": id_}).status_code == 404


# --- The facilitator's views --------------------------------------------------------------------


def test_a_designer_schedules_a_session(designer_client, scripted_study):
    url = reverse("moderated_sessions", args=[scripted_study.pk])
    response = designer_client.post(
        url, {"participant_name": "Ada", "scheduled_at": "2026-12-07T14:30"}
    )
    assert response.status_code == 302
    page = designer_client.get(url).content.decode()
    assert "Ada" in page and f"/m/{ModeratedSession.objects.get().token}/" in page


def test_scheduling_says_what_is_wrong(designer_client, scripted_study):
    url = reverse("moderated_sessions", args=[scripted_study.pk])
    response = designer_client.post(url, {"participant_name": "", "scheduled_at": "soon"})
    assert response.status_code == 400
    assert "Enter a date and time" in response.content.decode()


def test_a_viewer_facilitates_but_does_not_schedule(client, viewer, moderated):
    client.force_login(viewer)
    schedule = client.post(
        reverse("moderated_sessions", args=[moderated.study.pk]),
        {"participant_name": "Bo", "scheduled_at": "2026-12-07T14:30"},
    )
    assert schedule.status_code == 403
    joined = client.post(
        reverse("moderated_command", args=[moderated.pk]),
        {"action": "join"},
        HTTP_ACCEPT="application/json",
    )
    assert joined.json() == {"state": "live"}


def test_a_command_the_state_refuses_is_a_409_with_the_reason(designer_client, moderated):
    response = designer_client.post(
        reverse("moderated_command", args=[moderated.pk]),
        {"action": "resume"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"] == "Only a paused session can be resumed."


def test_the_feed_shows_the_participants_activity_and_the_waiting_turn(
    designer_client, started, designer
):
    session = started.participant_session
    screen = started.study.prototype_version.screens.get(step="start")
    factories.EventFactory(session=session, type="navigate", t_ms=10, screen=screen)
    services.command(started, "join", designer)
    services.route(started, "start", "where is it", None)
    url = reverse("moderated_feed", args=[started.pk])

    body = designer_client.get(url + "?after=0&here=1").json()

    assert body["state"] == "live" and body["present"]
    assert body["screen"]["step"] == "start"
    assert body["events"][0]["text"] == "Now on Parcel"
    assert body["turn"]["text"] == "where is it"
    assert body["turn"]["suggestions"][0]["step"] == "ask"
    again = designer_client.get(url + f"?after={body['last']}").json()
    assert again["events"] == []


def test_the_facilitator_answers_a_turn_once(designer_client, started, designer):
    services.command(started, "join", designer)
    services.route(started, "ask", "482913", None)
    turn = WizardTurn.objects.get()
    url = reverse("wizard_answer", args=[started.pk, turn.pk])

    first = designer_client.post(url, {"target": "found"})
    second = designer_client.post(url, {"reply": "Too late?"})

    assert first.json()["turn"]["target"] == "found"
    assert second.status_code == 409


def test_notes_are_added_to_the_console_by_htmx(designer_client, started):
    url = reverse("moderated_note", args=[started.pk])
    response = designer_client.post(url, {"text": "Looks for a search box"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section class="moderation-notes"')
    assert "Looks for a search box" in response.content.decode()
    empty = designer_client.post(url, {"text": ""}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 400 and "Write the note first" in empty.content.decode()


def test_a_note_is_tagged_from_the_console_and_shows_its_tags(designer_client, started):
    url = reverse("moderated_note", args=[started.pk])
    response = designer_client.post(
        url, {"text": "Misses the price", "tags": "pricing, #Confusion"}, HTTP_HX_REQUEST="true"
    )
    assert Note.objects.get().tags == ["pricing", "confusion"]
    assert '<span class="muted">#pricing</span> <span class="muted">#confusion</span>' in (
        response.content.decode()
    )
    console = designer_client.get(reverse("moderated_console", args=[started.pk]))
    assert 'name="tags"' in console.content.decode() and "#confusion" in console.content.decode()
    too_long = designer_client.post(url, {"text": "Hm", "tags": "x" * 201})
    assert too_long.status_code == 302 and Note.objects.count() == 1


def test_the_console_draws_the_flow_for_a_scripted_study(designer_client, started):
    page = designer_client.get(reverse("moderated_console", args=[started.pk])).content.decode()
    assert 'data-step="ask"' in page
    assert json.dumps(reverse("moderated_feed", args=[started.pk]))[1:-1] in page


# --- The push -----------------------------------------------------------------------------------


@pytest.fixture
def memory_channel(settings):
    settings.LIVE_REDIS_URL = ""
    settings.LIVE_STREAM_SECONDS = 5
    channel._brokers.clear()
    yield
    channel._brokers.clear()


def sse_data(chunk):
    if isinstance(chunk, bytes):
        chunk = chunk.decode()
    return [json.loads(line[6:]) for line in chunk.split("\n") if line.startswith("data: ")]


def test_the_player_stream_replays_commands_after_its_last_id_then_pushes_new_ones(
    client, started, designer, memory_channel, django_capture_on_commit_callbacks
):
    services.command(started, "join", designer)
    services.command(started, "pause", designer)
    seen = started.commands.first().pk

    response = client.get(api("moderated_api_stream", started), HTTP_LAST_EVENT_ID=str(seen))
    body = iter(response.streaming_content)
    replayed = sse_data(next(body)) + sse_data(next(body))
    with django_capture_on_commit_callbacks(execute=True):
        services.command(started, "resume", designer)
    pushed = sse_data(next(body))
    close_stream(response)

    assert [message["kind"] for message in replayed] == ["pause"]
    assert pushed[0]["kind"] == "resume" and pushed[0]["event"] == "command"


def test_the_console_is_nudged_on_the_participants_session_topic(
    started, designer, memory_channel, django_capture_on_commit_callbacks
):
    received = []
    subscription = channel.broker().subscribe(session_topic(started.participant_session_id))
    with django_capture_on_commit_callbacks(execute=True):
        services.command(started, "join", designer)
        services.route(started, "start", "hello", None)
    while (payload := subscription.get(0.1)) is not None:
        received.append(json.loads(payload))
    subscription.close()
    assert [message["event"] for message in received] == ["moderation", "moderation"]
    assert all("id" not in message for message in received)


def test_the_console_stream_waits_for_the_participant(designer_client, moderated):
    response = designer_client.get(reverse("moderated_stream", args=[moderated.pk]))
    assert response.status_code == 409


# --- Replays ------------------------------------------------------------------------------------


def test_the_replay_shows_which_replies_came_from_the_wizard_and_the_notes(
    designer_client, started, designer
):
    services.command(started, "join", designer)
    services.route(started, "ask", "482913", None)
    services.answer(WizardTurn.objects.get(), designer, reply="Let me check.")
    services.route(started, "ask", "still there?", None)
    late = WizardTurn.objects.order_by("id").last()
    services.settle(late, late.deadline)
    services.add_note(started, designer, "Waits patiently")

    session = started.participant_session
    page = designer_client.get(reverse("session_replay", args=[session.pk])).content.decode()

    assert "Moderated by a facilitator" in page
    assert "<strong>the wizard</strong> replied “Let me check.”" in page
    assert "<strong>the script's fallback</strong>" in page and "went on to confused" in page
    assert "Waits patiently" in page


def test_a_designer_quotes_a_note_from_the_replay_and_stops(designer_client, started, designer):
    note = services.add_note(started, designer, "Reads the terms twice", "trust")
    replay = reverse("session_replay", args=[started.participant_session.pk])
    quote = reverse("facilitator_note_quote", args=[note.pk])

    page = designer_client.get(replay).content.decode()
    assert '<span class="tag">#trust</span>' in page
    assert f'action="{quote}"' in page and "Quote in the summary" in page

    response = designer_client.post(quote, {"quoted": "on"})
    assert response.status_code == 302 and response["Location"] == replay
    note.refresh_from_db()
    assert note.quoted
    assert "Stop quoting" in designer_client.get(replay).content.decode()

    designer_client.post(quote)
    note.refresh_from_db()
    assert not note.quoted


def test_only_a_designer_of_the_workspace_quotes_a_note(
    client, viewer, outsider, started, designer
):
    note = services.add_note(started, designer, "Reads the terms twice")
    quote = reverse("facilitator_note_quote", args=[note.pk])
    replay = reverse("session_replay", args=[started.participant_session.pk])

    # The participant (no account) is sent to log in; their session's token opens nothing.
    assert client.post(quote, {"quoted": "on"})["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.post(quote, {"quoted": "on"}).status_code == 404
    client.force_login(viewer)
    assert client.post(quote, {"quoted": "on"}).status_code == 403
    assert "Quote in the summary" not in client.get(replay).content.decode()
    assert client.get(quote).status_code == 405
    note.refresh_from_db()
    assert not note.quoted


def test_a_note_of_a_session_that_never_began_cannot_be_quoted(
    designer_client, moderated, designer
):
    note = services.add_note(moderated, designer, "Ada is late")
    quote = reverse("facilitator_note_quote", args=[note.pk])
    assert designer_client.post(quote, {"quoted": "on"}).status_code == 404


def test_an_unmoderated_replay_has_no_moderation_section(designer_client, scripted_study):
    session = participants.start_session(scripted_study)
    page = designer_client.get(reverse("session_replay", args=[session.pk])).content.decode()
    assert "Moderated by a facilitator" not in page


def test_the_list_of_moderated_sessions_takes_the_same_queries_however_long(
    designer_client, scripted_study, designer, django_assert_max_num_queries
):
    url = reverse("moderated_sessions", args=[scripted_study.pk])
    for name in ("Ada", "Bo"):
        services.schedule(scripted_study, name, timezone.now(), designer)
    with CaptureQueriesContext(connection) as few:
        designer_client.get(url)
    for index in range(6):
        services.schedule(scripted_study, f"P{index}", timezone.now(), designer)
    with django_assert_max_num_queries(len(few)):
        page = designer_client.get(url).content.decode()
    assert page.count("Open the console") == 8


def test_ending_a_session_nobody_started_cancels_its_link(client, moderated, designer):
    services.command(moderated, "end", designer)
    moderated.share_link.refresh_from_db()
    assert moderated.share_link.revoked_at is not None
    assert client.get(moderated.get_absolute_url()).status_code == 410


def test_ending_a_started_session_keeps_its_link_for_the_thank_you_page(started, designer):
    services.command(started, "end", designer)
    started.share_link.refresh_from_db()
    assert started.share_link.revoked_at is None


def test_the_feed_takes_the_same_queries_however_many_events(
    designer_client, started, designer, django_assert_max_num_queries
):
    session = started.participant_session
    screens = list(started.study.prototype_version.screens.all())
    url = reverse("moderated_feed", args=[started.pk])

    def record(count):
        for index in range(count):
            screen = screens[index % len(screens)]
            hotspot = screen.hotspots.first()
            factories.EventFactory(
                session=session, type="click", t_ms=index, screen=screen, hotspot=hotspot
            )

    record(2)
    with CaptureQueriesContext(connection) as few:
        designer_client.get(url)
    record(30)
    with django_assert_max_num_queries(len(few)):
        body = designer_client.get(url).json()
    assert len(body["events"]) == 32


def test_the_controls_work_as_a_plain_form_too(designer_client, moderated):
    url = reverse("moderated_command", args=[moderated.pk])
    console = reverse("moderated_console", args=[moderated.pk])

    joined = designer_client.post(url, {"action": "join"})
    refused = designer_client.post(url, {"action": "resume"}, follow=True)

    assert joined.status_code == 302 and joined["Location"] == console
    assert "Only a paused session can be resumed." in refused.content.decode()
