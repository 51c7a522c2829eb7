"""The session starts in the background: "Start" shows the first task at once, whatever the
session start's answer takes, and what the participant does meanwhile is stored once the
session has its token, each event once. A refusal that comes late still tells them why.

The session start's request is held (or answered) by Playwright's `page.route`, standing in
for a slow network or a busy server.
"""

from collections import Counter

import pytest
from playwright.sync_api import expect

from prototypes.sessions.models import Event, ParticipantSession
from prototypes.studies.models import Study
from tests.e2e.drivers import Touch
from tests.e2e.test_player_browser import (
    PHONE,
    assert_screen_shown,
    consent_and_start,
    event_counts,
    hotspot,
    share_url,
    two_task_demo_study,
    wait_until_sent,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SESSION_START = "**/api/studies/*/sessions"


@pytest.fixture
def study(db):
    return two_task_demo_study()


def hold_session_start(page):
    """Hold the session start's requests until released; the list of those held."""
    held = []
    page.route(SESSION_START, lambda route: held.append(route))
    return held


def wait_for_session(page):
    """Until the page has the session's token and has sent every event recorded so far."""
    page.wait_for_function(
        "() => Object.keys(localStorage).some((key) => key.startsWith('protoplatform.events.'))"
    )
    wait_until_sent(page)


def test_the_first_screen_shows_while_the_session_starts_and_its_events_are_stored_once(
    live_server, new_page, study
):
    page = new_page(**PHONE)
    hand = Touch(page)
    held = hold_session_start(page)
    page.goto(share_url(live_server, study))
    consent_and_start(page, hand)

    # The task, then its first screen and the next, with the session start still unanswered.
    expect(page.get_by_text("Task 1 of 2")).to_be_visible()
    hand.press(page.get_by_role("button", name="Start the task"))
    assert_screen_shown(page, "Home")
    hand.press(hotspot(page, "Account"))
    assert_screen_shown(page, "Account")
    assert len(held) == 1
    assert not ParticipantSession.objects.exists()

    held[0].continue_()
    wait_for_session(page)
    session = ParticipantSession.objects.get(study=study.study)
    assert event_counts(session) == Counter(task_start=1, click=1, navigate=1)
    events = Event.objects.filter(session=session)
    assert len({event.uuid for event in events}) == events.count() == 3

    # From now on events go out as usual.
    hand.press(hotspot(page, "My orders"))
    assert_screen_shown(page, "Orders")
    wait_until_sent(page)
    assert event_counts(session) == Counter(task_start=1, click=2, navigate=2)


def test_a_study_closed_while_the_session_started_says_so(live_server, new_page, study):
    page = new_page(**PHONE)
    hand = Touch(page)
    held = hold_session_start(page)
    page.goto(share_url(live_server, study))
    consent_and_start(page, hand)
    hand.press(page.get_by_role("button", name="Start the task"))
    assert_screen_shown(page, "Home")

    Study.objects.filter(pk=study.study.pk).update(state=Study.State.CLOSED)
    held[0].continue_()

    expect(page.get_by_text("this study is not accepting participants")).to_be_visible()
    expect(page.locator('[data-phase="prototype"]')).to_be_hidden()
    assert not ParticipantSession.objects.exists()
    assert not Event.objects.exists()


def test_a_session_start_the_server_failed_is_asked_again(live_server, new_page, study):
    page = new_page(**PHONE)
    hand = Touch(page)
    answers = []

    def fail_once(route):
        answers.append(route)
        if len(answers) == 1:
            route.fulfill(status=503, json={"error": "Busy."})
        else:
            route.continue_()

    page.route(SESSION_START, fail_once)
    page.goto(share_url(live_server, study))
    consent_and_start(page, hand)
    hand.press(page.get_by_role("button", name="Start the task"))
    assert_screen_shown(page, "Home")
    hand.press(hotspot(page, "Account"))

    wait_for_session(page)
    assert len(answers) == 2
    session = ParticipantSession.objects.get(study=study.study)
    assert event_counts(session) == Counter(task_start=1, click=1, navigate=1)
