"""The hotspot editor and the flow map in a real browser: touch, keyboard, zoom, axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.authoring.models import Hotspot
from tests.e2e import axe
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABLET = {"viewport": {"width": 768, "height": 1024}, "is_mobile": True, "has_touch": True}


def draft_screen(demo, name):
    return demo["screen"].version.screens.get(name=name)


def open_editor(page, live_server, log_in, demo, name="Home"):
    log_in(page, demo["user"])
    screen = draft_screen(demo, name)
    page.goto(live_server.url + reverse("screen_editor", args=[screen.pk]))
    expect(page.locator(".hotspot-rect")).not_to_have_count(0)
    return screen


def row(page, label):
    return page.locator("[data-hotspot-form]:not([data-new])").filter(
        has=page.locator(f'input[value="{label}"]')
    )


def test_a_hotspot_is_fixed_by_touch_on_a_tablet(live_server, new_page, log_in, demo):
    page = new_page(**TABLET)
    screen = open_editor(page, live_server, log_in, demo)
    help_tab = screen.hotspots.get(label="Help")
    row(page, "Help").get_by_label("Label (what a screen reader announces)").tap()
    page.get_by_role("button", name="Link to Contact").tap()
    expect(page.locator("#hotspot-panel .flash")).to_contain_text("saved")
    help_tab.refresh_from_db()
    # A label that only named the old target follows the new one.
    assert (help_tab.target.name, help_tab.label) == ("Contact", "Contact")

    page.get_by_role("button", name="Undo").tap()
    expect(page.locator("#hotspot-panel .flash")).to_contain_text("Undone")
    help_tab.refresh_from_db()
    assert help_tab.target.name == "Help"


def test_keyboard_shortcuts_move_a_hotspot_and_undo_it(live_server, desktop_page, log_in, demo):
    page = desktop_page
    screen = open_editor(page, live_server, log_in, demo)
    account = screen.hotspots.get(label="Account")
    before = account.x
    row(page, "Account").get_by_label("Label (what a screen reader announces)").focus()
    # Out of the field, keys act on the selected hotspot.
    page.evaluate("document.activeElement.blur()")
    expect(page.locator(".hotspot-rect.is-selected")).to_have_count(1)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#hotspot-panel .flash")).to_contain_text("saved")
    account.refresh_from_db()
    assert account.x == pytest.approx(before - 0.01, abs=0.0002)
    page.keyboard.press("Control+z")
    expect(page.locator("#hotspot-panel .flash")).to_contain_text("Undone")
    account.refresh_from_db()
    assert account.x == pytest.approx(before)
    # The panel that came with the undo offers the redo; only then does the key have a button.
    expect(page.locator("#hotspot-panel [data-redo]")).to_be_enabled()
    page.keyboard.press("Control+Shift+z")
    # Redone: nothing is left to redo, and the move is back.
    expect(page.locator("#hotspot-panel [data-redo]")).to_be_disabled()
    assert Hotspot.objects.get(pk=account.pk).x == pytest.approx(before - 0.01, abs=0.0002)


def test_the_flow_map_zooms_pans_and_highlights_a_task(live_server, desktop_page, log_in, demo):
    page = desktop_page
    log_in(page, demo["user"])
    prototype = demo["screen"].version.prototype
    page.goto(live_server.url + reverse("prototype_flow_map", args=[prototype.pk]) + "?version=1")
    svg = page.locator("[data-flow-map]")
    full = svg.get_attribute("viewBox")
    page.get_by_role("button", name="Zoom in").click()
    zoomed = svg.get_attribute("viewBox")
    assert float(zoomed.split()[2]) < float(full.split()[2])
    svg.focus()
    page.keyboard.press("ArrowRight")
    assert svg.get_attribute("viewBox").split()[0] != zoomed.split()[0]
    page.keyboard.press("0")
    assert svg.get_attribute("viewBox") == full

    task = demo["study"].tasks.exclude(expected_path=[]).first()
    page.get_by_label("Highlight a task's expected path").select_option(str(task.pk))
    expect(page.locator(".flow-node.is-on-path")).to_have_count(len(task.expected_path))
    expect(page.locator(".flow-link.is-on-path")).to_have_count(len(task.expected_path) - 1)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["laptop", "phone"])
def test_editor_and_flow_map_pass_axe_in_every_state(live_server, new_page, log_in, demo, viewport):
    page = new_page(**viewport)
    open_editor(page, live_server, log_in, demo, name="Account")
    problems = []

    def check(where):
        page.wait_for_load_state("networkidle")
        blocking = [v for v in axe.violations(page) if v["impact"] in axe.BLOCKING_IMPACTS]
        if blocking:
            problems.append(f"== {where}\n{axe.describe(blocking)}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.viewport_size["width"]:
            problems.append(f"== {where}: the page is {width} px wide")

    check("editor")
    row(page, "My orders").get_by_label("Label (what a screen reader announces)").focus()
    row(page, "My orders").get_by_text("Advanced").click()
    check("editor, a hotspot selected, its numbers shown")
    page.get_by_text("Share hotspots on other screens").click()
    page.get_by_text("Keyboard shortcuts").click()
    check("editor, sharing and shortcuts open")
    prototype = demo["screen"].version.prototype
    task = demo["study"].tasks.exclude(expected_path=[]).first()
    page.goto(
        live_server.url
        + reverse("prototype_flow_map", args=[prototype.pk])
        + f"?version=1&task={task.pk}"
    )
    check("flow map with a task's path")
    assert not problems, "\n".join(problems)


def test_dragging_a_hotspots_handle_onto_a_screen_links_it(live_server, desktop_page, log_in, demo):
    page = desktop_page
    screen = open_editor(page, live_server, log_in, demo)
    help_tab = screen.hotspots.get(label="Help")
    rect = page.locator(f'.hotspot-rect[data-prefix="hotspot-{help_tab.pk}"]')
    rect.scroll_into_view_if_needed()
    rect.click()
    handle = rect.locator("[data-handle=link]")
    expect(handle).to_be_visible()
    handle.drag_to(page.get_by_role("button", name="Link to Orders"))
    expect(page.locator("#hotspot-panel .flash")).to_contain_text("saved")
    help_tab.refresh_from_db()
    assert (help_tab.target.name, help_tab.label) == ("Orders", "Orders")
