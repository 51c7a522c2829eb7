"""A designer replays a recorded session in a real browser: each click is drawn where it landed
on the drawn screen, in the order it happened, misclicks apart from hotspot clicks."""

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.player.demo import simulate_participants
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.demo import FIRST_IMPRESSIONS, create_demo_study
from prototypes.studies.models import Study
from tests import factories
from tests.e2e import axe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# How far (in CSS pixels) a drawn mark's centre may be from x * width, y * height of the screen.
TOLERANCE_PX = 2


@pytest.fixture
def recorded(db):
    """A finished demo session, recorded through the ingestion service, and its study's owner."""
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    study = create_demo_study(membership.workspace, membership.user, versions["shop"])
    simulate_participants(study, count=3)
    session = (
        ParticipantSession.objects.filter(study=study, events__type="misclick")
        .distinct()
        .order_by("pk")
        .first()
    )
    return session, membership.user


def timeline(data, skip_idle=True):
    """Each event's position on the replay's clock, as replay.js computes it."""
    cap = data["idle_cap_ms"] if skip_idle else float("inf")
    at, previous, positions = 0, 0, []
    events = data["events"]
    for index, event in enumerate(events):
        pause = min(event["t"] - previous, cap)
        if (
            index
            and events[index - 1]["type"] in ("click", "misclick")
            and event["type"] in ("navigate", "task_end")
        ):
            pause = max(pause, data["click_hold_ms"])
        at += pause
        previous = event["t"]
        positions.append(at)
    return positions


def seek(page, position):
    page.evaluate(
        """(position) => {
            const scrubber = document.querySelector('[data-action="seek"]');
            scrubber.value = String(position);
            scrubber.dispatchEvent(new Event("input", { bubbles: true }));
        }""",
        position,
    )


def centre(box):
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 375, "height": 667}]
)
def test_clicks_are_drawn_where_they_landed_and_in_order(
    live_server, page, recorded, viewport, log_in
):
    session, owner = recorded
    page.set_viewport_size(viewport)
    log_in(page, owner)
    page.goto(live_server.url + reverse("session_replay", args=[session.pk]))
    data = json.loads(page.locator("#replay-data").text_content())
    positions = timeline(data)
    events = data["events"]
    clicks = [index for index, event in enumerate(events) if event["type"] in ("click", "misclick")]
    assert clicks and any(events[index]["type"] == "misclick" for index in clicks)

    # Before Play: the first screen and the whole list of events, none of it happened yet.
    first = next(event for event in events if event.get("screen") is not None)
    expect(page.locator('[data-slot="image"]')).to_have_attribute(
        "src", data["screens"][str(first["screen"])]["image"]
    )
    expect(page.locator('[data-slot="caption"]')).to_contain_text("Before Play")
    expect(page.locator('[data-slot="log"] li')).to_have_count(len(events))
    expect(page.locator('[data-slot="log"] li.is-future')).to_have_count(len(events))
    for index in clicks:
        event = events[index]
        seek(page, positions[index])
        mark = page.locator(f'[data-event="{event["id"]}"]')
        expect(mark).to_be_visible()
        expect(mark).to_have_class(
            "replay-mark "
            + ("replay-click" if event["type"] == "click" else "replay-misclick")
            + " is-latest"
        )
        image = page.locator('[data-slot="image"]')
        expect(image).to_have_attribute("src", data["screens"][str(event["screen"])]["image"])
        page.wait_for_function(
            "(image) => image.complete && image.naturalWidth > 0", arg=image.element_handle()
        )
        surface = page.locator('[data-slot="surface"]').bounding_box()
        x, y = centre(mark.bounding_box())
        assert abs(x - (surface["x"] + event["x"] * surface["width"])) <= TOLERANCE_PX
        assert abs(y - (surface["y"] + event["y"] * surface["height"])) <= TOLERANCE_PX
        # The clicks on this screen so far are numbered in the order they happened.
        shown = page.locator(".replay-mark[data-order]")
        numbers = [
            int(value)
            for value in shown.evaluate_all("(marks) => marks.map((m) => m.dataset.order)")
        ]
        assert numbers == list(range(1, len(numbers) + 1))
        ids = shown.evaluate_all("(marks) => marks.map((m) => Number(m.dataset.event))")
        assert ids[-1] == event["id"]
        order = [event["id"] for event in events]
        assert [order.index(pk) for pk in ids] == sorted(order.index(pk) for pk in ids)
        # The log marks every event so far as past, and lists the rest as still to come.
        expect(page.locator('[data-slot="log"] li:not(.is-future)')).to_have_count(index + 1)

    axe.assert_accessible(page, f"replay at {viewport['width']} px")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    seek(page, positions[-1])
    expect(page.locator('[data-slot="interlude"]')).to_have_text(
        "The participant finished the session."
    )


def test_play_pause_speed_and_idle_time(live_server, page, recorded, log_in):
    session, owner = recorded
    log_in(page, owner)
    page.goto(live_server.url + reverse("session_replay", args=[session.pk]))
    data = json.loads(page.locator("#replay-data").text_content())
    scrubber = page.locator('[data-action="seek"]')
    assert float(scrubber.get_attribute("max")) == timeline(data)[-1]

    # Without skipping, the clock runs as long as the session did.
    page.get_by_role("switch").uncheck()
    assert float(scrubber.get_attribute("max")) == timeline(data, skip_idle=False)[-1]
    page.get_by_role("switch").check()

    page.get_by_label("Speed").select_option("4")
    play = page.get_by_role("button", name="Play")
    play.click()
    expect(page.get_by_role("button", name="Pause")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        """() => Number(document.querySelector('[data-action="seek"]').value) > 6000"""
    )
    page.get_by_role("button", name="Pause").click()
    stopped = float(scrubber.input_value())
    page.wait_for_timeout(300)
    assert float(scrubber.input_value()) == stopped
    expect(page.locator('[data-slot="log"] li').first).to_be_visible()
    # A line of the log takes the replay back to that moment.
    page.locator('[data-slot="log"] li button').first.click()
    assert float(scrubber.input_value()) == timeline(data)[0]
    expect(page.locator('[data-slot="log"] li:not(.is-future)')).to_have_count(1)


def test_an_attempt_link_starts_the_replay_at_its_task(live_server, page, recorded, log_in):
    session, owner = recorded
    log_in(page, owner)
    task = session.study.tasks.order_by("position")[1]
    page.goto(live_server.url + reverse("session_replay", args=[session.pk]) + f"#task-{task.pk}")
    data = json.loads(page.locator("#replay-data").text_content())
    start = next(
        index
        for index, event in enumerate(data["events"])
        if event["type"] == "task_start" and event["task"] == task.pk
    )
    expect(page.locator('[data-slot="log"] li:not(.is-future)')).to_have_count(start + 1)
    expect(page.locator('[data-slot="caption"]')).to_contain_text("Task 2 of 3")


def test_a_first_click_is_replayed_against_the_target_area(live_server, page, db, log_in):
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    create_demo_study(membership.workspace, membership.user, versions["shop"])
    study = Study.objects.get(title=FIRST_IMPRESSIONS["title"])
    simulate_participants(study, count=6)
    log_in(page, membership.user)
    task = study.tasks.get(kind="first_click")
    for session in ParticipantSession.objects.filter(study=study):
        page.goto(live_server.url + reverse("session_replay", args=[session.pk]))
        data = json.loads(page.locator("#replay-data").text_content())
        [index] = [
            i
            for i, event in enumerate(data["events"])
            if event["type"] == "misclick" and event["task"] == task.pk
        ]
        click = data["events"][index]
        seek(page, timeline(data)[index])
        expect(page.locator(".replay-target")).to_be_visible()
        inside = task.target_contains(click["x"], click["y"])
        expect(page.locator(f'[data-event="{click["id"]}"]')).to_have_class(
            "replay-mark " + ("replay-click" if inside else "replay-misclick") + " is-latest"
        )
