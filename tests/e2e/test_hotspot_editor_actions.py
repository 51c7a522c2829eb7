"""How many actions it takes to build the demo's paper prototype in the hotspot editor.

A designer uploads the demo shop's six sketches, links every tappable element (a three-item
tab bar on five screens among them) and publishes. Every click, drag and key press goes
through a counting driver (`tests.e2e.drivers.Counted`); the test prints the count.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.authoring.models import Hotspot, Prototype
from prototypes.sketches import DEMO_SHOP, draw_screen, screen_hotspots
from tests.e2e.drivers import Counted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROTOTYPE_NAME = "Shop app"
TABS = ("Home", "Help", "Account")
TAB_BAR = {"kind": "tabs", "items": [{"label": name, "target": name} for name in TABS]}


def sketches():
    """The demo shop's screens, numbered so they upload in order, each tab bar with all three
    tabs linked (the current one leads to its own screen, as in most apps). The demo draws
    the tab bar on four screens; "Order detail" gets one too, so it is on five."""
    drawn = []
    for number, (name, elements) in enumerate(DEMO_SHOP, start=1):
        elements = [TAB_BAR if element["kind"] == "tabs" else element for element in elements]
        if name == "Order detail":
            elements.append(TAB_BAR)
        drawn.append((f"{number} {name}", name, elements))
    return drawn


def screen_names():
    return {name: numbered for numbered, name, _ in sketches()}


def sketch_files(directory):
    paths = []
    for numbered, name, elements in sketches():
        path = directory / f"{numbered}.png"
        draw_screen(name, elements).save(path)
        paths.append(path)
    return paths


def links(elements):
    """The hotspots the screen needs: (label, box, target screen's name or None, action)."""
    return [
        (spot["label"], spot, spot["target_screen_name"], spot["action"] or "goto")
        for spot in screen_hotspots(elements)
    ]


def canvas_points(page, canvas, box):
    """Window points for a drag over `box` (fractions of the image), inset a little."""
    bounds = canvas.bounding_box()
    middle = bounds["y"] + (box["y"] + box["h"] / 2) * bounds["height"]
    if not 0 < middle < page.viewport_size["height"]:
        # The mouse only reaches what is shown; scrolling is not counted as an action.
        page.evaluate("(y) => window.scrollBy(0, y - window.innerHeight / 2)", middle)
        bounds = canvas.bounding_box()
    inset = 0.15
    start = (
        bounds["x"] + (box["x"] + box["w"] * inset) * bounds["width"],
        bounds["y"] + (box["y"] + box["h"] * inset) * bounds["height"],
    )
    end = (
        bounds["x"] + (box["x"] + box["w"] * (1 - inset)) * bounds["width"],
        bounds["y"] + (box["y"] + box["h"] * (1 - inset)) * bounds["height"],
    )
    return start, end


def upload_the_sketches(hand, page, live_server, tmp_path):
    page.goto(live_server.url + reverse("prototype_list"))
    hand.click(page.get_by_role("button", name="New prototype"))
    hand.type_in(page.get_by_label("Name"), PROTOTYPE_NAME)
    hand.click(page.get_by_role("button", name="Create prototype"))
    hand.choose_files(page.get_by_label("Screen images or PDFs"), sketch_files(tmp_path))
    cards = page.locator("[data-screen-grid] .screen-card")
    expect(cards).to_have_count(6)
    expect(cards.get_by_text("Ready")).to_have_count(6)
    return Prototype.objects.get(name=PROTOTYPE_NAME)


def publish(hand, page):
    hand.click(page.get_by_role("link", name=PROTOTYPE_NAME))
    hand.click(page.get_by_role("button", name="Publish version"))
    expect(page.locator(".flash")).to_contain_text("v1")


def assert_every_link_made(prototype):
    names = screen_names()
    version = prototype.versions.get(number=1)
    made = {
        (hotspot.screen.name, hotspot.action, hotspot.target.name if hotspot.target else None)
        for hotspot in Hotspot.objects.filter(screen__version=version).select_related(
            "screen", "target"
        )
    }
    wanted = {
        (numbered, action, names.get(target))
        for numbered, _, elements in sketches()
        for _, _, target, action in links(elements)
    }
    assert made == wanted
    tab_bars = Hotspot.objects.filter(screen__version=version, label__in=TABS)
    assert tab_bars.count() == 15


def todays_editor(hand, page, prototype):
    """The editor as it was before issue 14: one form per hotspot, the target from a list."""
    names = screen_names()
    hand.click(page.get_by_role("link", name=re.compile(r"^Edit hotspots on 1 Home")))
    for index, (numbered, _, elements) in enumerate(sketches()):
        if index:
            hand.click(
                page.get_by_role("navigation", name="Other screens").get_by_role(
                    "button", name=numbered
                )
            )
            expect(page.get_by_role("heading", level=1)).to_contain_text(numbered)
        for count, (label, box, target, action) in enumerate(links(elements), start=1):
            hand.drag(*canvas_points(page, page.locator("[data-editor-canvas]"), box))
            new = page.locator("form[data-new]")
            expect(new.get_by_label("Label (what a screen reader announces)")).to_be_focused()
            hand.type(label)
            if action == "goto":
                hand.choose(new.get_by_label("Target screen"), names[target])
            else:
                hand.choose(
                    new.get_by_label("Action"), "Go back" if action == "back" else "End the flow"
                )
            hand.click(new.get_by_role("button", name="Add hotspot"))
            expect(page.locator("#hotspot-panel h2")).to_contain_text(f"({count})")


def test_building_the_demo_prototype_in_todays_editor(
    live_server, desktop_page, log_in, designer, tmp_path
):
    page = desktop_page
    log_in(page, designer)
    hand = Counted(page)
    prototype = upload_the_sketches(hand, page, live_server, tmp_path)
    todays_editor(hand, page, prototype)
    publish(hand, page)
    print(f"\nToday's editor: {hand}")
    assert_every_link_made(prototype)
