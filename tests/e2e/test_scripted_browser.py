"""A designer writes a flow script, watches the preview follow, publishes it and plays it."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.authoring.models import Hotspot, Prototype, PrototypeVersion

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RETURNS_HELPER = """title: Returns helper

== start: Returns helper
bot: Hi! What would you like to do?
> Return an item -> pick
> Talk to a person -> agent
? return, refund, send back -> pick
? person, human -> agent
? * -> start_again

== start_again: Sorry
bot: Sorry, I did not get that. You can return an item or talk to a person.
> Return an item -> pick
? return, refund -> pick
? * -> agent

== pick: Which order?
bot: What is your order number? It has 6 digits.
> Use my last order -> done
> I don't know it -> agent
? /\\b\\d{6}\\b/ -> done
? * -> agent

== done: Return booked [success]
bot: Done! Print the label we e-mailed you.

== agent: Waiting for a person [failure]
bot: A colleague will be with you in about 10 minutes.
"""


def record_events(page):
    """Collect what the player reports from now on (its "scriptplayer" DOM events)."""
    page.evaluate(
        "window.recorded = [];"
        "if (!window.listening) {"
        "  window.listening = true;"
        "  document.addEventListener('scriptplayer', (e) => window.recorded.push(e.detail));"
        "}"
    )


def recorded(page):
    return page.evaluate("window.recorded")


@pytest.fixture
def prototype(workspace):
    prototype = Prototype.objects.create(
        workspace=workspace, name="Returns helper", kind=Prototype.Kind.SCRIPTED
    )
    PrototypeVersion.objects.create(prototype=prototype, number=0, script="")
    return prototype


def test_write_preview_publish_and_play(live_server, page, designer, prototype, log_in):
    log_in(page, designer)
    page.goto(live_server.url + reverse("script_editor", args=[prototype.pk]))
    preview = page.locator("#script-preview")
    # A new script starts from an example.
    expect(preview.locator(".sketch-title")).to_have_text("Welcome")
    script = page.locator("#id_script")
    script.fill("")
    expect(preview).to_contain_text("the script has no steps")

    # Typing a first step: the preview follows.
    script.press_sequentially("== start: Hello there\nbot: Hi!\n", delay=5)
    expect(preview.locator(".sketch-title")).to_have_text("Hello there")
    expect(preview.locator(".sketch-bot")).to_have_text("Hi!")
    expect(preview).to_contain_text("dead end")
    expect(page.locator(".script-gutter .is-warning")).to_have_text("1")

    # A mistake is pointed out with its line and column and marked in the gutter.
    script.press_sequentially("> Broken choice\n", delay=5)
    expect(preview).to_contain_text("line 3, column 1: a choice needs '-> step_name'")
    expect(page.locator(".script-gutter .is-error")).to_have_text("3")
    preview.get_by_role("button", name="Show line 3 in the script").click()
    assert page.evaluate("document.activeElement.id") == "id_script"

    # The whole script, then another step chosen for the preview.
    script.fill(RETURNS_HELPER)
    expect(preview).to_contain_text("No problems found")
    expect(preview.locator(".sketch-title")).to_have_text("Returns helper")
    page.select_option("#preview-step", "pick")
    expect(preview.locator(".sketch-title")).to_have_text("Which order?")
    # A button in the preview jumps to the step it leads to.
    preview.get_by_role("button", name="Use my last order").click()
    expect(preview.locator(".sketch-title")).to_have_text("Return booked")
    expect(preview).to_contain_text("ends the flow as a success")

    page.get_by_role("button", name="Save and publish").click()
    expect(page.locator(".flash")).to_contain_text("Published v1")
    version = prototype.versions.get(number=1)
    assert version.script == RETURNS_HELPER.replace("\r\n", "\n")
    screens = dict(version.screens.values_list("step", "pk"))
    assert set(screens) == {"start", "start_again", "pick", "done", "agent"}

    # Play v1 by clicking.
    page.goto(live_server.url + reverse("script_play", args=[prototype.pk]) + "?version=1")
    player = page.locator("[data-script-player]")
    current = player.locator("section[data-step]:visible")
    expect(current.locator(".sketch-title")).to_have_text("Returns helper")
    record_events(page)
    current.get_by_role("button", name="Return an item").click()
    expect(current.locator(".sketch-title")).to_have_text("Which order?")
    # The conversation so far stays above the new step.
    expect(player.locator(".sketch-history .sketch-user")).to_have_text("Return an item")
    # From the keyboard this time.
    current.get_by_role("button", name="Use my last order").press("Enter")
    expect(current.locator(".sketch-title")).to_have_text("Return booked")
    expect(player.locator("[data-script-status]")).to_have_text("The flow ended here: success.")

    events = recorded(page)
    assert [event["type"] for event in events] == ["click", "navigate", "click", "navigate", "end"]
    first_click = events[0]["detail"]
    start_hotspot = Hotspot.objects.get(screen_id=screens["start"], position=0)
    assert first_click["hotspot"] == start_hotspot.pk
    assert first_click["screen"] == screens["start"]
    assert first_click["target"] == "pick"
    assert 0 <= first_click["x"] <= 1 and 0 <= first_click["y"] <= 1
    keyboard_click = events[2]["detail"]
    assert keyboard_click["label"] == "Use my last order"
    assert 0 < keyboard_click["x"] < 1 and 0.5 < keyboard_click["y"] < 1
    assert events[1]["detail"] == {
        "step": "pick",
        "screen": screens["pick"],
        "from": "start",
        "fromScreen": screens["start"],
        "via": "choice",
    }
    assert events[4]["detail"] == {"step": "done", "screen": screens["done"], "ending": "success"}

    # Play again by typing answers, routed by the server.
    page.get_by_role("button", name="Start again").click()
    expect(current.locator(".sketch-title")).to_have_text("Returns helper")
    record_events(page)
    answer = current.get_by_label("Your answer")
    answer.fill("I would like to send back a jumper")
    current.get_by_role("button", name="Send").click()
    expect(current.locator(".sketch-title")).to_have_text("Which order?")
    expect(player.locator(".sketch-history .sketch-user")).to_have_text(
        "I would like to send back a jumper"
    )
    current.get_by_label("Your answer").fill("It's 482913")
    current.get_by_label("Your answer").press("Enter")
    expect(current.locator(".sketch-title")).to_have_text("Return booked")
    expect(player.locator("[data-script-status]")).to_have_text("The flow ended here: success.")

    events = recorded(page)
    assert [event["type"] for event in events] == ["text", "navigate", "text", "navigate", "end"]
    assert events[0]["detail"] == {
        "step": "start",
        "screen": screens["start"],
        "text": "I would like to send back a jumper",
        "target": "pick",
    }
    assert events[2]["detail"]["text"] == "It's 482913"
    assert events[2]["detail"]["target"] == "done"


def test_typed_answer_nothing_matches_stays_on_the_step(
    live_server, page, designer, workspace, log_in
):
    prototype = Prototype.objects.create(
        workspace=workspace, name="Yes or no", kind=Prototype.Kind.SCRIPTED
    )
    PrototypeVersion.objects.create(
        prototype=prototype,
        number=0,
        script="== start: Ready? [chat]\n? yes -> end\n== end: Great [success]\n",
    )
    log_in(page, designer)
    page.goto(live_server.url + reverse("script_play", args=[prototype.pk]))
    current = page.locator("section[data-step]:visible")
    record_events(page)

    current.locator(".sketch-title").click()
    current.get_by_label("Your answer").fill("maybe")
    current.get_by_role("button", name="Send").click()

    expect(page.locator("[data-script-status]")).to_have_text(re.compile("No reply"))
    expect(current.locator(".sketch-title")).to_have_text("Ready?")
    current.get_by_label("Your answer").fill("Yes!")
    current.get_by_role("button", name="Send").click()
    expect(current.locator(".sketch-title")).to_have_text("Great")
    types = [event["type"] for event in recorded(page)]
    assert types == ["misclick", "text", "text", "navigate", "end"]
    assert recorded(page)[1]["detail"]["target"] is None
