"""Flow map warnings, the preview player and the prototype pages' query counts."""

import re

import pytest
from django.urls import reverse

from prototypes.authoring.flowmap import build_flow_map
from prototypes.authoring.models import Device, Hotspot
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def prototype(workspace):
    return factories.PrototypeFactory(workspace=workspace, name="Shop")


def linked_screens(prototype, count, hotspots_each=2):
    """A chain of screens, each linking to the next; the last ends the flow."""
    draft = prototype.draft
    screens = [
        factories.ScreenFactory(version=draft, name=f"Screen {index}", position=index)
        for index in range(count)
    ]
    for index, screen in enumerate(screens):
        for _ in range(hotspots_each):
            if index + 1 < count:
                factories.HotspotFactory(screen=screen, target=screens[index + 1])
            else:
                factories.HotspotFactory(screen=screen, action=Hotspot.Action.END, target=None)
    return screens


def test_flow_map_warns_about_unreachable_screens_dead_ends_and_deleted_targets(
    designer_client, prototype
):
    draft = prototype.draft
    home, orders, lost, stuck, doomed = (
        factories.ScreenFactory(version=draft, name=name, position=position)
        for position, name in enumerate(["Home", "Orders", "Lost", "Stuck", "Doomed"])
    )
    factories.HotspotFactory(screen=home, label="Orders", target=orders)
    factories.HotspotFactory(screen=home, label="Stuck", target=stuck)
    factories.HotspotFactory(screen=orders, label="Back", action=Hotspot.Action.BACK)
    factories.HotspotFactory(screen=lost, label="Done", action=Hotspot.Action.END)
    factories.HotspotFactory(screen=stuck, label="Itself", target=stuck)
    factories.HotspotFactory(screen=stuck, label="Gone", target=doomed)
    doomed.delete()

    flow = build_flow_map(list(draft.screens.all()), list(Hotspot.objects.all()), prototype.device)
    assert [screen.name for screen in flow.unreachable] == ["Lost"]
    assert [screen.name for screen in flow.dead_ends] == []
    assert [hotspot.label for hotspot in flow.broken] == ["Gone"]
    columns = {node.screen.name: node.column for node in flow.nodes}
    assert columns == {"Home": 0, "Orders": 1, "Stuck": 1, "Lost": 2}
    assert len(flow.links) == 3  # Home→Orders, Home→Stuck and the loop on Stuck

    page = designer_client.get(reverse("prototype_flow_map", args=[prototype.pk]))
    body = page.content.decode()
    assert "Nothing links to “Lost”" in body
    assert "The hotspot “Gone” on “Stuck” leads to a screen that was deleted." in body
    assert body.count('class="flow-link') == 3
    assert body.count("flow-link-return") == 1  # the loop on Stuck
    assert home.thumbnail.url in body


def test_dead_ends(prototype):
    draft = prototype.draft
    home = factories.ScreenFactory(version=draft, name="Home", position=0)
    empty = factories.ScreenFactory(version=draft, name="Empty", position=1)
    broken = factories.ScreenFactory(version=draft, name="Broken", position=2)
    factories.HotspotFactory(screen=home, target=empty)
    factories.HotspotFactory(screen=home, target=broken)
    factories.HotspotFactory(screen=broken, target=None)
    flow = build_flow_map(list(draft.screens.all()), list(Hotspot.objects.all()), Device.PHONE)
    assert [screen.name for screen in flow.dead_ends] == ["Empty", "Broken"]
    assert "“Empty” is a dead end: it has no hotspots and does not end the flow." in flow.warnings


def test_a_clean_flow_has_no_warnings(designer_client, prototype):
    linked_screens(prototype, 3)
    body = designer_client.get(reverse("prototype_flow_map", args=[prototype.pk])).content.decode()
    assert "Every screen can be reached" in body


def test_flow_map_svg_numbers_ignore_the_language(client, designer, prototype, settings):
    linked_screens(prototype, 2)
    client.force_login(designer)
    body = client.get(
        reverse("prototype_flow_map", args=[prototype.pk]), headers={"accept-language": "fr"}
    ).content.decode()
    assert re.search(r'<rect x="\d+(\.\d+)?" ', body)
    assert not re.search(r'(x|width|d)="[^"]*\d,\d', body)


def test_preview_renders_hotspots_as_labelled_buttons(designer_client, prototype):
    home, orders = linked_screens(prototype, 2, hotspots_each=1)
    hotspot = home.hotspots.get()
    hotspot.label = "Where is my order?"
    hotspot.save()
    body = designer_client.get(reverse("prototype_preview", args=[prototype.pk])).content.decode()
    assert re.search(
        rf'<button type="button" class="proto-hotspot" data-player-hotspot="{hotspot.pk}" '
        rf'data-action="goto" data-target="{orders.pk}"[^>]*>'
        r'<span class="proto-hotspot-label">Where is my order\?</span></button>',
        body,
    )
    assert f'data-start="{home.pk}"' in body
    assert 'data-aspect="0.462' in body
    assert home.image.url in body
    assert "player-core.js" in body
    assert "nothing is recorded" in body


def test_preview_of_a_published_version(designer_client, prototype):
    linked_screens(prototype, 2)
    version = prototype.draft.publish()
    home = prototype.draft.screens.first()
    home.name = "Renamed in the draft"
    home.save()
    url = reverse("prototype_preview", args=[prototype.pk])
    body = designer_client.get(url, {"version": version.number}).content.decode()
    assert "Renamed in the draft" not in body
    assert f'data-start="{version.start_screen().pk}"' in body
    assert designer_client.get(url, {"version": "9"}).status_code == 404
    assert designer_client.get(url, {"version": "x"}).status_code == 404


def test_preview_is_for_workspace_members_only(client, outsider, prototype):
    client.force_login(outsider)
    assert client.get(reverse("prototype_preview", args=[prototype.pk])).status_code == 404


def test_preview_leaves_out_screens_not_ready(designer_client, prototype):
    linked_screens(prototype, 1)
    factories.ScreenFactory(
        version=prototype.draft, status="processing", image="", thumbnail="", name="Later"
    )
    body = designer_client.get(reverse("prototype_preview", args=[prototype.pk])).content.decode()
    assert "1 screen not ready yet left out" in body
    assert 'aria-label="Later"' not in body


@pytest.mark.parametrize(
    "url_name", ["prototype_detail", "prototype_flow_map", "prototype_preview"]
)
def test_pages_do_not_grow_queries_with_screens(
    designer_client, workspace, url_name, django_assert_max_num_queries
):
    small = factories.PrototypeFactory(workspace=workspace)
    large = factories.PrototypeFactory(workspace=workspace)
    linked_screens(small, 3)
    linked_screens(large, 30)
    small.draft.publish()
    large.draft.publish()
    designer_client.get(reverse(url_name, args=[small.pk]))  # warm the session

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert designer_client.get(reverse(url_name, args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert designer_client.get(reverse(url_name, args=[large.pk])).status_code == 200


def test_prototype_list_does_not_grow_queries(
    designer_client, workspace, django_assert_max_num_queries
):
    for _ in range(3):
        linked_screens(factories.PrototypeFactory(workspace=workspace), 2)
    designer_client.get(reverse("prototype_list"))
    with django_assert_max_num_queries(8):
        response = designer_client.get(reverse("prototype_list"))
    assert response.content.decode().count('class="prototype-card"') == 3


def test_the_demo_map_fits_every_screen_and_highlights_a_tasks_expected_path(
    designer_client, workspace, designer
):
    from prototypes.authoring.demo import create_demo_prototypes
    from prototypes.studies.demo import create_demo_study

    versions = create_demo_prototypes(workspace, designer)
    study = create_demo_study(workspace, designer, versions["shop"])
    task = study.tasks.exclude(expected_path=[]).first()
    prototype = versions["shop"].prototype
    url = reverse("prototype_flow_map", args=[prototype.pk])
    body = designer_client.get(url, {"version": 1}).content.decode()
    width, height = map(float, re.search(r'viewBox="0 0 (\d+) (\d+)"', body).groups())
    for x, y, w, h in re.findall(
        r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', body
    ):
        assert float(x) + float(w) <= width and float(y) + float(h) + 34 <= height
    assert "is-on-path" not in body and f'value="{task.pk}"' in body

    body = designer_client.get(url, {"version": 1, "task": task.pk}).content.decode()
    on_path = re.findall(r'class="flow-node[^"]*is-on-path" data-screen="(\d+)"', body)
    assert [int(pk) for pk in on_path] == sorted(
        task.expected_path, key=[screen.pk for screen in versions["shop"].screens.all()].index
    )
    assert body.count("flow-link is-on-path") == len(task.expected_path) - 1
