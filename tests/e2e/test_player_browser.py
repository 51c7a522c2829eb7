"""A participant takes a study in a real browser: on a phone by tapping, on a desktop with the
keyboard alone, through a reload and through a lost connection. Afterwards the database must
hold exactly what they did: each event once, attempts with the right outcomes, their answers.

The study is the demo's (paper sketches of a shop app), cut to two tasks with a SEQ after each,
then the SUS and an open question.
"""

from collections import Counter
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.authoring.models import Screen
from prototypes.authoring.script_demo import create_demo_assistant
from prototypes.sessions.models import Answer, Event, ParticipantSession, TaskAttempt
from prototypes.studies.demo import OPEN_QUESTION, create_demo_study
from prototypes.studies.models import Question, Study
from tests import factories
from tests.e2e.drivers import Keyboard, Touch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# The hotspots along each task's expected path, and the screens they lead to.
FIND_ORDER = [("Account", "Account"), ("My orders", "Orders"), ("Order 1042", "Order detail")]
CONTACT_US = [("Help", "Help"), ("Contact us", "Contact")]
OPEN_ANSWER = "Put the order status on the home screen."


@pytest.fixture
def study(db):
    return two_task_demo_study()


def two_task_demo_study():
    """The demo study cut to its first two tasks, with what the tests need to know of it."""
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    study = create_demo_study(membership.workspace, membership.user, versions["shop"])
    study.tasks.filter(position__gte=2).delete()
    tasks = list(study.tasks.order_by("position"))
    screens = {screen.name: screen.pk for screen in versions["shop"].screens.all()}
    assert [task.expected_path for task in tasks] == [
        [screens[name] for name in ("Home", "Account", "Orders", "Order detail")],
        [screens[name] for name in ("Home", "Help", "Contact")],
    ]
    return SimpleNamespace(
        study=study,
        link=study.share_links.get(),
        tasks=tasks,
        screens=screens,
        sus=study.questions.get(kind=Question.Kind.SUS),
        open=study.questions.get(kind=Question.Kind.OPEN),
    )


def share_url(live_server, study):
    return f"{live_server.url}/s/{study.link.token}/"


# What the page shows -------------------------------------------------------------------------


def announcer(page):
    return page.locator('[data-slot="announcer"]')


def focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def assert_no_horizontal_scroll(page, width=375):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page scrolls sideways: {scroll_width}px wide"


def assert_screen_shown(page, name):
    """The screen is on show, announced to screen readers, with the focus on its name."""
    expect(page.locator('[data-slot="screen-name"]')).to_have_text(name)
    expect(announcer(page)).to_have_text(f"Screen: {name}")
    assert announcer(page).get_attribute("aria-live") == "polite"
    assert focused_id(page) == "screen-title"
    image = page.locator('[data-slot="screen"] img.player-image')
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_frame_fits(page)


def assert_frame_fits(page):
    """The screen's frame lies wholly inside the stage, no part of the prototype cut off (by
    the next frame at the latest: the player lays the frame out when the stage resizes)."""
    page.wait_for_function(FRAME_FITS, timeout=1000)


FRAME_FITS = """() => {
  const frame = document.querySelector('[data-slot="frame"]').getBoundingClientRect();
  const stage = document.querySelector('[data-slot="stage"]').getBoundingClientRect();
  return frame.top >= stage.top - 1 && frame.left >= stage.left - 1
    && frame.bottom <= stage.bottom + 1 && frame.right <= stage.right + 1;
}"""


QUEUED_EVENTS = """() => Object.keys(localStorage)
    .filter((key) => key.startsWith("protoplatform.events."))
    .reduce((count, key) => count + JSON.parse(localStorage[key]).events.length, 0)"""


def queued_events(page):
    """How many events wait in the page's stored queue."""
    return page.evaluate(QUEUED_EVENTS)


def wait_until_sent(page):
    """Until the server has acknowledged every event the page recorded (the queue forgets an
    event only then). Watching the browser rather than polling the database keeps the test's
    reads out of the way of the server's writes."""
    page.wait_for_function(f"() => ({QUEUED_EVENTS})() === 0")


def player_status(page):
    # The player's own live region, not the page's messages region (also a status).
    return page.locator(".player-status")


def hotspot(page, label):
    return page.get_by_role("button", name=label, exact=True)


# Driving the page: by touch, or by keyboard alone ---------------------------------------------


def consent_and_start(page, hand):
    expect(page.get_by_role("heading", name="Where is my order?")).to_be_visible()
    hand.tick(page.get_by_role("checkbox", name="I have read this and I agree."))
    hand.press(page.get_by_role("button", name="Start", exact=True))


def begin_task(page, hand, number):
    expect(page.get_by_text(f"Task {number} of 2")).to_be_visible()
    assert focused_id(page) == "task-intro-title"
    hand.press(page.get_by_role("button", name="Start the task"))
    assert_screen_shown(page, "Home")


def follow(page, hand, route, check=lambda: None):
    for label, screen in route:
        hand.press(hotspot(page, label))
        if screen in ("Order detail", "Contact"):
            break
        assert_screen_shown(page, screen)
        check()
    # The goal ends the task.
    expect(page.get_by_role("heading", name="Task complete")).to_be_visible()
    hand.press(page.get_by_role("dialog").get_by_role("button", name="Continue"))


def answer_seq(page, hand, value):
    expect(page.get_by_role("heading", name="how difficult or easy")).to_be_visible()
    assert focused_id(page) == "seq-title"
    hand.tick(page.get_by_role("radio", name=str(value), exact=True))
    hand.press(page.get_by_role("button", name="Continue"))


def answer_sus(page, hand, values):
    expect(page.get_by_role("heading", name="Please rate how much you agree")).to_be_visible()
    assert focused_id(page) == "question-title"
    items = page.locator("fieldset.player-sus-item")
    expect(items).to_have_count(10)
    for index, value in enumerate(values):
        hand.tick(items.nth(index).get_by_role("radio", name=str(value), exact=True))
    hand.press(page.get_by_role("button", name="Continue"))


def answer_open(page, hand, text):
    expect(page.get_by_role("heading", name=OPEN_QUESTION)).to_be_visible()
    assert focused_id(page) == "question-title"
    hand.type_in(page.get_by_role("textbox", name=OPEN_QUESTION), text)
    hand.press(page.get_by_role("button", name="Continue"))


# What the database holds ---------------------------------------------------------------------


def the_session(study):
    return ParticipantSession.objects.get(study=study.study)


def event_counts(session):
    return Counter(Event.objects.filter(session=session).values_list("type", flat=True))


def complete_study_events():
    return Counter(task_start=2, click=5, navigate=5, task_end=2, answer=2 + 2, session_end=1)


def assert_completed_directly(study, seqs, sus, open_answer):
    session = the_session(study)
    assert session.state == ParticipantSession.State.COMPLETED
    assert session.finished_at is not None
    assert session.dropped_events == 0
    assert event_counts(session) == complete_study_events()
    attempts = list(TaskAttempt.objects.filter(session=session).order_by("task__position"))
    assert [attempt.outcome for attempt in attempts] == ["direct", "direct"]
    assert [attempt.path for attempt in attempts] == [task.expected_path for task in study.tasks]
    assert [attempt.clicks for attempt in attempts] == [3, 2]
    assert [attempt.misclicks for attempt in attempts] == [0, 0]
    assert all(attempt.first_click_success for attempt in attempts)
    assert [attempt.seq for attempt in attempts] == seqs
    answers = Answer.objects.filter(session=session)
    answers = {answer.question_id: answer.value for answer in answers}
    assert answers == {study.sus.pk: sus, study.open.pk: open_answer}


# The tests -----------------------------------------------------------------------------------


def test_a_participant_completes_the_study_on_a_phone(live_server, new_page, study):
    page = new_page(**PHONE)
    hand = Touch(page)
    page.goto(share_url(live_server, study))
    assert_no_horizontal_scroll(page)
    consent_and_start(page, hand)

    begin_task(page, hand, 1)
    for label in ("Account", "Help"):
        expect(hotspot(page, label)).to_be_visible()
    assert_no_horizontal_scroll(page)
    follow(page, hand, FIND_ORDER, check=lambda: assert_no_horizontal_scroll(page))
    assert_no_horizontal_scroll(page)
    answer_seq(page, hand, 6)

    begin_task(page, hand, 2)
    follow(page, hand, CONTACT_US, check=lambda: assert_no_horizontal_scroll(page))
    answer_seq(page, hand, 5)

    sus = [4, 2, 5, 1, 4, 2, 5, 1, 4, 2]
    answer_sus(page, hand, sus)
    assert_no_horizontal_scroll(page)
    answer_open(page, hand, OPEN_ANSWER)

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_completed_directly(study, seqs=[6, 5], sus=sus, open_answer=OPEN_ANSWER)


def test_a_participant_completes_the_study_by_keyboard_alone(live_server, new_page, study):
    page = new_page(**DESKTOP)
    page.add_init_script(
        "window.pointerDowns = 0;"
        "addEventListener('pointerdown', () => { window.pointerDowns += 1; }, true);"
    )
    hand = Keyboard(page)
    page.goto(share_url(live_server, study))
    consent_and_start(page, hand)

    begin_task(page, hand, 1)
    follow(page, hand, FIND_ORDER)
    answer_seq(page, hand, 1)
    begin_task(page, hand, 2)
    follow(page, hand, CONTACT_US)
    answer_seq(page, hand, 1)
    # Tab reaches each SUS item's scale at its first point.
    answer_sus(page, hand, [1] * 10)
    answer_open(page, hand, OPEN_ANSWER)

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert page.evaluate("window.pointerDowns") == 0
    assert_completed_directly(study, seqs=[1, 1], sus=[1] * 10, open_answer=OPEN_ANSWER)


def test_a_reload_in_the_middle_of_a_task_resumes_on_the_same_screen(live_server, new_page, study):
    page = new_page(**PHONE)
    hand = Touch(page)
    # The server leaves this first page's batches of events unanswered.
    server = {"answers": False}
    page.route(
        "**/api/sessions/*/events",
        lambda route: route.continue_() if server["answers"] else None,
    )
    page.goto(share_url(live_server, study))
    consent_and_start(page, hand)
    begin_task(page, hand, 1)
    hand.press(hotspot(page, "Account"))
    assert_screen_shown(page, "Account")

    # Reloaded with the events unacknowledged: they wait in localStorage (and may also have
    # left in a beacon as the page went away).
    assert queued_events(page) == 3
    server["answers"] = True
    page.reload()
    assert_screen_shown(page, "Account")
    expect(page.get_by_role("button", name="Show task")).to_be_visible()
    hand.press(page.get_by_role("button", name="Show task"))
    expect(page.locator("#player-task-panel")).to_contain_text("running shoes")
    hand.press(page.get_by_role("button", name="Hide task"))

    follow(page, hand, FIND_ORDER[1:])
    # And once more on the SEQ: the question comes back, unanswered.
    page.reload()
    expect(page.get_by_role("heading", name="how difficult or easy")).to_be_visible()
    answer_seq(page, hand, 6)
    begin_task(page, hand, 2)

    wait_until_sent(page)
    assert event_counts(the_session(study)) == Counter(
        task_start=2, click=3, navigate=3, task_end=1, answer=1
    )
    attempt = TaskAttempt.objects.get(task=study.tasks[0])
    assert attempt.outcome == "direct"
    assert attempt.path == study.tasks[0].expected_path
    assert attempt.seq == 6


def test_a_participant_who_left_while_the_goal_loaded_ends_the_task_on_return(
    live_server, new_page, study
):
    page = new_page(**DESKTOP)
    hand = Keyboard(page)
    goal = Screen.objects.get(pk=study.screens["Order detail"])
    # The goal's pictures (its image and the thumbnail shown until the image arrives) never
    # arrive on this page load; after the reload they do.
    held = []
    network = {"slow": True}

    def hold_the_goal(route):
        if network["slow"]:
            held.append(route)
        else:
            route.continue_()

    page.route(f"**{goal.image.url}", hold_the_goal)
    page.route(f"**{goal.thumbnail.url}", hold_the_goal)
    page.goto(share_url(live_server, study))
    consent_and_start(page, hand)
    begin_task(page, hand, 1)
    hand.press(hotspot(page, "Account"))
    hand.press(hotspot(page, "My orders"))
    assert_screen_shown(page, "Orders")
    hand.press(hotspot(page, "Order 1042"))
    expect(page.locator('[data-slot="screen-name"]')).to_have_text("Orders")
    assert held

    # The tab is closed (a reload would abort the image and end the task at once) and the
    # link opened again.
    network["slow"] = False
    context = page.context
    page.close()
    page = context.new_page()
    hand = Keyboard(page)
    page.goto(share_url(live_server, study))
    expect(page.get_by_role("heading", name="Task complete")).to_be_visible()
    expect(page.locator('[data-slot="screen-name"]')).to_have_text("Order detail")
    hand.press(page.get_by_role("dialog").get_by_role("button", name="Continue"))
    answer_seq(page, hand, 1)

    wait_until_sent(page)
    assert event_counts(the_session(study)) == Counter(
        task_start=1, click=3, navigate=3, task_end=1, answer=1
    )
    attempt = TaskAttempt.objects.get(task=study.tasks[0])
    assert attempt.outcome == "direct"


def test_clicks_made_offline_are_stored_once_back_online(live_server, new_page, study):
    page = new_page(**PHONE)
    hand = Touch(page)
    page.goto(share_url(live_server, study))
    consent_and_start(page, hand)
    begin_task(page, hand, 1)
    page.wait_for_load_state("networkidle")

    page.context.set_offline(True)
    clicks = 0
    # A wrong turn and back, then the expected path to the goal.
    for label, screen in [("Help", "Help"), ("Back", "Home")]:
        hand.press(hotspot(page, label))
        clicks += 1
        assert_screen_shown(page, screen)
    follow(page, hand, FIND_ORDER)
    clicks += len(FIND_ORDER)
    expect(player_status(page)).to_contain_text("The connection is lost")
    answer_seq(page, hand, 4)
    begin_task(page, hand, 2)
    follow(page, hand, CONTACT_US)
    clicks += len(CONTACT_US)
    answer_seq(page, hand, 6)
    sus = [5, 1, 5, 1, 5, 1, 5, 1, 5, 1]
    answer_sus(page, hand, sus)
    answer_open(page, hand, OPEN_ANSWER)
    # The end waits for the connection.
    expect(page.get_by_role("heading", name="Saving your answers")).to_be_visible()
    page.wait_for_timeout(500)
    expect(page.get_by_role("heading", name="Saving your answers")).to_be_visible()
    session = the_session(study)
    assert session.events.filter(type="click").count() == 0
    assert session.state == ParticipantSession.State.ACTIVE

    page.context.set_offline(False)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(player_status(page)).to_be_hidden()
    session.refresh_from_db()
    assert session.state == ParticipantSession.State.COMPLETED
    assert event_counts(session) == Counter(
        task_start=2, click=clicks, navigate=clicks, task_end=2, answer=4, session_end=1
    )
    attempts = TaskAttempt.objects.filter(session=session).order_by("task__position")
    assert [attempt.outcome for attempt in attempts] == ["indirect", "direct"]
    assert Answer.objects.get(session=session, question=study.sus).value == sus


def test_a_scripted_prototype_plays_in_french(live_server, new_page):
    """The flow player inside the participant player: its words in the study's language,
    typed answers routed by the server and recorded."""
    membership = factories.MembershipFactory(role="owner")
    version = create_demo_assistant(membership.workspace, membership.user)
    steps = {screen.name: screen for screen in version.screens.all()}
    study = factories.StudyFactory(
        workspace=membership.workspace,
        prototype_version=version,
        language="fr",
        state=Study.State.LIVE,
    )
    task = factories.TaskFactory(
        study=study,
        instruction="Trouvez quand la commande 482913 arrive.",
        start_screen=steps["Parcel"],
    )
    task.goal_screens.set([steps["Order status"]])
    link = factories.ShareLinkFactory(study=study)
    page = new_page(**PHONE)
    hand = Touch(page)

    page.goto(f"{live_server.url}/s/{link.token}/")
    hand.tick(page.get_by_role("checkbox", name="J’ai lu ce texte et je suis d’accord."))
    hand.press(page.get_by_role("button", name="Commencer", exact=True))
    hand.press(page.get_by_role("button", name="Commencer la tâche"))
    answer = page.get_by_role("textbox", name="Votre réponse").locator("visible=true")
    expect(answer).to_have_attribute("placeholder", "Écrivez votre réponse…")
    hand.type_in(answer, "where is my parcel")
    hand.press(page.get_by_role("button", name="Envoyer").locator("visible=true"))
    expect(page.locator(".sketch-title").locator("visible=true")).to_have_text("Order number")
    answer = page.get_by_role("textbox", name="Votre réponse").locator("visible=true")
    hand.type_in(answer, "482913")
    hand.press(page.get_by_role("button", name="Envoyer").locator("visible=true"))
    expect(page.get_by_role("heading", name="Tâche terminée")).to_be_visible()
    assert_no_horizontal_scroll(page)

    wait_until_sent(page)
    session = ParticipantSession.objects.get(study=study)
    assert event_counts(session) == Counter(task_start=1, text=2, navigate=2, task_end=1)
    assert TaskAttempt.objects.get(session=session).path == [
        steps[name].pk for name in ("Parcel", "Order number", "Order status")
    ]
