"""Moderated sessions in two browser contexts: a facilitator's console and a participant's
personal link, with the push between them; and a Wizard-of-Oz chat."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from prototypes.authoring.script_publish import create_scripted_prototype, publish_script
from prototypes.live import channel
from prototypes.moderation import services
from prototypes.moderation.models import Note, WizardTurn
from prototypes.sessions.models import Event
from prototypes.studies.models import Study
from tests import factories
from tests.e2e.axe import assert_accessible
from tests.e2e.test_player_browser import wait_until_sent
from tests.unit.test_player_support import build_player_study

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What one browser does shows in the other after a push and a read of the feed (or a poll every
# 2 s): on a machine shared by many test runs that can take longer than expect's 5 s default.
ACROSS = 15_000

CONSENT = "I have read this and I agree."

RETURNS = """\
== start: Returns helper
bot: Hi! What would you like to do?
> Return an item -> pick
> Talk to a person -> agent

== pick: Which order?
bot: Which order is it?
> Use my last order -> done

== done: Return booked [success]
bot: Done!

== agent: Waiting for a person [failure]
bot: A colleague will be with you soon.
"""

PARCEL = """\
== start: Parcel [wizard]
bot: Hi! I'm Parcel. How can I help?
? where, order -> ask
? * -> confused

== ask: Order number [wizard]
bot: What is your order number?
? /\\d{6}/ -> found
? * -> confused

== confused: Not understood [wizard]
bot: Sorry, I did not get that. Could you say it again?
? order -> ask
? * -> handoff

== found: Found it [success]
bot: Order 482913 arrives tomorrow.

== handoff: A person will help [failure]
bot: Let me pass you to a colleague.
"""


@pytest.fixture(autouse=True)
def short_streams(settings):
    # Streams end soon after the pages close, so the live server is idle before teardown.
    settings.LIVE_STREAM_SECONDS = 3
    settings.LIVE_REDIS_URL = ""
    channel._brokers.clear()
    yield
    channel._brokers.clear()


def moderated_study(workspace, designer, script, time_limit_seconds=None):
    prototype = create_scripted_prototype(workspace, designer, "Flow", script)
    version = publish_script(prototype, designer)
    study = factories.StudyFactory(
        workspace=workspace,
        prototype_version=version,
        state=Study.State.LIVE,
        title="Returns",
    )
    task = factories.TaskFactory(
        study=study,
        start_screen=version.screens.get(step="start"),
        instruction="Return the jumper you bought.",
        ask_seq=False,
        time_limit_seconds=time_limit_seconds,
    )
    task.goal_screens.set(version.screens.filter(step="done"))
    return services.schedule(study, "Ada", timezone.now(), designer)


def join(console):
    console.get_by_role("button", name="Join the session").click()
    expect(console.get_by_role("button", name="Leave")).to_be_visible(timeout=ACROSS)


def start_as_participant(participant, url):
    participant.goto(url)
    participant.get_by_label(CONSENT).check()
    participant.get_by_role("button", name="Start", exact=True).click()
    participant.get_by_role("button", name="Start the task").click()


def test_a_moderated_session_end_to_end(live_server, new_page, designer, workspace, log_in):
    moderated = moderated_study(workspace, designer, RETURNS, time_limit_seconds=120)
    console = new_page()
    participant = new_page()
    # The participant's clock can be moved on, to see that a pause stops the task's time limit.
    participant.clock.install()
    log_in(console, designer)
    console.goto(live_server.url + reverse("moderated_console", args=[moderated.pk]))
    join(console)

    participant.goto(live_server.url + moderated.get_absolute_url())
    presence = participant.locator("#moderation-presence")
    expect(presence).to_have_text("Your facilitator is here.", timeout=ACROSS)
    expect(presence).to_have_attribute("aria-live", "polite")
    expect(presence).to_have_attribute("role", "status")
    start_as_participant(participant, live_server.url + moderated.get_absolute_url())

    # What the participant sees and clicks appears on the console.
    expect(console.locator("[data-console=screen-name]")).to_have_text(
        "Returns helper", timeout=ACROSS
    )
    participant.locator("section[data-step]:visible").get_by_role(
        "button", name="Return an item"
    ).click()
    activity = console.locator("[data-console=activity]")
    expect(activity).to_contain_text("Clicked “Return an item” on Returns helper", timeout=ACROSS)
    expect(console.locator("[data-console=screen-name]")).to_have_text(
        "Which order?", timeout=ACROSS
    )
    expect(console.locator("section[data-step=pick]")).to_be_visible(timeout=ACROSS)

    # Notes are timestamped, tagged and stay on the designer's side.
    console.get_by_role("textbox", name="Note").fill("Found the return button at once")
    console.get_by_role("textbox", name="Tags").fill("returns, #Speed")
    console.get_by_role("button", name="Add the note").click()
    expect(console.locator("#notes")).to_contain_text(
        "Found the return button at once #returns #speed", timeout=ACROSS
    )
    note = Note.objects.get()
    assert note.t_ms is not None and note.t_ms > 0
    assert note.tags == ["returns", "speed"]
    assert_accessible(console, "the facilitator's console")
    assert_accessible(participant, "the player with a facilitator there")

    # Pause and resume: the participant is told and cannot click meanwhile, and the task's time
    # limit stops: five minutes of pause do not time out a two-minute task.
    console.get_by_role("button", name="Pause").click()
    expect(participant.locator("#moderation-pause")).to_be_visible(timeout=ACROSS)
    expect(presence).to_contain_text("paused", timeout=ACROSS)
    assert_accessible(participant, "the player paused by the facilitator")
    timer = participant.locator("[data-slot=timer]")
    left = timer.inner_text()
    participant.clock.fast_forward("05:00")
    expect(timer).to_have_text(left)
    expect(participant.locator("[data-slot=ended-dialog]")).to_be_hidden()
    console.get_by_role("button", name="Resume").click()
    expect(participant.locator("#moderation-pause")).to_be_hidden(timeout=ACROSS)
    expect(presence).to_have_text("Your facilitator is here.", timeout=ACROSS)
    participant.clock.fast_forward("00:03")
    expect(timer).not_to_have_text(left)

    # The facilitator moves the participant on: the only task ends, the questions' end comes.
    console.get_by_role("button", name="Next task").click()
    expect(participant.locator("[data-phase=prototype]")).to_be_hidden(timeout=ACROSS)
    console.get_by_role("button", name="End the session").click()
    expect(participant.locator("[data-phase=thanks]")).to_be_visible(timeout=ACROSS)
    expect(presence).to_contain_text("ended the session", timeout=ACROSS)
    expect(console.locator("[data-console=state]")).to_have_text("Ended", timeout=ACROSS)
    assert "Found the return button" not in participant.content()

    # Recorded like any other session, through the events API, once.
    session = moderated.study.sessions.get()
    types = list(Event.objects.filter(session=session).values_list("type", flat=True))
    assert types.count("task_end") == 1 and types.count("session_end") == 1
    assert types.count("click") == 1


def say(participant, text):
    step = participant.locator("section[data-step]:visible")
    step.get_by_label("Your answer").fill(text)
    step.get_by_role("button", name="Send").click()


def wizard_chat(live_server, new_page, designer, workspace, log_in, settings):
    """The Parcel chat with a facilitator in the console and a participant on its first step:
    (moderated, console, participant)."""
    settings.WIZARD_TIMEOUT_SECONDS = 60
    moderated = moderated_study(workspace, designer, PARCEL)
    console = new_page()
    participant = new_page()
    log_in(console, designer)
    console.goto(live_server.url + reverse("moderated_console", args=[moderated.pk]))
    join(console)
    start_as_participant(participant, live_server.url + moderated.get_absolute_url())
    return moderated, console, participant


def test_wizard_of_oz_three_answers_and_a_timeout(
    live_server, new_page, designer, workspace, log_in, settings
):
    moderated, console, participant = wizard_chat(
        live_server, new_page, designer, workspace, log_in, settings
    )
    wizard = console.locator("[data-console=wizard]")
    title = participant.locator("section[data-step]:visible .sketch-title")

    # Turn 1: the facilitator picks the step the script suggests.
    say(participant, "Where is my parcel?")
    expect(participant.locator(".sketch-typing")).to_be_visible(timeout=ACROSS)
    expect(participant.locator("[data-script-status]")).to_have_text(
        "The assistant is typing…", timeout=ACROSS
    )
    expect(wizard.locator("[data-console=turn-text]")).to_have_text(
        "Where is my parcel?", timeout=ACROSS
    )
    wizard.get_by_role("button", name=re.compile(r"^Go to Order number.*script's answer")).click()
    expect(title).to_have_text("Order number", timeout=ACROSS)
    expect(participant.locator(".sketch-typing")).to_have_count(0)

    # Turn 2: the facilitator types the bot's reply; the participant stays on the step.
    say(participant, "I don't have it here")
    expect(wizard.locator("[data-console=turn-text]")).to_have_text(
        "I don't have it here", timeout=ACROSS
    )
    wizard.get_by_label("Or type the bot's reply").fill("It is in your confirmation e-mail.")
    wizard.get_by_role("button", name="Send the reply").click()
    expect(participant.locator("section[data-step=ask] .sketch-bot").last).to_have_text(
        "It is in your confirmation e-mail.", timeout=ACROSS
    )
    expect(title).to_have_text("Order number", timeout=ACROSS)

    # Turn 3: against the script (which would find the order), the wizard picks another step.
    say(participant, "It's 482913")
    expect(wizard.locator("[data-console=turn-text]")).to_have_text("It's 482913", timeout=ACROSS)
    wizard.get_by_label("Or go to any step").select_option("confused")
    wizard.get_by_role("button", name="Go there").click()
    expect(title).to_have_text("Not understood", timeout=ACROSS)

    # Turn 4: nobody answers: the step's fallback does, when the time is up.
    settings.WIZARD_TIMEOUT_SECONDS = 1
    say(participant, "hello?")
    expect(participant.locator(".sketch-typing")).to_be_visible(timeout=ACROSS)
    # The fallback is an ending: the flow ends there and, with its only task, the study.
    expect(participant.locator("[data-phase=thanks]")).to_be_visible(timeout=ACROSS)
    handoff = moderated.study.prototype_version.screens.get(step="handoff")
    assert Event.objects.filter(type="navigate", screen=handoff).count() == 1

    turns = list(WizardTurn.objects.order_by("id").values_list("state", "target", "reply"))
    assert turns == [
        ("answered", "ask", ""),
        ("answered", "", "It is in your confirmation e-mail."),
        ("answered", "confused", ""),
        ("timed_out", "handoff", ""),
    ]
    texts = Event.objects.filter(type="text").values_list("data__text", flat=True)
    assert list(texts) == ["Where is my parcel?", "I don't have it here", "It's 482913", "hello?"]


def test_a_participant_who_reloads_while_the_wizard_answers_is_not_asked_again(
    live_server, new_page, designer, workspace, log_in, settings
):
    moderated, console, participant = wizard_chat(
        live_server, new_page, designer, workspace, log_in, settings
    )
    wizard = console.locator("[data-console=wizard]")

    say(participant, "Where is my parcel?")
    expect(wizard.locator("[data-console=turn-text]")).to_have_text(
        "Where is my parcel?", timeout=ACROSS
    )
    participant.reload()
    # The reloaded page waits for the same answer: the bot is typing, nothing is asked again.
    expect(participant.locator(".sketch-typing")).to_be_visible(timeout=ACROSS)
    wizard.get_by_role("button", name=re.compile(r"^Go to Order number.*script's answer")).click()
    expect(participant.locator("section[data-step]:visible .sketch-title")).to_have_text(
        "Order number", timeout=ACROSS
    )

    wait_until_sent(participant)
    assert WizardTurn.objects.count() == 1
    texts = Event.objects.filter(type="text").values_list("data__text", flat=True)
    assert list(texts) == ["Where is my parcel?"]


def test_the_console_shows_a_paper_prototypes_screen_clicks_and_misclicks(
    live_server, new_page, log_in
):
    setup = build_player_study()
    designer = factories.MembershipFactory(workspace=setup.study.workspace, role="designer").user
    moderated = services.schedule(setup.study, "Bo", timezone.now(), designer)
    console = new_page()
    participant = new_page()
    log_in(console, designer)
    console.goto(live_server.url + reverse("moderated_console", args=[moderated.pk]))
    join(console)
    start_as_participant(participant, live_server.url + moderated.get_absolute_url())

    participant.get_by_role("button", name="My orders").click()
    expect(console.locator("[data-console=screen-name]")).to_have_text("Orders", timeout=ACROSS)
    participant.locator("[data-slot=screen]").click(position={"x": 5, "y": 5})
    misses = console.locator("[data-console=clicks] .moderation-click.is-miss")
    expect(misses).to_have_count(1, timeout=ACROSS)
    expect(console.locator("[data-console=image]")).to_have_attribute("alt", "Orders")
    expect(console.locator("[data-console=activity]")).to_contain_text(
        "Clicked “My orders” on Home", timeout=ACROSS
    )
    assert_accessible(console, "the console of a paper prototype")

    console.get_by_role("button", name="Next task").click()
    expect(participant.locator("[data-phase=seq]")).to_be_visible(timeout=ACROSS)
