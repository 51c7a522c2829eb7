"""The hotspot editor: drawing is JavaScript, but every action is a plain form the server checks."""

import pytest
from django.urls import reverse

from prototypes.authoring.models import Hotspot
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(workspace):
    return factories.VersionFactory(prototype=factories.PrototypeFactory(workspace=workspace))


@pytest.fixture
def home(draft):
    return factories.ScreenFactory(version=draft, name="Home")


@pytest.fixture
def orders(draft):
    return factories.ScreenFactory(version=draft, name="Orders")


def new_hotspot(**fields):
    data = {"label": "My orders", "action": "goto", "x": "10", "y": "20", "width": "30"}
    data["height"] = "5"
    data.update(fields)
    return {f"new-{name}": value for name, value in data.items()}


def test_editor_page_has_a_form_per_hotspot_and_one_for_a_new_one(designer_client, home, orders):
    hotspot = factories.HotspotFactory(screen=home, target=orders, x=0.125, y=0.5)
    page = designer_client.get(reverse("screen_editor", args=[home.pk])).content.decode()
    assert home.image.url in page
    assert f'name="hotspot-{hotspot.pk}-x"' in page and 'value="12.5"' in page
    assert 'name="new-label"' in page
    assert "Orders" in page  # a target choice


def test_create_hotspot_stores_fractions(designer_client, home, orders):
    response = designer_client.post(
        reverse("hotspot_create", args=[home.pk]), new_hotspot(target=str(orders.pk))
    )
    assert response.status_code == 302
    hotspot = Hotspot.objects.get()
    assert (hotspot.x, hotspot.y, hotspot.width, hotspot.height) == (0.1, 0.2, 0.3, 0.05)
    assert hotspot.screen == home and hotspot.target == orders and hotspot.label == "My orders"


def test_create_with_htmx_returns_the_panel(designer_client, home, orders):
    response = designer_client.post(
        reverse("hotspot_create", args=[home.pk]),
        new_hotspot(action="end"),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="hotspot-panel"')
    assert "Hotspot “My orders” added." in body
    assert Hotspot.objects.get().action == Hotspot.Action.END


@pytest.mark.parametrize(
    ("fields", "label"),
    [({"action": "goto"}, "Orders"), ({"action": "back"}, "Back"), ({"action": "end"}, "Finish")],
)
def test_a_hotspot_left_without_a_label_is_named_after_where_it_leads(
    designer_client, home, orders, fields, label
):
    data = new_hotspot(label="", target=str(orders.pk), **fields)
    designer_client.post(reverse("hotspot_create", args=[home.pk]), data)
    assert Hotspot.objects.get().label == label


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"label": "x" * 121}, "at most 120 characters"),
        ({"x": "80", "width": "30"}, "past the right edge"),
        ({"y": "99", "height": "5"}, "past the bottom edge"),
        ({"width": "0"}, "The width must be more than 0."),
        ({"x": "-1"}, "greater than or equal to 0"),
        ({"height": "101"}, "less than or equal to 100"),
        ({"action": "goto", "target": ""}, "Choose the screen this hotspot goes to."),
        ({"action": "jump"}, "Select a valid choice."),
    ],
)
def test_invalid_hotspots_are_refused(designer_client, home, orders, fields, message):
    data = new_hotspot(target=str(orders.pk))
    data.update({f"new-{name}": value for name, value in fields.items()})
    response = designer_client.post(
        reverse("hotspot_create", args=[home.pk]), data, headers={"HX-Request": "true"}
    )
    assert message in response.content.decode()
    assert not Hotspot.objects.exists()


def test_target_must_be_in_the_same_version(designer_client, home, workspace):
    elsewhere = factories.ScreenFactory(
        version=factories.VersionFactory(prototype=factories.PrototypeFactory(workspace=workspace))
    )
    response = designer_client.post(
        reverse("hotspot_create", args=[home.pk]),
        new_hotspot(target=str(elsewhere.pk)),
        headers={"HX-Request": "true"},
    )
    assert "Select a valid choice." in response.content.decode()
    assert not Hotspot.objects.exists()


def test_invalid_post_without_javascript_rerenders_the_page(designer_client, home):
    response = designer_client.post(
        reverse("hotspot_create", args=[home.pk]), new_hotspot(action="back", width="")
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_update_moves_resizes_and_retargets(designer_client, home, orders):
    hotspot = factories.HotspotFactory(screen=home, target=orders)
    prefix = f"hotspot-{hotspot.pk}"
    data = {
        f"{prefix}-label": "Back home",
        f"{prefix}-action": "back",
        f"{prefix}-target": str(orders.pk),
        f"{prefix}-x": "50",
        f"{prefix}-y": "50",
        f"{prefix}-width": "50",
        f"{prefix}-height": "50",
    }
    response = designer_client.post(
        reverse("hotspot_update", args=[hotspot.pk]), data, headers={"HX-Request": "true"}
    )
    assert "Hotspot “Back home” saved." in response.content.decode()
    hotspot.refresh_from_db()
    assert (hotspot.x, hotspot.y, hotspot.width, hotspot.height) == (0.5, 0.5, 0.5, 0.5)
    assert hotspot.action == Hotspot.Action.BACK
    assert hotspot.target is None  # only "go to" keeps a target


def test_update_with_errors_keeps_the_hotspot(designer_client, home, orders):
    hotspot = factories.HotspotFactory(screen=home, target=orders, label="Keep")
    prefix = f"hotspot-{hotspot.pk}"
    data = {f"{prefix}-label": "", f"{prefix}-action": "goto", f"{prefix}-x": "95"}
    data.update({f"{prefix}-y": "0", f"{prefix}-width": "10", f"{prefix}-height": "10"})
    response = designer_client.post(
        reverse("hotspot_update", args=[hotspot.pk]), data, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "Choose the screen this hotspot goes to." in body and "past the right edge" in body
    hotspot.refresh_from_db()
    assert hotspot.label == "Keep" and hotspot.x == 0.1


def test_delete(designer_client, home):
    hotspot = factories.HotspotFactory(screen=home, action=Hotspot.Action.END)
    response = designer_client.post(reverse("hotspot_delete", args=[hotspot.pk]))
    assert response.status_code == 302
    assert not Hotspot.objects.exists()


def test_hotspots_of_published_versions_cannot_be_edited(designer_client, home, orders):
    factories.HotspotFactory(screen=home, target=orders)
    version = home.version.publish()
    frozen = Hotspot.objects.get(screen__version=version)
    assert designer_client.post(reverse("hotspot_delete", args=[frozen.pk])).status_code == 404
    assert designer_client.post(reverse("hotspot_update", args=[frozen.pk])).status_code == 404
    frozen_screen = version.screens.get(name="Home")
    response = designer_client.post(
        reverse("hotspot_create", args=[frozen_screen.pk]), new_hotspot(action="end")
    )
    assert response.status_code == 404
    assert Hotspot.objects.count() == 2


def test_viewers_cannot_edit_hotspots(client, viewer, home):
    client.force_login(viewer)
    assert client.get(reverse("screen_editor", args=[home.pk])).status_code == 403
    response = client.post(reverse("hotspot_create", args=[home.pk]), new_hotspot(action="end"))
    assert response.status_code == 403
    assert not Hotspot.objects.exists()
