"""Watching a participant live, in separate browser contexts: each click and misclick appears on
every observer's screen as it lands, notes reach the other observers (never the participant),
and an observer who reloads, or whose connection drops, catches up from the stored events."""

import pytest
from playwright.sync_api import expect

from prototypes.live import channel, observe
from prototypes.live.models import ObserverInvite
from prototypes.sessions.models import ParticipantSession
from prototypes.studies import participants
from tests import factories
from tests.e2e import axe
from tests.e2e.conftest import PHONE
from tests.e2e.drivers import Mouse
from tests.e2e.test_player_browser import (
    DESKTOP,
    begin_task,
    consent_and_start,
    hotspot,
    share_url,
    two_task_demo_study,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def short_streams(settings, monkeypatch):
    # In memory (one live server process); short streams end and reconnect during the test,
    # and let the server's threads finish before the database is emptied.
    settings.LIVE_REDIS_URL = ""
    settings.LIVE_STREAM_SECONDS = 3
    monkeypatch.setattr(channel, "HEARTBEAT_SECONDS", 1)
    channel._brokers.clear()


@pytest.fixture
def study(db):
    study = two_task_demo_study()
    observe.allow(study.study, True)
    study.study.refresh_from_db()
    return study


def clicks_logged(page, kind="click"):
    return page.locator(f'[data-slot="log"] li[data-type="{kind}"]')


def observe_session(live_server, log_in, new_page, user, session):
    page = new_page(**DESKTOP)
    log_in(page, user)
    page.goto(f"{live_server.url}/live/sessions/{session.pk}/")
    expect(page.locator('[data-slot="connection"]')).to_have_text("Live")
    return page


def test_observers_see_each_click_as_it_lands_and_catch_up_after_a_reload(
    live_server, new_page, log_in, study
):
    participant = new_page(**DESKTOP)
    hand = Mouse(participant)
    participant.goto(share_url(live_server, study))
    expect(participant.get_by_text("watch your session live")).to_be_visible()
    consent_and_start(participant, hand)
    begin_task(participant, hand, 1)
    session = ParticipantSession.objects.get(study=study.study)
    owner = study.study.workspace.memberships.get().user
    viewer = factories.MembershipFactory(workspace=study.study.workspace, role="viewer").user
    observers = [
        observe_session(live_server, log_in, new_page, user, session) for user in (owner, viewer)
    ]
    for page in observers:
        expect(page.locator('[data-slot="screen-name"]')).to_have_text("Home")

    for number, (label, screen) in enumerate([("Account", "Account"), ("My orders", "Orders")], 1):
        hand.press(hotspot(participant, label))
        for page in observers:
            expect(clicks_logged(page)).to_have_count(number)
            expect(page.locator('[data-slot="screen-name"]')).to_have_text(screen)
            expect(page.locator('[data-slot="surface"] .live-click')).to_have_count(0)

    # A misclick lands where it was made, as a mark on the observers' picture of the screen.
    participant.locator('[data-slot="screen"] img.player-image').click(position={"x": 3, "y": 3})
    for page in observers:
        expect(page.locator('[data-slot="surface"] .live-misclick')).to_have_count(1)
        expect(page.locator('[data-slot="misclicks"]')).to_have_text("1")

    # A note from one observer reaches the other, never the participant.
    writer, reader = observers
    writer.get_by_role("textbox", name="Note").fill("Looks for the order under Account")
    writer.get_by_role("textbox", name="Tags").fill("navigation")
    writer.get_by_role("button", name="Add note").click()
    expect(reader.locator('[data-slot="notes"]')).to_contain_text(
        "Looks for the order under Account"
    )
    expect(reader.locator('[data-slot="notes"]')).to_contain_text("#navigation")
    assert "Looks for the order" not in participant.content()

    # A reload replays the whole session, then goes on live.
    reader.reload()
    expect(reader.locator('[data-slot="connection"]')).to_have_text("Live")
    expect(clicks_logged(reader)).to_have_count(2)
    expect(clicks_logged(reader, "misclick")).to_have_count(1)
    expect(reader.locator('[data-slot="notes"] li')).to_have_count(1)
    hand.press(hotspot(participant, "Order 1042"))
    for page in observers:
        expect(clicks_logged(page)).to_have_count(3)


def test_an_observer_whose_connection_drops_catches_up_on_what_they_missed(
    live_server, new_page, log_in, study
):
    participant = new_page(**DESKTOP)
    hand = Mouse(participant)
    participant.goto(share_url(live_server, study))
    consent_and_start(participant, hand)
    begin_task(participant, hand, 1)
    session = ParticipantSession.objects.get(study=study.study)
    owner = study.study.workspace.memberships.get().user
    watcher = observe_session(live_server, log_in, new_page, owner, session)

    watcher.context.set_offline(True)
    hand.press(hotspot(participant, "Account"))
    hand.press(hotspot(participant, "My orders"))
    expect(participant.locator('[data-slot="screen-name"]')).to_have_text("Orders")
    watcher.context.set_offline(False)

    expect(clicks_logged(watcher)).to_have_count(2, timeout=15_000)
    expect(watcher.locator('[data-slot="screen-name"]')).to_have_text("Orders")
    # Each event once, however the catch-up and the live messages overlapped.
    ids = watcher.locator('[data-slot="log"] li').evaluate_all(
        "items => items.map((item) => item.dataset.eventId)"
    )
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["laptop", "phone"])
def test_the_live_pages_have_no_serious_accessibility_problem(
    live_server, new_page, log_in, study, viewport
):
    session = participants.start_session(study.study, link=study.link)
    ObserverInvite.objects.create(study=study.study, label="Sam from sales")
    owner = study.study.workspace.memberships.get().user
    page = new_page(**viewport)
    log_in(page, owner)
    found = []
    for path in (f"/studies/{study.study.pk}/live/", f"/live/sessions/{session.pk}/"):
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_be_visible()
        blocking = [v for v in axe.violations(page) if v["impact"] in axe.BLOCKING_IMPACTS]
        if blocking:
            found.append(f"== {path}\n{axe.describe(blocking)}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["viewport"]["width"]:
            found.append(f"== {path}: {width} px wide")
    assert not found, "\n".join(found)
