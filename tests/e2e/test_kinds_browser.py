"""A participant takes the demo's first-impressions study (a five-second test, a first-click
test and a preference test) in a real browser: on a phone by tapping, on a desktop with the
keyboard alone, and in French. Afterwards the results hold what they did."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.reports.metrics import build_report
from prototypes.sessions.models import Answer, Event, ParticipantSession, TaskAttempt
from prototypes.studies import ab
from prototypes.studies.demo import FIRST_IMPRESSIONS, create_concept_study, create_demo_study
from prototypes.studies.models import Question, Study
from tests import factories
from tests.e2e import axe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def first_impressions(language="en"):
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    create_demo_study(membership.workspace, membership.user, versions["shop"])
    study = Study.objects.get(title=FIRST_IMPRESSIONS["title"])
    if language != "en":
        Study.objects.filter(pk=study.pk).update(language=language)
    return study


def start(page, live_server, study, consent="I have read this and I agree.", begin="Start"):
    page.goto(f"{live_server.url}/s/{study.share_links.get().token}/")
    page.get_by_label(consent).check()
    page.get_by_role("button", name=begin, exact=True).click()


def wait_until_sent(page):
    page.wait_for_function(
        """() => Object.keys(localStorage)
            .filter((key) => key.startsWith("protoplatform.events."))
            .every((key) => JSON.parse(localStorage[key]).events.length === 0)"""
    )


def test_a_participant_takes_the_three_kinds_on_a_phone(live_server, new_page):
    study = first_impressions()
    page = new_page(**PHONE)
    start(page, live_server, study)

    # Five seconds: the screen shows with a countdown, then goes, then the recall question.
    page.get_by_role("button", name="Start the task").tap()
    expect(page.get_by_role("heading", name="Look at this screen")).to_be_visible()
    expect(page.locator(".kind-stage img.kind-image")).to_be_visible()
    axe.assert_accessible(page, "five-second test")
    expect(page.locator(".kind-countdown")).to_contain_text("s left")
    expect(page.get_by_role("heading", name=FIRST_IMPRESSIONS["recall"])).to_be_visible(
        timeout=8000
    )
    page.get_by_role("textbox", name=FIRST_IMPRESSIONS["recall"]).fill(
        "A shop where I can follow my orders."
    )
    page.get_by_role("button", name="Continue").tap()

    # First click: one tap where the participant would start.
    page.get_by_role("button", name="Start the task").tap()
    expect(page.get_by_role("heading", name=FIRST_IMPRESSIONS["first_click"])).to_be_visible()
    axe.assert_accessible(page, "first-click test")
    screen = page.locator(".kind-screen").bounding_box()
    assert screen["x"] >= 0 and screen["x"] + screen["width"] <= 375
    page.touchscreen.tap(screen["x"] + screen["width"] * 0.8, screen["y"] + screen["height"] * 0.95)

    # Preference: the options stacked, one chosen with a reason.
    page.get_by_role("button", name="Start the task").tap()
    options = page.locator(".kind-option")
    expect(options).to_have_count(2)
    first, second = (options.nth(index).bounding_box() for index in range(2))
    assert second["y"] >= first["y"] + first["height"] - 1  # stacked on a phone
    axe.assert_accessible(page, "preference test")
    page.get_by_role("button", name="Continue").tap()
    expect(page.get_by_text("Please choose one of them.")).to_be_visible()
    page.get_by_role("radio", name="Order detail").tap()
    page.get_by_label("Why? (optional)").fill("The date is right there.")
    page.get_by_role("button", name="Continue").tap()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    wait_until_sent(page)

    session = ParticipantSession.objects.get(study=study)
    assert session.state == ParticipantSession.State.COMPLETED
    click = Event.objects.get(session=session, type="misclick")
    assert click.x == pytest.approx(0.8, abs=0.02) and click.y == pytest.approx(0.95, abs=0.02)
    answers = dict(Answer.objects.filter(session=session).values_list("question__text", "value"))
    assert answers[FIRST_IMPRESSIONS["recall"]] == "A shop where I can follow my orders."
    assert answers[FIRST_IMPRESSIONS["preference"]] == "Order detail"
    report = build_report(study)
    assert report.tasks[1].first_click_result.hits == 1
    assert report.tasks[2].preference.reasons == [("Order detail", "The date is right there.")]


def test_the_three_kinds_by_keyboard_alone_in_french(live_server, new_page):
    study = first_impressions("fr")
    page = new_page(**DESKTOP, locale="fr-FR")
    page.goto(f"{live_server.url}/s/{study.share_links.get().token}/")
    page.get_by_role("checkbox").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_role("button", name="Commencer la tâche")).to_be_visible()
    page.get_by_role("button", name="Commencer la tâche").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Regardez cet écran")).to_be_visible()
    expect(page.get_by_role("heading", name=FIRST_IMPRESSIONS["recall"])).to_be_visible(
        timeout=8000
    )
    page.get_by_role("textbox", name=FIRST_IMPRESSIONS["recall"]).focus()
    page.keyboard.type("Une boutique")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    page.get_by_role("button", name="Commencer la tâche").focus()
    page.keyboard.press("Enter")
    # The areas of the screen are buttons with names; Enter on one answers with its centre.
    bottom_right = page.get_by_role("button", name="En bas, à droite", exact=True)
    bottom_right.focus()
    page.keyboard.press("Enter")

    page.get_by_role("button", name="Commencer la tâche").focus()
    page.keyboard.press("Enter")
    radio = page.get_by_role("radio").first
    radio.focus()
    page.keyboard.press("Space")
    chosen = radio.get_attribute("value")
    page.get_by_role("button", name="Continuer").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Merci !")).to_be_visible()
    wait_until_sent(page)

    session = ParticipantSession.objects.get(study=study)
    click = Event.objects.get(session=session, type="misclick")
    assert (click.x, click.y) == (pytest.approx(5 / 6, abs=1e-4), 0.875)
    choice = study.questions.get(role=Question.Role.PREFERENCE)
    assert Answer.objects.get(session=session, question=choice).value == chosen
    assert not Answer.objects.filter(session=session, question__role=Question.Role.REASON).exists()


def test_a_designer_marks_a_first_click_target_by_dragging(live_server, new_page, log_in):
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    study = create_demo_study(membership.workspace, membership.user, versions["shop"])
    page = new_page(**DESKTOP)
    log_in(page, membership.user)
    page.goto(live_server.url + reverse("task_create", args=[study.pk]))
    page.get_by_label("Kind of test").select_option("first_click")
    expect(page.get_by_label("Goal screens")).to_be_hidden()
    page.get_by_label("Instruction").fill("Where would you tap to see your orders?")
    page.get_by_label("Start screen").select_option(label="Home")
    picture = page.get_by_role(
        "img", name="The start screen: drag across it to mark the target area"
    )
    expect(picture).to_be_visible()
    page.wait_for_function("() => document.querySelector('[data-target-image]').naturalWidth > 0")
    picture.evaluate("(image) => image.scrollIntoView({ block: 'end' })")
    box = picture.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.9)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.95, box["y"] + box["height"] * 0.98, steps=5)
    page.mouse.up()
    expect(page.get_by_label("Left (%)")).to_have_value("60")
    expect(page.locator("[data-target-box]")).to_be_visible()
    axe.assert_accessible(page, "task form, first-click test")
    page.get_by_role("button", name="Add the task").click()
    expect(page.get_by_text("Task added.")).to_be_visible()
    task = study.tasks.get(kind="first_click")
    assert task.target_x == pytest.approx(0.6, abs=0.01)
    assert task.target_y == pytest.approx(0.9, abs=0.01)
    assert task.target_width == pytest.approx(0.35, abs=0.01)
    assert task.target_height == pytest.approx(0.08, abs=0.01)


def test_a_reload_does_not_show_the_five_second_screen_again(live_server, new_page):
    study = first_impressions()
    study.tasks.filter(kind="five_second").update(exposure_seconds=6)
    page = new_page(**DESKTOP)
    start(page, live_server, study)
    page.get_by_role("button", name="Start the task").click()
    countdown = page.locator(".kind-countdown")
    expect(countdown).to_have_text("3 s left", timeout=8000)

    page.reload()

    # The exposure goes on from where it was: at most three seconds more, never six again.
    seconds = page.evaluate(
        """() => new Promise((resolve) => {
            const read = () => {
                const shown = document.querySelector(".kind-countdown");
                if (shown && shown.textContent) resolve(parseInt(shown.textContent, 10));
                else if (document.querySelector("textarea, input[type=text]")) resolve(0);
                else requestAnimationFrame(read);
            };
            read();
        })"""
    )
    assert seconds <= 3
    expect(page.get_by_role("heading", name=FIRST_IMPRESSIONS["recall"])).to_be_visible(
        timeout=5000
    )
    # Nothing may still be on its way to the server when the test's database is emptied.
    wait_until_sent(page)
    page.close()


def test_each_participant_of_a_concept_ab_study_clicks_through_their_concept(live_server, new_page):
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    shop = create_demo_study(membership.workspace, membership.user, versions["shop"])
    study = create_concept_study(
        membership.user, versions["shop"], versions["shop_concept"], shop.problem
    )
    card = "Your parcel arrives Tuesday"
    for _ in range(2):
        page = new_page(**PHONE)
        start(page, live_server, study)
        page.get_by_role("button", name="Start the task").tap()
        expect(page.get_by_role("button", name="Account")).to_be_visible()
        token = page.evaluate(
            """Object.keys(localStorage)
                .find((key) => key.startsWith("protoplatform.events."))
                .slice("protoplatform.events.".length)"""
        )
        session = ParticipantSession.objects.get(token=token)
        if ab.session_concept(session).label == "B":
            page.get_by_role("button", name=card).tap()
        else:
            expect(page.get_by_role("button", name=card)).to_have_count(0)
            page.get_by_role("button", name="Account").tap()
            page.get_by_role("button", name="My orders").tap()
            page.get_by_role("button", name="Order 1042").tap()
        expect(page.get_by_role("heading", name="Task complete")).to_be_visible()
        wait_until_sent(page)
        page.close()

    outcomes = sorted(
        TaskAttempt.objects.filter(session__study=study).values_list(
            "session__concept_assignment__concept__label", "outcome"
        )
    )
    assert outcomes == [("A", "direct"), ("B", "indirect")]
