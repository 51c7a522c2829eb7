"""ZIP export and import of a prototype version."""

import io
import json
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from prototypes.authoring import exchange
from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.jobs import Job
from tests import factories

pytestmark = pytest.mark.django_db


def media_files(settings):
    return [name for _, _, names in os.walk(settings.MEDIA_ROOT) for name in names]


@pytest.fixture
def version(workspace, designer_client, django_capture_on_commit_callbacks):
    """A published shop prototype whose screens went through the real upload pipeline."""
    prototype = factories.PrototypeFactory(
        workspace=workspace, name="Shop", description="Where is my order?", device="phone"
    )
    files = [
        SimpleUploadedFile(f"{index} {name}.png", factories.png_bytes((390, 844), color))
        for index, (name, color) in enumerate(
            [("Home", (250, 240, 230)), ("Orders", (200, 220, 240)), ("Detail", (30, 60, 90))]
        )
    ]
    with django_capture_on_commit_callbacks(execute=True):
        designer_client.post(reverse("screen_upload", args=[prototype.pk]), {"files": files})
    home, orders, detail = prototype.draft.screens.all()
    factories.HotspotFactory(screen=home, label="My orders", target=orders, x=0.1, y=0.2)
    factories.HotspotFactory(
        screen=home, label="Help", target=detail, x=1 / 3, y=0.7, width=0.2, height=0.1
    )
    factories.HotspotFactory(screen=orders, label="Back", action=Hotspot.Action.BACK)
    factories.HotspotFactory(screen=detail, label="Done", action=Hotspot.Action.END)
    return prototype.draft.publish()


def read_zip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pixels(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def make_zip(entries, flow=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if flow is not None:
            archive.writestr("flow.json", json.dumps(flow))
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def valid_flow(**changes):
    flow = {
        "format": "protoplatform-flow",
        "format_version": 1,
        "prototype": {"name": "Imported", "description": "", "device": "phone"},
        "screens": [
            {
                "file": "screens/01-home.png",
                "name": "Home",
                "hotspots": [
                    {
                        "label": "Next",
                        "x": 0.1,
                        "y": 0.1,
                        "width": 0.5,
                        "height": 0.1,
                        "action": "goto",
                        "target": "screens/02-end.png",
                    }
                ],
            },
            {"file": "screens/02-end.png", "name": "End", "hotspots": []},
        ],
    }
    flow.update(changes)
    return flow


def valid_images():
    return {
        "screens/01-home.png": factories.png_bytes(),
        "screens/02-end.png": factories.png_bytes(color=(0, 0, 0)),
    }


def post_import(client, data, name="prototype.zip"):
    return client.post(
        reverse("prototype_import"), {"file": SimpleUploadedFile(name, data, "application/zip")}
    )


def test_export_contains_flow_json_and_display_images(designer_client, version):
    response = designer_client.get(reverse("version_export", args=[version.pk]))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="shop-v1.zip"'
    files = read_zip(response.content)
    flow = json.loads(files["flow.json"])
    assert flow["format"] == "protoplatform-flow" and flow["format_version"] == 1
    assert flow["prototype"] == {
        "name": "Shop",
        "description": "Where is my order?",
        "device": "phone",
    }
    names = [screen["file"] for screen in flow["screens"]]
    assert names == [
        "screens/01-0-home.webp",
        "screens/02-1-orders.webp",
        "screens/03-2-detail.webp",
    ]
    home = version.screens.first()
    with home.image.open("rb") as image:
        assert files[names[0]] == image.read()
    assert flow["screens"][0]["hotspots"][1] == {
        "label": "Help",
        "x": 1 / 3,
        "y": 0.7,
        "width": 0.2,
        "height": 0.1,
        "action": "goto",
        "target": "screens/03-2-detail.webp",
    }
    assert flow["screens"][1]["hotspots"][0]["target"] is None


def test_round_trip_gives_the_same_flow_and_pixels(
    designer_client, version, workspace, django_capture_on_commit_callbacks
):
    first = designer_client.get(reverse("version_export", args=[version.pk])).content
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(designer_client, first)
    imported = Prototype.objects.exclude(pk=version.prototype_id).get()
    assert response.url == reverse("prototype_detail", args=[imported.pk])
    assert imported.workspace == workspace and imported.name == "Shop"
    draft = imported.draft
    assert {screen.status for screen in draft.screens.all()} == {Screen.Status.READY}
    assert not imported.versions.filter(number__gt=0).exists()

    second = designer_client.get(reverse("version_export", args=[draft.pk])).content
    before, after = read_zip(first), read_zip(second)
    assert before["flow.json"] == after["flow.json"]
    assert before.keys() == after.keys()
    for name in before:
        if name != "flow.json":
            assert pixels(before[name]) == pixels(after[name])


def test_import_accepts_other_images_and_processes_them(
    designer_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_import(designer_client, make_zip(valid_images(), valid_flow()))
    prototype = Prototype.objects.get()
    home, end = prototype.draft.screens.all()
    assert (home.name, end.name) == ("Home", "End")
    assert home.is_ready and home.image.name.endswith(".webp")
    hotspot = home.hotspots.get()
    assert hotspot.target == end and hotspot.label == "Next"
    assert Job.objects.filter(task_name="prototypes.authoring.process_screen").count() == 2


def lying_sizes():
    """A ZIP whose directory claims a smaller image than it holds: the checksum gives it away."""
    images = valid_images()
    images["screens/01-home.png"] += b"\0" * 5000
    data = bytearray(make_zip(images, valid_flow()))
    # In the central directory record of the image, claim an uncompressed size of 100 bytes.
    name = b"screens/01-home.png"
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    return bytes(data)


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (b"not a zip at all", "damaged or not a ZIP file"),
        (lambda: make_zip(valid_images()), "has no flow.json"),
        (lambda: make_zip({"../evil.png": b"x", **valid_images()}, valid_flow()), "unsafe path"),
        (lambda: make_zip({"/etc/passwd": b"x", **valid_images()}, valid_flow()), "unsafe path"),
        (lambda: make_zip({"a\\..\\b": b"x", **valid_images()}, valid_flow()), "unsafe path"),
        (lambda: make_zip({f"x{i}": b"" for i in range(400)}, valid_flow()), "more than 350"),
        (lying_sizes, "damaged or not a ZIP file (Bad CRC-32"),
        (lambda: make_zip(valid_images(), {"format": "other"}), "does not describe"),
        (
            lambda: make_zip(valid_images(), valid_flow(format_version=2)),
            "has format version 2",
        ),
        (
            lambda: make_zip({"screens/01-home.png": b"GIF89a..."}, valid_flow()),
            "is not an image we can use",
        ),
        (
            lambda: make_zip({"screens/01-home.png": factories.png_bytes()}, valid_flow()),
            "“screens/02-end.png” is not in the ZIP",
        ),
        (
            lambda: make_zip(
                valid_images(),
                valid_flow(prototype={"name": "", "description": "", "device": "phone"}),
            ),
            "“name” must be non-empty text",
        ),
        (
            lambda: make_zip(
                valid_images(),
                valid_flow(prototype={"name": "x", "description": "", "device": "watch"}),
            ),
            "“device” must be one of",
        ),
        (lambda: make_zip(valid_images(), valid_flow(screens=[])), "at least one screen"),
    ],
)
def test_bad_archives_are_refused_and_create_nothing(designer_client, settings, archive, message):
    data = archive() if callable(archive) else archive
    response = post_import(designer_client, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Prototype.objects.exists()
    assert not Screen.objects.exists()
    assert not Job.objects.exists()
    assert media_files(settings) == []


@pytest.mark.parametrize(
    ("total", "entry", "message"),
    [
        (1024 * 1024, 10**8, "would unpack to more than 1 MB"),
        (10**8, 1024 * 1024, "larger than 1 MB"),
    ],
)
def test_zip_bombs_are_refused_before_unpacking(
    designer_client, settings, monkeypatch, total, entry, message
):
    monkeypatch.setattr(exchange, "MAX_TOTAL_BYTES", total)
    settings.UPLOAD_MAX_BYTES = entry
    images = valid_images()
    images["screens/01-home.png"] += bytes(2 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("flow.json", json.dumps(valid_flow()))
        for name, data in images.items():
            archive.writestr(name, data)
    assert len(buffer.getvalue()) < 50_000
    body = post_import(designer_client, buffer.getvalue()).content.decode()
    assert message in body
    assert not Prototype.objects.exists()
    assert media_files(settings) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"label": ""}, "“label” must be non-empty text"),
        ({"x": "0.1"}, "“x” must be a number from 0 to 1"),
        ({"x": True}, "“x” must be a number from 0 to 1"),
        ({"y": 1.5}, "“y” must be a number from 0 to 1"),
        ({"width": 0}, "the width and height must be more than 0"),
        ({"x": 0.9, "width": 0.5}, "goes past the edge"),
        ({"action": "jump"}, "“action” must be one of"),
        ({"target": "screens/99.png"}, "“target” must be the file of one of the screens"),
        ({"action": "end"}, "only a “goto” hotspot has a target"),
    ],
)
def test_bad_hotspots_in_flow_json_are_refused(designer_client, settings, change, message):
    flow = valid_flow()
    flow["screens"][0]["hotspots"][0].update(change)
    response = post_import(designer_client, make_zip(valid_images(), flow))
    body = response.content.decode()
    assert "flow.json, screen 1, hotspot 1" in body and message in body
    assert not Prototype.objects.exists()
    assert media_files(settings) == []


def test_invalid_json_says_where(designer_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("flow.json", '{"format": "protoplatform-flow",\n "screens": [,]}')
    body = post_import(designer_client, buffer.getvalue()).content.decode()
    assert "flow.json is not valid JSON (line 2" in body
    assert not Prototype.objects.exists()


def test_export_is_refused_while_screens_are_processing(designer_client, workspace):
    prototype = factories.PrototypeFactory(workspace=workspace)
    factories.ScreenFactory(
        version=prototype.draft, name="Busy", status="processing", image="", thumbnail=""
    )
    response = designer_client.get(reverse("version_export", args=[prototype.draft.pk]))
    assert response.status_code == 302
    assert "Busy" in designer_client.get(response.url).content.decode()


def test_export_and_import_respect_workspaces(client, outsider, viewer, version):
    client.force_login(outsider)
    assert client.get(reverse("version_export", args=[version.pk])).status_code == 404
    client.force_login(viewer)
    assert client.get(reverse("version_export", args=[version.pk])).status_code == 200
    assert client.get(reverse("prototype_import")).status_code == 403


def test_an_empty_version_is_not_exported(designer_client, workspace):
    prototype = factories.PrototypeFactory(workspace=workspace)
    response = designer_client.get(reverse("version_export", args=[prototype.draft.pk]))
    assert response.status_code == 302
    assert "no screens to export" in designer_client.get(response.url).content.decode()
