"""Prototype pages and versions: create, edit, delete, publish, and frozen published versions."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prototypes.authoring.models import Hotspot, Prototype, Screen
from tests import factories

pytestmark = pytest.mark.django_db


def snapshot(version):
    """Everything a participant of this version would see."""
    screens = [
        (
            screen.key,
            screen.name,
            screen.position,
            screen.image.name,
            screen.thumbnail.name,
            screen.width,
            screen.height,
        )
        for screen in version.screens.all()
    ]
    hotspots = [
        (
            hotspot.screen.key,
            hotspot.label,
            hotspot.x,
            hotspot.y,
            hotspot.width,
            hotspot.height,
            hotspot.action,
            hotspot.target.key if hotspot.target else None,
        )
        for hotspot in Hotspot.objects.filter(screen__version=version).select_related(
            "screen", "target"
        )
    ]
    return screens, hotspots


def test_list_shows_the_workspace_prototypes_only(designer_client, workspace):
    mine = factories.PrototypeFactory(workspace=workspace, name="Ours")
    factories.PrototypeFactory(name="Theirs")
    body = designer_client.get(reverse("prototype_list")).content.decode()
    assert mine.name in body and "Theirs" not in body


def test_create_a_paper_prototype(designer_client, workspace, designer):
    response = designer_client.post(
        reverse("prototype_create"),
        {"name": "Checkout", "description": "Quicker", "kind": "paper", "device": "tablet"},
    )
    prototype = Prototype.objects.get()
    assert response.url == reverse("prototype_detail", args=[prototype.pk])
    assert prototype.workspace == workspace and prototype.created_by == designer
    assert prototype.device == "tablet" and prototype.versions.get().is_draft
    body = designer_client.get(response.url).content.decode()
    assert "Checkout" in body and "Tablet" in body and 'name="files"' in body


def test_create_a_scripted_prototype_shows_its_detail_page(designer_client):
    response = designer_client.post(
        reverse("prototype_create"), {"name": "Assistant", "kind": "scripted", "device": "phone"}
    )
    assert response.status_code == 302
    assert Prototype.objects.get().kind == Prototype.Kind.SCRIPTED


def test_create_needs_a_name(designer_client):
    response = designer_client.post(reverse("prototype_create"), {"kind": "paper"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Prototype.objects.exists()


def test_viewers_can_look_but_not_create(client, viewer, workspace):
    prototype = factories.PrototypeFactory(workspace=workspace)
    client.force_login(viewer)
    assert client.get(reverse("prototype_list")).status_code == 200
    body = client.get(reverse("prototype_detail", args=[prototype.pk])).content.decode()
    assert 'name="files"' not in body and "Publish version" not in body
    assert client.get(reverse("prototype_create")).status_code == 403
    assert client.post(reverse("prototype_publish", args=[prototype.pk])).status_code == 403


def test_edit(designer_client, workspace):
    prototype = factories.PrototypeFactory(workspace=workspace, kind="paper")
    response = designer_client.post(
        reverse("prototype_edit", args=[prototype.pk]),
        {"name": "Renamed", "description": "", "device": "desktop", "kind": "scripted"},
    )
    assert response.status_code == 302
    prototype.refresh_from_db()
    assert (prototype.name, prototype.device, prototype.kind) == ("Renamed", "desktop", "paper")


def test_delete_removes_rows_and_files(
    designer_client, workspace, settings, django_capture_on_commit_callbacks
):
    prototype = factories.PrototypeFactory(workspace=workspace)
    screen = factories.ScreenFactory(version=prototype.draft)
    prototype.draft.publish()
    path = os.path.join(settings.MEDIA_ROOT, screen.image.name)
    assert os.path.exists(path)
    assert designer_client.get(reverse("prototype_delete", args=[prototype.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = designer_client.post(reverse("prototype_delete", args=[prototype.pk]))
    assert response.url == reverse("prototype_list")
    assert not Prototype.objects.exists() and not Screen.objects.exists()
    assert not os.path.exists(path)


def test_a_prototype_used_by_a_study_is_not_deleted(designer_client, workspace):
    study = factories.StudyFactory(workspace=workspace)
    prototype = study.prototype_version.prototype
    response = designer_client.post(reverse("prototype_delete", args=[prototype.pk]))
    assert response.status_code == 302
    assert Prototype.objects.filter(pk=prototype.pk).exists()
    body = designer_client.get(response.url).content.decode()
    assert study.title in body


def test_publish_freezes_a_copy(designer_client, workspace, designer):
    prototype = factories.PrototypeFactory(workspace=workspace)
    home = factories.ScreenFactory(version=prototype.draft, name="Home")
    orders = factories.ScreenFactory(version=prototype.draft, name="Orders")
    factories.HotspotFactory(screen=home, target=orders, label="Orders")
    response = designer_client.post(
        reverse("prototype_publish", args=[prototype.pk]), {"note": "First round"}
    )
    assert response.status_code == 302
    version = prototype.versions.get(number=1)
    assert version.note == "First round" and version.published_by == designer
    assert snapshot(version) == snapshot(prototype.draft)
    body = designer_client.get(response.url).content.decode()
    assert "Published v1." in body and reverse("version_export", args=[version.pk]) in body


@pytest.mark.parametrize(
    ("status", "message"),
    [("processing", "still processing"), ("failed", "failed to process"), (None, "at least one")],
)
def test_publish_is_refused_while_screens_are_not_ready(
    designer_client, workspace, status, message
):
    prototype = factories.PrototypeFactory(workspace=workspace)
    factories.ScreenFactory(version=prototype.draft)
    if status:
        factories.ScreenFactory(version=prototype.draft, status=status, image="", thumbnail="")
    else:
        prototype.draft.screens.all().delete()
    response = designer_client.post(reverse("prototype_publish", args=[prototype.pk]))
    assert not prototype.versions.filter(number__gt=0).exists()
    assert message in designer_client.get(response.url).content.decode()


def test_editing_after_publishing_never_changes_the_published_version(
    designer_client, workspace, settings, django_capture_on_commit_callbacks
):
    prototype = factories.PrototypeFactory(workspace=workspace)
    draft = prototype.draft
    home = factories.ScreenFactory(version=draft, name="Home")
    orders = factories.ScreenFactory(version=draft, name="Orders")
    help_ = factories.ScreenFactory(version=draft, name="Help")
    link = factories.HotspotFactory(screen=home, target=orders, label="Orders")
    factories.HotspotFactory(screen=orders, action=Hotspot.Action.BACK, label="Back")
    version = draft.publish()
    before = snapshot(version)

    with django_capture_on_commit_callbacks(execute=True):
        designer_client.post(reverse("screen_rename", args=[home.pk]), {"name": "Start"})
        designer_client.post(reverse("screen_move", args=[help_.pk]), {"direction": "up"})
        prefix = f"hotspot-{link.pk}"
        designer_client.post(
            reverse("hotspot_update", args=[link.pk]),
            {
                f"{prefix}-label": "Help",
                f"{prefix}-action": "goto",
                f"{prefix}-target": str(help_.pk),
                f"{prefix}-x": "1",
                f"{prefix}-y": "2",
                f"{prefix}-width": "3",
                f"{prefix}-height": "4",
            },
        )
        new_image = SimpleUploadedFile("new.png", factories.png_bytes((300, 600), (0, 0, 0)))
        designer_client.post(reverse("screen_replace", args=[home.pk]), {"file": new_image})
        designer_client.post(reverse("screen_delete", args=[orders.pk]))
        designer_client.post(
            reverse("hotspot_create", args=[help_.pk]),
            {
                "new-label": "Done",
                "new-action": "end",
                "new-x": "0",
                "new-y": "0",
                "new-width": "10",
                "new-height": "10",
            },
        )

    home.refresh_from_db()
    assert home.name == "Start" and home.width == 300
    assert snapshot(version) == before
    for screen in version.screens.all():
        for name in (screen.image.name, screen.thumbnail.name):
            assert os.path.exists(os.path.join(settings.MEDIA_ROOT, name))
    assert snapshot(prototype.draft) != before
