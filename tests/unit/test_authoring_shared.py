"""Shared hotspots: a tab bar drawn once, placed on several screens, edited once for all."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prototypes.authoring import exchange, shared
from prototypes.authoring.models import Hotspot, SharedHotspotSet
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def draft(workspace):
    return factories.VersionFactory(prototype=factories.PrototypeFactory(workspace=workspace))


@pytest.fixture
def screens(draft):
    return [
        factories.ScreenFactory(version=draft, name=name, position=index)
        for index, name in enumerate(["Home", "Help", "Account", "Orders", "Contact"])
    ]


@pytest.fixture
def tab_bar(screens):
    """Three tabs drawn on Home, then shared on Help, Account and Orders."""
    home, help_screen, account, orders, _ = screens
    tabs = [
        factories.HotspotFactory(
            screen=home,
            label=target.name,
            target=target,
            x=0.05 + index * 0.3,
            y=0.9,
            width=0.25,
            height=0.08,
            position=index,
        )
        for index, target in enumerate([home, help_screen, account])
    ]
    return shared.share(tabs, [help_screen, account, orders], "Tab bar")


def copies(shared_set):
    return Hotspot.objects.filter(shared_set=shared_set)


def edit_data(hotspot, **changes):
    data = {
        "label": hotspot.label,
        "action": hotspot.action,
        "target": hotspot.target_id or "",
        "x": hotspot.x * 100,
        "y": hotspot.y * 100,
        "width": hotspot.width * 100,
        "height": hotspot.height * 100,
    }
    data.update(changes)
    return {f"hotspot-{hotspot.pk}-{name}": value for name, value in data.items()}


def test_sharing_places_a_copy_of_each_hotspot_on_every_chosen_screen(screens, tab_bar):
    on = {hotspot.screen.name for hotspot in copies(tab_bar)}
    assert on == {"Home", "Help", "Account", "Orders"}
    assert copies(tab_bar).count() == 12
    assert set(copies(tab_bar).values_list("label", flat=True)) == {"Home", "Help", "Account"}


def test_one_edit_updates_the_hotspot_on_every_screen(designer_client, screens, tab_bar):
    contact = screens[4]
    on_orders = copies(tab_bar).get(screen=screens[3], label="Help")
    response = designer_client.post(
        reverse("hotspot_update", args=[on_orders.pk]),
        edit_data(on_orders, label="Support", target=contact.pk, y=88),
        headers=HTMX,
    )
    assert "saved on every screen it is shared on" in response.content.decode()
    moved = copies(tab_bar).filter(shared_key=on_orders.shared_key)
    assert moved.count() == 4
    assert {(h.label, h.target_id, round(h.y, 4)) for h in moved} == {("Support", contact.pk, 0.88)}
    assert copies(tab_bar).filter(label="Home").count() == 4  # the other tabs are untouched


def test_deleting_a_shared_hotspot_deletes_it_everywhere(designer_client, screens, tab_bar):
    account_tab = copies(tab_bar).get(screen=screens[1], label="Account")
    designer_client.post(reverse("hotspot_delete", args=[account_tab.pk]))
    assert copies(tab_bar).count() == 8
    for tab in list(copies(tab_bar)):
        designer_client.post(reverse("hotspot_delete", args=[tab.pk]))
    assert not SharedHotspotSet.objects.exists()


def test_placing_a_set_adds_and_removes_screens(designer_client, screens, tab_bar):
    home, help_screen, _, orders, contact = screens
    url = reverse("shared_set_place", args=[home.pk, tab_bar.pk])
    prefix = f"set-{tab_bar.pk}-screens"
    designer_client.post(url, {prefix: [home.pk, orders.pk, contact.pk]})
    assert {h.screen.name for h in copies(tab_bar)} == {"Home", "Orders", "Contact"}
    on_contact = copies(tab_bar).filter(screen=contact)
    assert sorted(on_contact.values_list("label", flat=True)) == ["Account", "Help", "Home"]
    designer_client.post(url, {})
    assert not SharedHotspotSet.objects.exists() and not copies(tab_bar).exists()
    assert help_screen.hotspots.count() == 0


def test_the_share_form_shares_the_chosen_hotspots(designer_client, screens):
    home, help_screen, account, _, _ = screens
    back = factories.HotspotFactory(screen=home, label="Back", action="back", target=None)
    other = factories.HotspotFactory(screen=home, label="Search", target=account)
    response = designer_client.post(
        reverse("hotspot_share", args=[home.pk]),
        {"name": "Back button", "hotspots": [back.pk], "screens": [help_screen.pk, account.pk]},
        headers=HTMX,
    )
    assert "is now on 3 screens" in response.content.decode()
    shared_set = SharedHotspotSet.objects.get(name="Back button")
    assert {h.screen_id for h in copies(shared_set)} == {home.pk, help_screen.pk, account.pk}
    other.refresh_from_db()
    assert other.shared_set is None


def test_the_share_form_refuses_nothing_chosen(designer_client, screens):
    response = designer_client.post(
        reverse("hotspot_share", args=[screens[0].pk]), {"name": "Tabs"}, headers=HTMX
    )
    assert "Choose the hotspots to share." in response.content.decode()
    assert not SharedHotspotSet.objects.exists()


def test_publishing_freezes_shared_hotspots_as_ordinary_ones(screens, tab_bar, draft):
    published = draft.publish()
    frozen = Hotspot.objects.filter(screen__version=published)
    assert frozen.count() == 12
    frozen_screens = set(published.screens.values_list("pk", flat=True))
    assert {hotspot.target_id for hotspot in frozen} <= frozen_screens
    assert {hotspot.shared_set.version_id for hotspot in frozen} == {published.pk}
    # Editing the draft afterwards leaves the published version as it was.
    shared.delete(copies(tab_bar).first())
    assert Hotspot.objects.filter(screen__version=published).count() == 12


def test_export_and_import_keep_shared_sets(designer_client, workspace, screens, tab_bar, draft):
    data = exchange.export_version(draft)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        flow = json.loads(archive.read("flow.json"))
    assert flow["shared_sets"] == [{"name": "Tab bar"}]
    first = flow["screens"][0]["hotspots"][0]
    assert first["shared"]["set"] == 1

    upload = SimpleUploadedFile("shop.zip", data, content_type="application/zip")
    user = factories.MembershipFactory(workspace=workspace, role="designer").user
    imported = exchange.import_prototype(workspace, user, upload)
    imported_set = imported.draft.shared_sets.get()
    assert imported_set.name == "Tab bar"
    assert copies(imported_set).count() == 12
    assert copies(imported_set).values("shared_key").distinct().count() == 3
    on = {hotspot.screen.name for hotspot in copies(imported_set)}
    assert on == {"Home", "Help", "Account", "Orders"}


@pytest.mark.parametrize(
    ("shared", "message"),
    [
        ({"set": 2, "key": "0b0f5a40-4f7e-4a52-9d0c-6bd6c8a0b3f1"}, "“shared.set” must be"),
        ({"set": 1, "key": "nope"}, "“shared.key” must be a UUID"),
        ("tabs", "“shared.set” must be"),
    ],
)
def test_import_refuses_a_bad_shared_reference(shared, message):
    flow = {
        "format": exchange.FORMAT,
        "format_version": exchange.FORMAT_VERSION,
        "prototype": {"name": "Shop", "description": "", "device": "phone"},
        "shared_sets": [{"name": "Tabs"}],
        "screens": [
            {
                "file": "a.png",
                "name": "A",
                "hotspots": [
                    {
                        "label": "Tab",
                        "x": 0,
                        "y": 0,
                        "width": 0.5,
                        "height": 0.5,
                        "action": "back",
                        "shared": shared,
                    }
                ],
            }
        ],
    }
    with pytest.raises(exchange.ImportRefused, match=message):
        exchange.parse_flow(json.dumps(flow).encode())


def test_undo_and_redo_a_share_and_an_edit(designer_client, screens):
    home, help_screen, account, _, _ = screens
    tab = factories.HotspotFactory(screen=home, label="Help", target=help_screen)
    designer_client.post(
        reverse("hotspot_share", args=[home.pk]),
        {"name": "Tabs", "hotspots": [tab.pk], "screens": [account.pk]},
    )
    designer_client.post(
        reverse("hotspot_update", args=[tab.pk]),
        edit_data(Hotspot.objects.get(pk=tab.pk), label="FAQ"),
    )
    assert set(Hotspot.objects.values_list("label", flat=True)) == {"FAQ"}

    undo = reverse("hotspot_undo", args=[home.pk])
    redo = reverse("hotspot_redo", args=[home.pk])
    response = designer_client.post(undo, headers=HTMX)
    assert "Undone: change “Help”" in response.content.decode()
    assert set(Hotspot.objects.values_list("label", flat=True)) == {"Help"}
    designer_client.post(undo)
    assert list(Hotspot.objects.values_list("pk", "shared_set")) == [(tab.pk, None)]
    assert not SharedHotspotSet.objects.exists()
    assert "Nothing to undo." in designer_client.post(undo, headers=HTMX).content.decode()

    designer_client.post(redo)
    designer_client.post(redo)
    assert Hotspot.objects.filter(label="FAQ").count() == 2
    assert SharedHotspotSet.objects.get().name == "Tabs"


def test_undo_brings_a_deleted_hotspot_back_with_its_id(designer_client, screens):
    tab = factories.HotspotFactory(screen=screens[0], label="Help", target=screens[1])
    designer_client.post(reverse("hotspot_delete", args=[tab.pk]))
    designer_client.post(reverse("hotspot_undo", args=[screens[0].pk]))
    restored = Hotspot.objects.get()
    assert (restored.pk, restored.label, restored.target_id) == (tab.pk, "Help", screens[1].pk)


def test_the_editor_reads_a_fixed_number_of_queries_however_many_hotspots(
    designer_client, screens, tab_bar, django_assert_max_num_queries
):
    for index in range(10):
        factories.HotspotFactory(screen=screens[0], label=f"Row {index}", target=screens[2])
    with django_assert_max_num_queries(16):
        response = designer_client.get(reverse("screen_editor", args=[screens[0].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tab bar" in body and "data-target-screen" in body and "Keyboard shortcuts" in body


def test_the_flow_map_warns_where_a_shared_set_covers_a_screens_own_hotspot(screens, tab_bar):
    from prototypes.authoring.flowmap import build_flow_map

    orders = screens[3]
    factories.HotspotFactory(screen=orders, label="Load more", target=screens[4], y=0.92)
    hotspots = Hotspot.objects.filter(screen__version=orders.version).select_related("shared_set")
    flow = build_flow_map(screens, hotspots, "phone")
    covered = [warning for warning in flow.warnings if "covers" in warning]
    assert covered == [
        "The shared “Tab bar” covers “Load more” on “Orders”: participants can tap only one."
    ]


def test_the_session_keeps_the_history_of_the_last_screens_only(designer_client, draft):
    from prototypes.authoring.history import MAX_SCREENS, SESSION_KEY

    screens = [factories.ScreenFactory(version=draft) for _ in range(MAX_SCREENS + 2)]
    for screen in screens:
        factories.HotspotFactory(screen=screen, target=screens[0])
        hotspot = screen.hotspots.get()
        designer_client.post(reverse("hotspot_delete", args=[hotspot.pk]))
    history = designer_client.session[SESSION_KEY]
    assert list(history) == [str(screen.pk) for screen in screens[-MAX_SCREENS:]]
