"""A participant takes a tree test of the shop's navigation in a real browser: on a phone by
tapping, on a laptop by keyboard alone, through a reload and through a lost connection; every
step is axe-clean at both widths. Afterwards the attempts hold what they did."""

from collections import Counter

import pytest
from playwright.sync_api import expect

from prototypes.sessions.models import Event, ParticipantSession, TaskAttempt
from prototypes.treetests.demo import create_navigation_studies
from tests import factories
from tests.e2e import axe
from tests.e2e.drivers import Keyboard, Touch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
CONSENT = "I have read this and I agree."


@pytest.fixture
def study():
    membership = factories.MembershipFactory(role="owner")
    problem = factories.ProblemFactory(workspace=membership.workspace)
    tree_test, _ = create_navigation_studies(
        membership.workspace, membership.user, problem, participants=0
    )
    return tree_test


def start(page, live_server, study, hand):
    page.goto(f"{live_server.url}/s/{study.share_links.get().token}/")
    hand.tick(page.get_by_label(CONSENT))
    hand.press(page.get_by_role("button", name="Start", exact=True))


def begin(page, hand):
    hand.press(page.get_by_role("button", name="Start the task"))
    expect(page.get_by_role("heading", level=2, name="Home")).to_be_visible()


def open_label(page, hand, label):
    hand.press(page.get_by_role("button", name=label, exact=True))
    expect(page.get_by_role("heading", level=2, name=label)).to_be_visible()


def back(page, hand, to):
    hand.press(page.get_by_role("button", name=f"Back to {to}"))
    expect(page.get_by_role("heading", level=2, name=to)).to_be_visible()


def choose(page, hand, label):
    hand.press(page.get_by_role("button", name=f"I'd find it here ({label})"))


def the_session(study):
    return ParticipantSession.objects.get(study=study)


def outcomes(study):
    attempts = TaskAttempt.objects.filter(session__study=study).order_by("task__position")
    return [attempt.outcome for attempt in attempts]


def wait_until_sent(page):
    page.wait_for_function(
        """() => Object.keys(localStorage)
            .filter((key) => key.startsWith("protoplatform.events."))
            .every((key) => JSON.parse(localStorage[key]).events.length === 0)"""
    )


def take_the_whole_test(page, hand, check_axe=None):
    """Task 1 straight to the answer, task 2 after a wrong turn, task 3 skipped, task 4 to a
    wrong label."""
    begin(page, hand)
    if check_axe:
        check_axe("the top level")
    for label in ("Help", "Delivery", "Track a parcel"):
        open_label(page, hand, label)
    if check_axe:
        check_axe("a label with nothing under it")
    choose(page, hand, "Track a parcel")

    begin(page, hand)
    open_label(page, hand, "Shop")
    back(page, hand, "Home")
    for label in ("Help", "Returns", "Return an item"):
        open_label(page, hand, label)
    choose(page, hand, "Return an item")

    begin(page, hand)
    open_label(page, hand, "About us")
    hand.press(page.get_by_role("button", name="I can't find it: skip this task"))

    begin(page, hand)
    for label in ("Shop", "Men", "Shoes"):
        open_label(page, hand, label)
    choose(page, hand, "Shoes")


def test_a_participant_takes_the_tree_test_on_a_phone(live_server, new_page, study):
    page = new_page(**PHONE)
    hand = Touch(page)
    start(page, live_server, study, hand)

    def check(step):
        axe.assert_accessible(page, f"tree test on a phone: {step}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{step}: the page is {width}px wide"

    take_the_whole_test(page, hand, check)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    check("the end")
    assert outcomes(study) == ["direct", "indirect", "gave_up", "gave_up"]
    attempt = TaskAttempt.objects.get(session__study=study, task__position=0)
    assert attempt.first_click_success is True and len(attempt.path) == 3


def test_a_participant_takes_the_tree_test_by_keyboard_alone(live_server, new_page, study):
    page = new_page(**DESKTOP)
    hand = Keyboard(page)
    start(page, live_server, study, hand)
    take_the_whole_test(page, hand, lambda step: axe.assert_accessible(page, f"laptop: {step}"))
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert outcomes(study) == ["direct", "indirect", "gave_up", "gave_up"]
    second = TaskAttempt.objects.get(session__study=study, task__position=1)
    assert second.first_click_success is False


def test_a_reload_resumes_on_the_same_label(live_server, new_page, study):
    page = new_page(**DESKTOP)
    hand = Keyboard(page)
    start(page, live_server, study, hand)
    begin(page, hand)
    open_label(page, hand, "Help")
    open_label(page, hand, "Delivery")
    wait_until_sent(page)
    page.reload()
    expect(page.get_by_role("heading", level=2, name="Delivery")).to_be_visible()
    open_label(page, hand, "Track a parcel")
    choose(page, hand, "Track a parcel")
    expect(page.get_by_role("heading", level=2, name="Home")).to_be_hidden()
    wait_until_sent(page)
    attempt = TaskAttempt.objects.get(session__study=study, task__position=0)
    assert attempt.outcome == "direct"
    assert Counter(the_session(study).events.values_list("type", flat=True)) == Counter(
        task_start=1, tree_step=3, task_end=1
    )


def test_steps_taken_offline_are_stored_once_back_online(live_server, new_page, study):
    page = new_page(**PHONE)
    hand = Touch(page)
    start(page, live_server, study, hand)
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    take_the_whole_test(page, hand)
    session = the_session(study)
    expect(page.get_by_role("heading", name="Saving your answers")).to_be_visible()
    assert not session.events.filter(type="tree_step").exists()
    page.context.set_offline(False)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    wait_until_sent(page)
    session.refresh_from_db()
    assert session.state == ParticipantSession.State.COMPLETED
    steps = Event.objects.filter(session=session, type="tree_step").count()
    assert steps == 3 + 5 + 1 + 3
    assert outcomes(study) == ["direct", "indirect", "gave_up", "gave_up"]


@pytest.mark.parametrize("options", [DESKTOP, PHONE], ids=["laptop", "phone"])
def test_the_designer_pages_of_tree_tests_and_card_sorts_are_accessible(
    live_server, new_page, log_in, options
):
    membership = factories.MembershipFactory(role="owner")
    problem = factories.ProblemFactory(workspace=membership.workspace)
    tree_test, card_sort = create_navigation_studies(
        membership.workspace, membership.user, problem, participants=12
    )
    page = new_page(**options)
    log_in(page, membership.user)
    pages = {
        "tree editor": f"/prototypes/{tree_test.prototype_version.prototype_id}/tree/",
        "tree test task": f"/tasks/{tree_test.tasks.first().pk}/edit/",
        "card sort task": f"/tasks/{card_sort.tasks.get().pk}/edit/",
        "tree test results": f"/studies/{tree_test.pk}/results/",
        "card sort results": f"/studies/{card_sort.pk}/results/",
        "tree test summary": f"/studies/{tree_test.pk}/summary/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_be_visible()
        axe.assert_accessible(page, name)
