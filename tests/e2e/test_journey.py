"""The whole journey in a real browser, as three kinds of new users would take it.

A designer signs up, uploads photos of paper sketches, draws hotspots with the mouse (and
types one with the keyboard), publishes, writes the problem, a task and a criterion and opens
the study. Five participants take it through the share link: on a phone, by keyboard only,
one who gives up, one who misclicks a lot and one who leaves a comment. A stakeholder opens
the read-only summary link with no account, reads the verdict and gets the PDF.
"""

import re
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.jobs import Job
from prototypes.reports.metrics import build_report
from prototypes.reports.pages import verdict_summary
from prototypes.reports.tasks import build_export
from prototypes.sessions.models import Comment, ParticipantSession, TaskAttempt
from prototypes.sketches import draw_screen, screen_hotspots
from prototypes.studies.models import Study
from tests.e2e.drivers import Keyboard, Mouse, Touch

CORPUS = Path(__file__).parents[1] / "corpus"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "maya@example.com"
PASSWORD = "sketch-test-learn-42"

# Three phone screens of a shop app: from the home page, through the account, to the order.
SKETCHES = [
    (
        "1 Home",
        "jpg",
        [
            {"kind": "input", "label": "Search products"},
            {"kind": "image", "height": 150},
            {"kind": "heading", "text": "Popular this week"},
            {"kind": "row", "label": "Running shoes", "detail": "From 89 EUR"},
            {
                "kind": "tabs",
                "items": [{"label": "Home"}, {"label": "Help"}, {"label": "Account", "target": 1}],
            },
        ],
    ),
    (
        "2 Account",
        "png",
        [
            {"kind": "back", "action": "back"},
            {"kind": "heading", "text": "Hi, Sam"},
            {"kind": "row", "label": "My orders", "detail": "Track or return", "target": 2},
            {"kind": "row", "label": "Addresses"},
            {"kind": "row", "label": "Payment methods"},
        ],
    ),
    (
        "3 Order",
        "png",
        [
            {"kind": "back", "action": "back"},
            {"kind": "heading", "text": "Order 1042"},
            {"kind": "label", "text": "Arriving today before 6 pm"},
            {"kind": "button", "label": "Track parcel", "action": "end"},
        ],
    ),
]


def sketch_files(directory):
    """Photos of the sketches as a designer would upload them (one JPEG, two PNGs)."""
    paths = []
    for name, extension, elements in SKETCHES:
        path = directory / f"{name}.{extension}"
        draw_screen(name.split(" ", 1)[1], elements).save(path, quality=90)
        paths.append(path)
    return paths


def hotspot_box(screen_index, label):
    """Where the tappable element `label` is drawn, as fractions of the screen."""
    return next(
        hotspot
        for hotspot in screen_hotspots(SKETCHES[screen_index][2])
        if hotspot["label"] == label
    )


def drag_rectangle(page, canvas, box):
    """Draw a hotspot on the editor's canvas with the mouse, inset a little from the element."""
    bounds = canvas.bounding_box()
    # Scroll the element to the middle of the window: the mouse only reaches what is shown.
    middle = bounds["y"] + (box["y"] + box["h"] / 2) * bounds["height"]
    page.evaluate("(y) => window.scrollBy(0, y - window.innerHeight / 2)", middle)
    bounds = canvas.bounding_box()
    inset = 0.1
    left = bounds["x"] + (box["x"] + box["w"] * inset) * bounds["width"]
    top = bounds["y"] + (box["y"] + box["h"] * inset) * bounds["height"]
    right = bounds["x"] + (box["x"] + box["w"] * (1 - inset)) * bounds["width"]
    bottom = bounds["y"] + (box["y"] + box["h"] * (1 - inset)) * bounds["height"]
    page.mouse.move(left, top)
    page.mouse.down()
    page.mouse.move((left + right) / 2, (top + bottom) / 2, steps=4)
    page.mouse.move(right, bottom, steps=4)
    page.mouse.up()


def designer_signs_up(page, live_server, screenshot):
    page.goto(live_server.url)
    page.get_by_role("button", name="Create a free workspace").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Team or workspace name").fill("Parcel & Co")
    page.get_by_role("main").get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    # The password is chosen on the page the emailed link opens.
    link = re.search(r"http://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_label(re.compile(r"^New password:?$")).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcel & Co")
    # A new workspace says plainly what to do first.
    expect(page.get_by_text("No studies yet.")).to_be_visible()
    expect(page.get_by_text("No prototypes yet.")).to_be_visible()
    screenshot(page, "state-dashboard-new-workspace")


def designer_uploads_sketches(page, tmp_path):
    page.get_by_role("button", name="New prototype").first.click()
    page.get_by_label("Name").fill("Shop app — where is my order?")
    page.get_by_label("Paper screens").check()
    page.get_by_role("button", name="Create prototype").click()
    expect(page.get_by_text("No screens yet.")).to_be_visible()

    page.get_by_label("Screen images or PDFs").set_input_files(sketch_files(tmp_path))
    cards = page.locator("[data-screen-grid] .screen-card")
    expect(cards).to_have_count(3)
    for card, (name, _, _) in zip(cards.all(), SKETCHES, strict=True):
        expect(card.get_by_role("heading")).to_contain_text(name)
        expect(card.get_by_text("Ready")).to_be_visible()
    return Prototype.objects.get(name="Shop app — where is my order?")


def designer_draws_hotspots(page, live_server, prototype):
    screens = list(prototype.draft.screens.order_by("position"))
    targets = {1: screens[1].name, 2: screens[2].name}
    filmstrip = page.get_by_role("navigation", name="Screens")

    # Home: the Account tab, drawn with the mouse and linked by clicking its screen.
    page.goto(live_server.url + reverse("screen_editor", args=[screens[0].pk]))
    canvas = page.locator("[data-editor-canvas]")
    expect(page.get_by_text("No hotspots yet")).to_be_visible()
    drag_rectangle(page, canvas, hotspot_box(0, "Account"))
    expect(page.get_by_text("Now click the screen this hotspot leads to")).to_be_visible()
    filmstrip.get_by_role("button", name=f"Link to {targets[1]}").click()
    expect(page.locator("#hotspot-panel h2")).to_contain_text("(1)")
    # Its label is the target's name until the designer names it after the button.
    label = page.locator("[data-hotspot-form]:not([data-new])").get_by_label(
        "Label (what a screen reader announces)"
    )
    expect(label).to_have_value(targets[1])
    label.fill("Account")
    label.press("Enter")
    expect(page.locator("#hotspot-panel .flash")).to_contain_text("saved")

    # Account: "My orders", typed into the form from the keyboard alone.
    page.get_by_role("navigation", name="Other screens").get_by_role(
        "button", name=screens[1].name
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(screens[1].name)
    box = hotspot_box(1, "My orders")
    page.get_by_text("Add a hotspot with numbers").focus()
    page.keyboard.press("Enter")
    new = page.locator("form[data-new]")
    page.keyboard.press("Tab")
    expect(new.get_by_label("Label (what a screen reader announces)")).to_be_focused()
    page.keyboard.type("My orders")
    page.keyboard.press("Tab")  # the action: "Go to screen" already
    page.keyboard.press("Tab")
    expect(new.get_by_label("Target screen")).to_be_focused()
    page.keyboard.type(targets[2][0])
    for value in (box["x"], box["y"], box["w"], box["h"]):
        page.keyboard.press("Tab")
        page.keyboard.type(f"{value * 100:.1f}")
    page.keyboard.press("Enter")
    expect(page.locator("#hotspot-panel h2")).to_contain_text("(1)")
    expect(page.locator(".hotspot-rect")).to_have_count(1)

    # Order: "Track parcel" ends the flow; drawn with the mouse, then the E key.
    page.get_by_role("navigation", name="Other screens").get_by_role(
        "button", name=screens[2].name
    ).click()
    drag_rectangle(page, page.locator("[data-editor-canvas]"), hotspot_box(2, "Track parcel"))
    page.keyboard.press("e")
    expect(page.locator("#hotspot-panel h2")).to_contain_text("(1)")
    label = page.locator("[data-hotspot-form]:not([data-new])").get_by_label(
        "Label (what a screen reader announces)"
    )
    label.fill("Track parcel")
    label.press("Enter")
    expect(page.locator("#hotspot-panel .flash")).to_contain_text("saved")

    account = Hotspot.objects.get(screen=screens[0])
    assert (account.label, account.target_id) == ("Account", screens[1].pk)
    expected = hotspot_box(0, "Account")
    assert expected["x"] < account.x < account.x + account.width < expected["x"] + expected["w"]
    orders = Hotspot.objects.get(screen=screens[1])
    assert (orders.label, orders.target_id) == ("My orders", screens[2].pk)
    assert orders.x == pytest.approx(box["x"], abs=0.001)
    assert orders.width == pytest.approx(box["w"], abs=0.001)
    assert Hotspot.objects.get(screen=screens[2]).action == Hotspot.Action.END


def designer_publishes(page, live_server, prototype):
    page.goto(live_server.url + reverse("prototype_detail", args=[prototype.pk]))
    page.get_by_label("What changed in this version (optional)").fill("First paper sketches")
    page.get_by_role("button", name="Publish version").click()
    expect(page.locator(".flash")).to_contain_text("v1")
    return prototype.versions.get(number=1)


def designer_plans_the_study(page, live_server, version):
    page.get_by_role("link", name="Studies", exact=True).click()
    page.get_by_role("button", name="Plan a study").click()
    page.get_by_label("Title", exact=True).fill("Where is my order?")
    page.get_by_label("Problem title").fill("Customers can't find out where their order is")
    page.get_by_label("Who has the friction").fill("Customers waiting for a parcel, on a phone.")
    page.get_by_label("What the friction is").fill(
        "The order status is three taps deep; they call support instead."
    )
    page.get_by_label("Evidence").fill("412 “where is my order” tickets last month.")
    page.get_by_label("Hypothesis").fill("Most customers find their order in under a minute.")
    page.get_by_label("Prototype version").select_option(
        label=f"Shop app — where is my order? — {version.label} (First paper sketches)"
    )
    page.get_by_label("Target number of participants").fill("5")
    page.get_by_role("button", name="Create the study").click()
    expect(page.get_by_role("heading", name="Before going live")).to_be_visible()
    study = Study.objects.get(title="Where is my order?")
    screens = {screen.name: screen for screen in version.screens.all()}

    page.get_by_role("button", name="Add a task").click()
    page.get_by_label("Instruction").fill(
        "You ordered running shoes last week. Find out when they will arrive."
    )
    page.get_by_label("Start screen").select_option(label="1 Home")
    page.locator("#id_goal_screens").get_by_label("3 Order").check()
    page.get_by_label("Step 1").select_option(label="1 Home")
    page.get_by_label("Step 2").select_option(label="2 Account")
    # Choosing the last step shown offers the next one.
    page.get_by_label("Step 3").select_option(label="3 Order")
    page.get_by_label("Time limit (seconds)").fill("120")
    page.get_by_role("button", name="Add the task").click()
    expect(page.locator("#tasks")).to_contain_text("Find out when they will arrive")

    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Kind of question").select_option(label="Open text")
    page.get_by_label("Question", exact=True).fill("What would you change?")
    page.get_by_label("Participants must answer").uncheck()
    page.get_by_role("button", name=re.compile("Add the question|Save")).click()
    expect(page.locator("#questions")).to_contain_text("What would you change?")

    page.get_by_role("button", name="Add a criterion").click()
    page.get_by_label("Metric").select_option(value="completion_rate")
    # The study's only task is already chosen.
    expect(page.get_by_label("Task", exact=True)).to_have_value(str(study.tasks.get().pk))
    page.get_by_label("Threshold").fill("60")
    page.get_by_label("Must-have (if it fails, the verdict is no-go)").check()
    page.get_by_role("button", name="Add the criterion").click()
    expect(page.locator("#criteria")).to_contain_text("must-have")

    expect(page.get_by_text("Ready to go live.")).to_be_visible()
    page.get_by_role("button", name="Go live").click()
    expect(page.locator("h1 .badge")).to_have_text("Live")
    share_url = page.locator("#links input[readonly]").first.input_value()
    study.refresh_from_db()
    assert study.state == Study.State.LIVE
    task = study.tasks.get()
    assert task.expected_path == [screens[name].pk for name in ("1 Home", "2 Account", "3 Order")]
    assert share_url.startswith(live_server.url + "/s/")
    return study, share_url


# Participants -------------------------------------------------------------------------------

QUESTION = "What would you change?"
COMMENT = "I looked for a 'Track order' button on the home screen first."


def focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def assert_screen_shown(page, name):
    """The screen is shown, announced to screen readers, and the focus is on its name."""
    expect(page.locator('[data-slot="screen-name"]')).to_have_text(name)
    announcer = page.locator('[data-slot="announcer"]')
    expect(announcer).to_have_text(f"Screen: {name}")
    assert announcer.get_attribute("aria-live") == "polite"
    assert focused_id(page) == "screen-title"


def hotspot(page, label):
    return page.get_by_role("button", name=label, exact=True)


def tap_screen_at(page, x, y):
    """A tap on the screen's picture at (x, y), fractions of its size: a misclick when no
    hotspot is there."""
    screen = page.locator('[data-slot="screen"]')
    box = screen.bounding_box()
    screen.click(position={"x": box["width"] * x, "y": box["height"] * y})


def consent_and_start(page, hand):
    expect(page.get_by_role("heading", level=1)).to_have_text("Where is my order?")
    hand.tick(page.get_by_role("checkbox", name="I have read this and I agree."))
    hand.press(page.get_by_role("button", name="Start", exact=True))
    expect(page.get_by_role("heading", name="Your task")).to_be_visible()
    assert focused_id(page) == "task-intro-title"
    expect(page.get_by_text("Find out when they will arrive.")).to_be_visible()
    hand.press(page.get_by_role("button", name="Start the task"))
    assert_screen_shown(page, "1 Home")


def reach_the_order(page, hand):
    hand.press(hotspot(page, "Account"))
    assert_screen_shown(page, "2 Account")
    hand.press(hotspot(page, "My orders"))
    expect(page.get_by_role("heading", name="Task complete")).to_be_visible()
    hand.press(page.get_by_role("dialog").get_by_role("button", name="Continue"))


def rate_and_answer(page, hand, ease, answer=""):
    expect(page.get_by_role("heading", name="how difficult or easy")).to_be_visible()
    assert focused_id(page) == "seq-title"
    hand.tick(page.get_by_role("radio", name=str(ease), exact=True))
    hand.press(page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    assert focused_id(page) == "question-title"
    if answer:
        hand.type_in(page.get_by_role("textbox", name=QUESTION), answer)
        hand.press(page.get_by_role("button", name="Continue"))
    else:
        hand.press(page.get_by_role("button", name="Skip this question"))
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert focused_id(page) == "thanks-title"


def participant(browser, url, **context_options):
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **context_options})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    return page


def on_a_phone(browser, url, screenshot):
    page = participant(
        browser, url, viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    hand = Touch(page)
    consent_and_start(page, hand)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "journey-player-phone")
    reach_the_order(page, hand)
    rate_and_answer(page, hand, 6, "Nothing, it was quick.")
    page.context.close()


def by_keyboard_only(browser, url):
    page = participant(browser, url)
    page.add_init_script(
        "window.pointerDowns = 0;"
        "addEventListener('pointerdown', () => { window.pointerDowns += 1; }, true);"
    )
    page.reload()
    hand = Keyboard(page)
    consent_and_start(page, hand)
    # "Show task" opens the instruction again, and the panel says it is open.
    toggle = page.get_by_role("button", name="Show task")
    hand.press(toggle)
    expect(page.locator("#player-task-panel")).to_contain_text("running shoes")
    expect(page.get_by_role("button", name="Hide task")).to_have_attribute("aria-expanded", "true")
    hand.press(page.get_by_role("button", name="Hide task"))
    reach_the_order(page, hand)
    rate_and_answer(page, hand, 7)
    assert page.evaluate("window.pointerDowns") == 0
    page.context.close()


def who_gives_up(browser, url):
    page = participant(browser, url)
    hand = Mouse(page)
    consent_and_start(page, hand)
    hand.press(hotspot(page, "Account"))
    assert_screen_shown(page, "2 Account")
    hand.press(page.get_by_role("button", name="Give up"))
    dialog = page.get_by_role("dialog", name="Give up this task?")
    expect(dialog).to_be_visible()
    hand.press(dialog.get_by_role("button", name="Give up"))
    rate_and_answer(page, hand, 2, "I could not find my orders.")
    page.context.close()


def who_misclicks(browser, url):
    page = participant(browser, url)
    hand = Mouse(page)
    consent_and_start(page, hand)
    # The search field, the picture, the "Running shoes" row, the Help tab, the title.
    for x, y in [(0.5, 0.14), (0.5, 0.3), (0.5, 0.55), (0.5, 0.95), (0.5, 0.04)]:
        tap_screen_at(page, x, y)
    expect(page.locator('[data-slot="screen-name"]')).to_have_text("1 Home")
    reach_the_order(page, hand)
    rate_and_answer(page, hand, 3)
    page.context.close()


def who_comments(browser, url):
    page = participant(browser, url)
    hand = Mouse(page)
    consent_and_start(page, hand)
    hand.press(page.get_by_role("button", name="Comment"))
    text = page.get_by_role("textbox", name="Your comment")
    expect(text).to_be_focused()
    # The pin goes where the participant taps: on the search field.
    tap_screen_at(page, 0.5, 0.14)
    pin = page.locator('[data-slot="pin"]')
    expect(pin).to_be_visible()
    text.fill(COMMENT)
    hand.press(page.get_by_role("button", name="Save comment"))
    expect(page.locator('[data-slot="announcer"]')).to_have_text(
        "Thank you, your comment is saved."
    )
    expect(pin).to_be_hidden()
    reach_the_order(page, hand)
    rate_and_answer(page, hand, 5)
    page.context.close()


def wait_for_the_events(study, count):
    """Until the server has stored `count` sessions' last event (the page sends it as it goes)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        finished = ParticipantSession.objects.filter(
            study=study, state=ParticipantSession.State.COMPLETED
        ).count()
        if finished == count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{finished} of {count} sessions completed")


def participants_take_the_study(browser, url, screenshot):
    on_a_phone(browser, url, screenshot)
    by_keyboard_only(browser, url)
    who_gives_up(browser, url)
    who_misclicks(browser, url)
    who_comments(browser, url)


def assert_the_results(page, live_server, study):
    sessions = ParticipantSession.objects.filter(study=study)
    assert sessions.count() == 5
    assert set(sessions.values_list("state", flat=True)) == {ParticipantSession.State.COMPLETED}
    attempts = TaskAttempt.objects.filter(task__study=study)
    outcomes = Counter(attempts.values_list("outcome", flat=True))
    assert outcomes == {TaskAttempt.Outcome.DIRECT: 4, TaskAttempt.Outcome.GAVE_UP: 1}
    assert sorted(attempts.values_list("misclicks", flat=True)) == [0, 0, 0, 0, 5]
    assert sorted(attempts.values_list("seq", flat=True)) == [2, 3, 5, 6, 7]
    comment = Comment.objects.get(session__study=study)
    assert comment.text == COMMENT
    assert comment.screen.name == "1 Home"
    assert comment.x == pytest.approx(0.5, abs=0.02)
    assert comment.y == pytest.approx(0.14, abs=0.02)

    page.goto(live_server.url + reverse("study_results", args=[study.pk]))
    expect(page.locator(".verdict-facts")).to_contain_text("5 participants started, 5 completed")
    expect(page.locator("#comments")).to_contain_text(COMMENT)
    expect(page.locator("#questions")).to_contain_text("I could not find my orders.")
    expect(page.locator("#sessions tbody tr")).to_have_count(5)


def designer_checks_results_before_anyone_took_part(page, live_server, study, screenshot):
    page.goto(live_server.url + reverse("study_results", args=[study.pk]))
    expect(page.locator(".verdict")).to_contain_text("No participants yet.")
    expect(page.locator("#sessions")).to_contain_text("Nobody has started yet.")
    page.get_by_role("button", name="Stakeholder summary").click()
    expect(page.locator(".verdict-word")).to_have_text("NOT YET")
    expect(page.locator(".verdict")).to_contain_text("No participants yet.")
    expect(page.get_by_text("No comments yet.")).to_be_visible()
    expect(page.get_by_text("No data yet.")).to_be_visible()
    screenshot(page, "state-summary-no-participants")


def designer_shares_the_summary(page, live_server, study):
    page.goto(live_server.url + reverse("study_summary", args=[study.pk]))
    # Stakeholders read only the quotes the designer pins.
    quote = page.locator(".curation-item").filter(has_text=COMMENT)
    quote.get_by_role("button", name="Pin").click()
    expect(page.locator(".curation-item.is-pinned").filter(has_text=COMMENT)).to_be_visible()
    page.get_by_label("Label").fill("Steering committee")
    page.get_by_role("button", name="Create a link").click()
    link = page.get_by_label("Link for Steering committee")
    expect(link).to_be_visible()
    return link.input_value()


def stakeholder_reads_the_summary(browser, share_url, worker, screenshot):
    """No account: the link alone opens the summary, read-only, and gets its PDF."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(share_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Where is my order?")
    verdict = page.locator(".verdict")
    expect(verdict.locator(".verdict-word")).to_have_text(re.compile("^(GO|NO-GO|NOT YET)$"))
    expect(verdict.locator(".verdict-why")).not_to_be_empty()
    expect(page.locator("blockquote").filter(has_text=COMMENT)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    expect(page.get_by_role("button", name="Create a link")).to_have_count(0)
    screenshot(page, "journey-shared-summary")

    # The PDF is built in the background: the page shows its progress, then the download.
    page.get_by_role("button", name="Download as PDF").click()
    export = page.locator("#pdf-exports .export")
    expect(export.locator("progress")).to_be_visible()
    expect(export.get_by_role("status")).to_have_text(re.compile(r"Waiting… 0%"))
    screenshot(page, "state-export-building")
    worker.run_held_jobs()
    download_link = export.get_by_role("button", name="Download")
    expect(download_link).to_be_visible()
    expect(export.locator("progress")).to_have_count(0)
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    verdict_word = verdict.locator(".verdict-word").inner_text()
    context.close()
    return verdict_word


class SlowWorker:
    """PDF exports wait in the queue until the test lets the worker take them, as they do when
    the workers are busy; everything else runs at once (Celery is eager in tests)."""

    def __init__(self, monkeypatch):
        self.held = []
        self.send = Job.send
        # A plain function, so that it binds to each Job as the method it replaces.
        monkeypatch.setattr(Job, "send", lambda job: self.hold(job))

    def hold(self, job):
        if job.task_name == build_export.name:
            self.held.append(job)
            return True
        return self.send(job)

    def run_held_jobs(self):
        while self.held:
            self.send(self.held.pop(0))


def test_journey(live_server, page, browser, tmp_path, settings, monkeypatch, screenshot):
    settings.SITE_URL = live_server.url
    worker = SlowWorker(monkeypatch)
    designer_signs_up(page, live_server, screenshot)
    prototype = designer_uploads_sketches(page, tmp_path)
    assert prototype.draft.screens.filter(status=Screen.Status.READY).count() == 3
    designer_draws_hotspots(page, live_server, prototype)
    version = designer_publishes(page, live_server, prototype)
    study, participant_url = designer_plans_the_study(page, live_server, version)
    designer_checks_results_before_anyone_took_part(page, live_server, study, screenshot)

    participants_take_the_study(browser, participant_url, screenshot)
    wait_for_the_events(study, 5)
    assert_the_results(page, live_server, study)

    share_url = designer_shares_the_summary(page, live_server, study)
    verdict = stakeholder_reads_the_summary(browser, share_url, worker, screenshot)
    assert verdict == verdict_summary(build_report(study)).verdict


def test_a_failed_upload_says_why_on_its_card(live_server, page, log_in, designer, screenshot):
    prototype = Prototype.objects.create(
        workspace=designer.memberships.get().workspace, name="Checkout"
    )
    log_in(page, designer)
    page.goto(live_server.url + reverse("prototype_detail", args=[prototype.pk]))
    page.get_by_label("Screen images or PDFs").set_input_files(CORPUS / "truncated.jpg")
    card = page.locator("[data-screen-grid] .screen-card")
    expect(card.get_by_text("Failed")).to_be_visible()
    expect(card.get_by_role("alert")).to_contain_text("damaged or incomplete")
    card.scroll_into_view_if_needed()
    screenshot(page, "state-upload-failed")


# The README's pictures: `make screenshots` writes them into docs/screenshots.


def test_screenshots_editor(live_server, desktop_page, log_in, demo, screenshot):
    page = desktop_page
    log_in(page, demo["user"])
    page.goto(live_server.url + reverse("screen_editor", args=[demo["screen"].pk]))
    expect(page.locator(".hotspot-rect")).not_to_have_count(0)
    # A hotspot selected from its form, as while editing it.
    page.locator("form[data-hotspot-form]").first.get_by_label(
        "Label (what a screen reader announces)"
    ).focus()
    expect(page.locator(".hotspot-rect.is-selected")).to_have_count(1)
    # From the heading down, the whole sketch fits in the window.
    page.get_by_role("heading", level=1).evaluate(
        "(heading) => window.scrollBy(0, heading.getBoundingClientRect().top - 16)"
    )
    screenshot(page, "editor-desktop")


def test_screenshots_summary(live_server, desktop_page, phone_page, demo, screenshot):
    # A taller window on the laptop: down to the criteria and their intervals.
    desktop_page.set_viewport_size({"width": 1280, "height": 1120})
    for page, name in ((desktop_page, "summary-desktop"), (phone_page, "summary-phone")):
        page.goto(live_server.url + reverse("report_share_view", args=[demo["share"].token]))
        expect(page.locator(".verdict-word")).to_be_visible()
        screenshot(page, name)


def test_screenshots_player_on_a_phone(live_server, phone_page, demo, screenshot):
    page = phone_page
    page.goto(live_server.url + reverse("player_start", args=[demo["participant_link"].token]))
    page.get_by_role("checkbox", name="I have read this and I agree.").tap()
    page.get_by_role("button", name="Start", exact=True).tap()
    page.get_by_role("button", name="Start the task").tap()
    page.get_by_role("button", name="Account", exact=True).tap()
    expect(page.locator('[data-slot="announcer"]')).to_have_text("Screen: Account")
    # With the task shown above the screen, as a participant rereads it.
    page.get_by_role("button", name="Show task").tap()
    expect(page.locator("#player-task-panel")).to_be_visible()
    screenshot(page, "player-phone")
    # Closing the page with events unsent would send them as the test's database is emptied.
    page.wait_for_function(
        """() => Object.keys(localStorage)
            .filter((key) => key.startsWith("protoplatform.events."))
            .every((key) => JSON.parse(localStorage[key]).events.length === 0)"""
    )
