"""A participant sorts cards in a real browser: by dragging them with a finger on a phone
and by keyboard alone on a laptop, naming new groups of an open sort, through a reload and
through a lost connection; every step is axe-clean at both widths. Afterwards the report
holds their sort."""

from collections import Counter

import pytest
from playwright.sync_api import expect

from prototypes.cardsorts.models import Card
from prototypes.reports.metrics import build_report
from prototypes.sessions.models import Event, ParticipantSession, TaskAttempt
from prototypes.treetests.demo import create_navigation_studies
from tests import factories
from tests.e2e import axe
from tests.e2e.drivers import Keyboard, Touch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
CONSENT = "I have read this and I agree."
CARDS = ["Apples", "Pears", "Boots", "Sandals"]


@pytest.fixture
def study():
    """The demo's open card sort, with four cards to keep the test short."""
    membership = factories.MembershipFactory(role="owner")
    problem = factories.ProblemFactory(workspace=membership.workspace)
    _, card_sort = create_navigation_studies(
        membership.workspace, membership.user, problem, participants=0
    )
    task = card_sort.tasks.get()
    task.cards.all().delete()
    Card.objects.bulk_create(Card(task=task, text=text, position=i) for i, text in enumerate(CARDS))
    return card_sort


def start(page, live_server, study, hand):
    page.goto(f"{live_server.url}/s/{study.share_links.get().token}/")
    hand.tick(page.get_by_label(CONSENT))
    hand.press(page.get_by_role("button", name="Start", exact=True))
    hand.press(page.get_by_role("button", name="Start the task"))
    expect(page.get_by_role("heading", level=2, name="Cards to sort")).to_be_visible()


def card(page, text):
    return page.get_by_role("button", name=text, exact=True)


def group(page, name):
    return page.locator(".sort-group").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def touch_drag(page, source, target):
    """A finger pressing on ``source``, moving in steps, resting on ``target`` and lifting
    there (the browser turns the touches into pointer events, as on a phone).

    The rest matters: ten moves sent at once and a lift at full speed read to Chromium as a
    fling, and headless Chromium then swallows the next tap anywhere on the page (its touch
    and pointer events arrive, no click follows) even though nothing scrolled. A person
    putting a card on a group stops over it before lifting."""
    cdp = page.context.new_cdp_session(page)
    start, end = source.bounding_box(), target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = end["x"] + end["width"] / 2, end["y"] + end["height"] / 2
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for step in range(1, 11):
        x, y = x0 + (x1 - x0) * step / 10, y0 + (y1 - y0) * step / 10
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    page.wait_for_timeout(150)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x1, "y": y1}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def drag_to_new_group(page, text, name):
    new = page.locator(".sort-group-new")
    new.scroll_into_view_if_needed()
    touch_drag(page, card(page, text), new)
    field = page.locator(".sort-group").filter(has=card(page, text)).locator(".sort-group-name")
    expect(field).to_be_visible()
    field.fill(name)
    field.press("Enter")
    field.blur()
    expect(group(page, name)).to_be_visible()


def drag_into(page, text, name):
    target = group(page, name)
    touch_drag(page, card(page, text), target)
    expect(target.get_by_role("button", name=text, exact=True)).to_be_visible()


def wait_until_sent(page):
    page.wait_for_function(
        """() => Object.keys(localStorage)
            .filter((key) => key.startsWith("protoplatform.events."))
            .every((key) => JSON.parse(localStorage[key]).events.length === 0)"""
    )


def sorted_groups(study):
    nav = build_report(study).tasks[0].navigation
    return nav


def test_a_participant_sorts_cards_by_touch_drag_on_a_phone(live_server, new_page, study):
    page = new_page(**PHONE)
    hand = Touch(page)
    start(page, live_server, study, hand)
    axe.assert_accessible(page, "card sort on a phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    drag_to_new_group(page, "Apples", "Fruit")
    drag_into(page, "Pears", "Fruit")
    drag_to_new_group(page, "Boots", "Shoes")
    drag_into(page, "Sandals", "Shoes")
    axe.assert_accessible(page, "card sort on a phone, sorted")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    hand.press(page.get_by_role("button", name="I'm done sorting"))
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()

    nav = sorted_groups(study)
    assert nav.participants == 1
    assert nav.similarity.share[0, 1] == 1 and nav.similarity.share[0, 2] == 0
    assert sorted(nav.groups) == ["Fruit", "Shoes"]


def test_a_participant_sorts_cards_by_keyboard_alone(live_server, new_page, study):
    page = new_page(**DESKTOP)
    hand = Keyboard(page)
    start(page, live_server, study, hand)
    axe.assert_accessible(page, "card sort on a laptop")

    # Every card must be sorted: "done" too early says so and changes nothing.
    hand.press(page.get_by_role("button", name="I'm done sorting"))
    expect(page.get_by_role("alert")).to_contain_text("4 cards are still to sort")

    for text, name, new in [
        ("Apples", "Fruit", True),
        ("Pears", "Fruit", False),
        ("Boots", "Shoes", True),
        ("Sandals", "Shoes", False),
    ]:
        hand.press(card(page, text))
        expect(card(page, text)).to_have_attribute("aria-pressed", "true")
        menu = page.get_by_role("group", name=f"Put “{text}” in")
        if new:
            hand.type_in(menu.get_by_role("textbox", name="A new group named"), name)
            page.keyboard.press("Enter")
        else:
            hand.press(menu.get_by_role("button", name=name, exact=True))
        expect(group(page, name).get_by_role("button", name=text, exact=True)).to_be_visible()
        if text == "Pears":
            axe.assert_accessible(page, "card sort on a laptop, a card picked")
    hand.press(page.get_by_role("button", name="I'm done sorting"))
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert sorted(sorted_groups(study).groups) == ["Fruit", "Shoes"]
    attempt = TaskAttempt.objects.get(session__study=study)
    assert (attempt.outcome, attempt.clicks) == ("direct", 4)


def test_a_reload_keeps_the_cards_already_sorted(live_server, new_page, study):
    page = new_page(**DESKTOP)
    hand = Keyboard(page)
    start(page, live_server, study, hand)
    hand.press(card(page, "Apples"))
    hand.type_in(page.get_by_role("textbox", name="A new group named"), "Fruit")
    page.keyboard.press("Enter")
    expect(group(page, "Fruit").get_by_role("button", name="Apples")).to_be_visible()
    wait_until_sent(page)
    page.reload()
    expect(group(page, "Fruit").get_by_role("button", name="Apples")).to_be_visible()
    for text, name in [("Pears", "Fruit"), ("Boots", "Fruit"), ("Sandals", "Fruit")]:
        hand.press(card(page, text))
        hand.press(
            page.get_by_role("group", name=f"Put “{text}” in").get_by_role("button", name=name)
        )
    hand.press(page.get_by_role("button", name="I'm done sorting"))
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    session = ParticipantSession.objects.get(study=study)
    assert Counter(session.events.values_list("type", flat=True)) == Counter(
        task_start=1, card_place=4, task_end=1, session_end=1
    )


def sort_by_keyboard(page, hand):
    for text, name, new in [
        ("Apples", "Fruit", True),
        ("Pears", "Fruit", False),
        ("Boots", "Shoes", True),
        ("Sandals", "Shoes", False),
    ]:
        hand.press(card(page, text))
        menu = page.get_by_role("group", name=f"Put “{text}” in")
        if new:
            hand.type_in(menu.get_by_role("textbox", name="A new group named"), name)
            page.keyboard.press("Enter")
        else:
            hand.press(menu.get_by_role("button", name=name, exact=True))
        expect(group(page, name).get_by_role("button", name=text, exact=True)).to_be_visible()


def test_cards_sorted_offline_are_stored_once_back_online(live_server, new_page, study):
    page = new_page(**DESKTOP)
    hand = Keyboard(page)
    start(page, live_server, study, hand)
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    sort_by_keyboard(page, hand)
    hand.press(page.get_by_role("button", name="I'm done sorting"))
    expect(page.get_by_role("heading", name="Saving your answers")).to_be_visible()
    session = ParticipantSession.objects.get(study=study)
    assert not Event.objects.filter(session=session, type="card_place").exists()
    page.context.set_offline(False)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert Event.objects.filter(session=session, type="card_place").count() == 4
    assert sorted(sorted_groups(study).groups) == ["Fruit", "Shoes"]
