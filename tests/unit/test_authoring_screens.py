"""Uploading, processing and arranging the screens of a draft."""

import json
import os
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from prototypes import imaging
from prototypes.authoring import tasks
from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.jobs import Job
from tests import factories

pytestmark = pytest.mark.django_db


def media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    )


@pytest.fixture
def prototype(workspace):
    return factories.PrototypeFactory(workspace=workspace, name="Checkout")


def upload(client, prototype, *files, clean_paper=False, json=False):
    data = {"files": list(files)}
    if clean_paper:
        data["clean_paper"] = "1"
    headers = {"Accept": "application/json"} if json else {}
    return client.post(reverse("screen_upload", args=[prototype.pk]), data, headers=headers)


def png_file(name, size=(390, 844), color=(250, 250, 245)):
    return SimpleUploadedFile(name, factories.png_bytes(size, color), content_type="image/png")


def test_upload_creates_processing_screens_and_queues_the_task(
    designer_client, prototype, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("prototypes.jobs.Job.send", lambda job: queued.append(job.args))
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(designer_client, prototype, png_file("b.png"), png_file("a.png"))
    assert response.status_code == 302
    screens = list(prototype.draft.screens.all())
    assert [screen.name for screen in screens] == ["a", "b"]
    assert {screen.status for screen in screens} == {Screen.Status.PROCESSING}
    assert all(screen.upload.name.startswith("uploads/") for screen in screens)
    assert not any(screen.image for screen in screens)
    assert queued == [[screens[0].pk, True], [screens[1].pk, True]]
    assert set(Job.objects.values_list("task_name", flat=True)) == {
        "prototypes.authoring.process_screen"
    }


def test_upload_never_decodes_the_image_in_the_request(
    designer_client, prototype, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise AssertionError("decoded in the request")

    monkeypatch.setattr(imaging, "process_upload", refuse)
    monkeypatch.setattr(Image, "open", refuse)
    response = upload(designer_client, prototype, png_file("a.png"))
    assert response.status_code == 302
    assert prototype.draft.screens.get().status == Screen.Status.PROCESSING


def test_uploaded_screens_become_ready_when_processed(
    designer_client, prototype, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(designer_client, prototype, png_file("screen 10.png"), png_file("screen 2.png"))
    screens = list(prototype.draft.screens.all())
    assert [screen.name for screen in screens] == ["screen 2", "screen 10"]
    for screen in screens:
        assert screen.status == Screen.Status.READY
        assert (screen.width, screen.height) == (390, 844)
        assert screen.image.name.endswith(".webp") and screen.thumbnail.name.endswith(".webp")
        with screen.image.open("rb") as image:
            assert imaging.sniff(image.read(64)) == "webp"
    assert set(Job.objects.values_list("state", flat=True)) == {Job.State.DONE}
    page = designer_client.get(reverse("prototype_detail", args=[prototype.pk]))
    assert screens[0].thumbnail.url in page.content.decode()


def test_xhr_upload_answers_json(designer_client, prototype):
    response = upload(designer_client, prototype, png_file("a.png"), json=True)
    assert response.status_code == 201
    screen = prototype.draft.screens.get()
    assert response.json() == {"screens": [{"id": screen.pk, "name": "a"}]}


def test_wrong_type_is_refused_with_the_accepted_formats_and_leaves_nothing(
    designer_client, prototype, settings
):
    gif = SimpleUploadedFile("logo.png", b"GIF89a" + b"\0" * 100, content_type="image/png")
    response = upload(designer_client, prototype, png_file("a.png"), gif, json=True)
    assert response.status_code == 400
    assert imaging.ACCEPTED_DESCRIPTION in response.json()["error"]
    assert "logo.png" in response.json()["error"]
    assert not Screen.objects.exists()
    assert not Job.objects.exists()
    assert media_files(settings) == []

    gif = SimpleUploadedFile("logo.png", b"GIF89a" + b"\0" * 100, content_type="image/png")
    response = upload(designer_client, prototype, gif)
    page = designer_client.get(response.url).content.decode()
    assert "“logo.png” is a GIF. Accepted: JPEG, PNG, WebP, HEIC/HEIF, PDF and SVG." in page
    assert not Screen.objects.exists()
    assert media_files(settings) == []


def test_photoshop_file_is_refused_in_the_request_with_how_to_export_it(
    designer_client, prototype, settings
):
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 844, 390, 8, 3)
    psd = SimpleUploadedFile("Home.psd", header + bytes(200), content_type="image/vnd.adobe.psd")

    response = upload(designer_client, prototype, psd, json=True)

    assert response.status_code == 400
    assert response.json()["error"] == (
        "“Home.psd” is a Photoshop document (PSD). In Photoshop, choose File › Export › "
        "Export As…, pick PNG or JPEG, and upload that file."
    )
    assert not Screen.objects.exists()
    assert media_files(settings) == []


def test_too_large_is_refused(designer_client, prototype, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = upload(designer_client, prototype, png_file("big.png"), json=True)
    assert response.status_code == 400
    assert "larger than" in response.json()["error"]
    assert not Screen.objects.exists()
    assert media_files(settings) == []


def test_failed_processing_shows_the_reason_and_leaves_no_files(
    designer_client, prototype, settings, django_capture_on_commit_callbacks
):
    broken = SimpleUploadedFile("broken.png", factories.png_bytes()[:60], content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        upload(designer_client, prototype, broken)
    screen = prototype.draft.screens.get()
    assert screen.status == Screen.Status.FAILED
    assert screen.failure_reason == imaging.DAMAGED_MESSAGE
    assert not screen.upload and not screen.image
    assert media_files(settings) == []
    card = designer_client.get(reverse("screen_card", args=[screen.pk]))
    assert screen.failure_reason in card.content.decode()
    assert "hx-trigger" not in card.content.decode()


def test_processing_card_polls_until_ready(
    designer_client, prototype, django_capture_on_commit_callbacks
):
    upload(designer_client, prototype, png_file("a.png"))
    screen = prototype.draft.screens.get()
    page = designer_client.get(reverse("prototype_detail", args=[prototype.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    card = designer_client.get(reverse("screen_card", args=[screen.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in card and "Processing" in card

    tasks.process(screen.pk)
    card = designer_client.get(reverse("screen_card", args=[screen.pk])).content.decode()
    assert "every 2s" not in card
    screen.refresh_from_db()
    assert screen.thumbnail.url in card


def test_the_task_is_idempotent(designer_client, prototype, settings):
    upload(designer_client, prototype, png_file("a.png"))
    screen = prototype.draft.screens.get()
    tasks.process(screen.pk)
    screen.refresh_from_db()
    files = media_files(settings)
    tasks.process(screen.pk)
    tasks.process_screen.apply(args=[screen.pk, True])
    again = Screen.objects.get()
    assert (again.image.name, again.thumbnail.name) == (screen.image.name, screen.thumbnail.name)
    assert media_files(settings) == files


def test_a_transient_error_is_retried(designer_client, prototype, monkeypatch):
    upload(designer_client, prototype, png_file("a.png"))
    screen = prototype.draft.screens.get()
    real = imaging.process_upload
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("storage hiccup")
        return real(*args, **kwargs)

    monkeypatch.setattr(imaging, "process_upload", flaky)
    tasks.process_screen.apply(args=[screen.pk, True])
    screen.refresh_from_db()
    assert len(calls) == 2
    assert screen.status == Screen.Status.READY


def test_a_task_out_of_retries_marks_the_screen_failed(designer_client, prototype, monkeypatch):
    upload(designer_client, prototype, png_file("a.png"))
    screen = prototype.draft.screens.get()

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(imaging, "process_upload", broken)
    tasks.process_screen.apply(args=[screen.pk, True])
    screen.refresh_from_db()
    assert screen.status == Screen.Status.FAILED
    assert screen.failure_reason == tasks.GAVE_UP_REASON


def test_a_pdf_becomes_one_screen_per_page_once(designer_client, prototype):
    after = factories.ScreenFactory(version=prototype.draft, name="Last", position=0)
    pdf = SimpleUploadedFile("flow.pdf", factories.pdf_bytes(3), content_type="application/pdf")
    upload(designer_client, prototype, pdf)
    # Moved before "Last" while processing: the later pages must go in before "Last" too.
    first = prototype.draft.screens.get(page_number=1, name__startswith="flow")
    designer_client.post(reverse("screen_move", args=[first.pk]), {"direction": "up"})
    tasks.process(first.pk)
    tasks.process_screen.apply(args=[first.pk, True])
    names = list(prototype.draft.screens.values_list("name", flat=True))
    assert names == ["flow — page 1", "flow — page 2", "flow — page 3", after.name]
    pages = list(prototype.draft.screens.filter(name__startswith="flow"))
    assert [page.page_number for page in pages] == [1, 2, 3]
    assert {page.status for page in pages} == {Screen.Status.READY}
    assert len({page.upload.name for page in pages}) == 1
    assert len({page.image.name for page in pages}) == 3


def test_pdf_pages_show_up_in_the_grid_when_done(designer_client, prototype):
    pdf = SimpleUploadedFile("flow.pdf", factories.pdf_bytes(2), content_type="application/pdf")
    upload(designer_client, prototype, pdf)
    screen = prototype.draft.screens.get()
    tasks.process(screen.pk)
    response = designer_client.get(reverse("screen_card", args=[screen.pk]))
    # Set through django-htmx, as JSON that other events can join.
    assert json.loads(response["HX-Trigger"]) == {"screens-changed": {}}
    grid = designer_client.get(reverse("screen_grid", args=[prototype.pk])).content.decode()
    assert "flow — page 2" in grid


def test_clean_paper_option_is_kept_on_the_screen(designer_client, prototype):
    upload(designer_client, prototype, png_file("photo.png"), clean_paper=True)
    screen = prototype.draft.screens.get()
    assert screen.clean_paper
    tasks.process(screen.pk)
    screen.refresh_from_db()
    assert screen.is_ready


def test_rename(designer_client, prototype):
    screen = factories.ScreenFactory(version=prototype.draft, name="Old")
    response = designer_client.post(
        reverse("screen_rename", args=[screen.pk]),
        {"name": "Orders"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Orders" in response.content.decode()
    screen.refresh_from_db()
    assert screen.name == "Orders"
    designer_client.post(reverse("screen_rename", args=[screen.pk]), {"name": ""})
    screen.refresh_from_db()
    assert screen.name == "Orders"


def test_reorder_by_drag_and_by_buttons(designer_client, prototype):
    a, b, c = (factories.ScreenFactory(version=prototype.draft, name=name) for name in "abc")
    url = reverse("screen_reorder", args=[prototype.pk])
    response = designer_client.post(url, {"order": f"{c.pk},{a.pk},{b.pk}"})
    assert response.status_code == 302
    assert list(prototype.draft.screens.values_list("name", flat=True)) == ["c", "a", "b"]

    designer_client.post(reverse("screen_move", args=[b.pk]), {"direction": "up"})
    assert list(prototype.draft.screens.values_list("name", flat=True)) == ["c", "b", "a"]
    response = designer_client.post(
        reverse("screen_move", args=[c.pk]), {"direction": "up"}, headers={"HX-Request": "true"}
    )
    assert 'id="screen-grid"' in response.content.decode()
    assert list(prototype.draft.screens.values_list("name", flat=True)) == ["c", "b", "a"]
    designer_client.post(reverse("screen_move", args=[c.pk]), {"direction": "down"})
    assert list(prototype.draft.screens.values_list("name", flat=True)) == ["b", "c", "a"]

    # An order that leaves a screen out is refused and changes nothing.
    designer_client.post(url, {"order": f"{a.pk},{b.pk}"})
    assert list(prototype.draft.screens.values_list("name", flat=True)) == ["b", "c", "a"]


def test_delete_screen_keeps_links_to_it_as_broken(
    designer_client, prototype, settings, django_capture_on_commit_callbacks
):
    home = factories.ScreenFactory(version=prototype.draft, name="Home")
    orders = factories.ScreenFactory(version=prototype.draft, name="Orders")
    link = factories.HotspotFactory(screen=home, target=orders)
    files = {orders.image.name, orders.thumbnail.name}
    with django_capture_on_commit_callbacks(execute=True):
        designer_client.post(reverse("screen_delete", args=[orders.pk]))
    assert not Screen.objects.filter(pk=orders.pk).exists()
    link.refresh_from_db()
    assert link.target is None
    assert not files & set(media_files(settings))


def test_replace_keeps_hotspots_and_name(
    designer_client, prototype, settings, django_capture_on_commit_callbacks
):
    screen = factories.ScreenFactory(version=prototype.draft, name="Home")
    hotspot = factories.HotspotFactory(screen=screen, action=Hotspot.Action.END)
    old_image = screen.image.name
    new = png_file("new.png", size=(400, 800), color=(10, 20, 30))
    with django_capture_on_commit_callbacks(execute=True):
        designer_client.post(reverse("screen_replace", args=[screen.pk]), {"file": new})
    screen.refresh_from_db()
    assert screen.name == "Home" and screen.is_ready
    assert (screen.width, screen.height) == (400, 800)
    assert screen.image.name != old_image
    assert list(screen.hotspots.all()) == [hotspot]
    assert old_image not in media_files(settings)


def test_replace_refuses_a_wrong_type(designer_client, prototype):
    screen = factories.ScreenFactory(version=prototype.draft)
    bad = SimpleUploadedFile("x.png", b"GIF89a" + b"\0" * 100, content_type="image/png")
    response = designer_client.post(reverse("screen_replace", args=[screen.pk]), {"file": bad})
    assert response.status_code == 302
    screen.refresh_from_db()
    assert screen.is_ready


def test_screens_of_published_versions_cannot_be_changed(designer_client, prototype):
    screen = factories.ScreenFactory(version=prototype.draft)
    published = prototype.draft.publish()
    frozen = published.screens.get()
    for name in ("screen_rename", "screen_delete", "screen_move"):
        response = designer_client.post(reverse(name, args=[frozen.pk]), {"name": "x"})
        assert response.status_code == 404
    assert designer_client.get(reverse("screen_editor", args=[frozen.pk])).status_code == 404
    assert screen.pk != frozen.pk


def test_viewers_cannot_upload(client, viewer, prototype):
    client.force_login(viewer)
    response = upload(client, prototype, png_file("a.png"))
    assert response.status_code == 403
    assert not Screen.objects.exists()


def test_outsiders_get_404(client, outsider, prototype):
    client.force_login(outsider)
    response = client.get(reverse("prototype_detail", args=[prototype.pk]))
    assert response.status_code == 404
    assert Prototype.objects.count() == 1


CORPUS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "corpus")


def corpus_file(name):
    with open(os.path.join(CORPUS, name), "rb") as file:
        return SimpleUploadedFile(name, file.read())


@pytest.mark.parametrize(
    ("name", "screens"),
    [
        ("rotated.heic", 1),
        ("cmyk.jpg", 1),
        ("polyglot_jpeg_html.jpg", 1),
        ("real_png_named.jpg", 1),
        ("two_pages.pdf", 2),
        ("script.svg", 1),
    ],
)
def test_accepted_formats_become_ready_screens(
    designer_client, prototype, django_capture_on_commit_callbacks, name, screens
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(designer_client, prototype, corpus_file(name))
    created = list(prototype.draft.screens.all())
    assert len(created) == screens
    assert all(screen.is_ready for screen in created), [s.failure_reason for s in created]


@pytest.mark.parametrize("name", ["drawing.eps", "scan.tif", "animated.gif", "page.png"])
def test_other_formats_are_refused_in_the_request(designer_client, prototype, settings, name):
    response = upload(designer_client, prototype, corpus_file(name), json=True)
    assert response.status_code == 400
    assert imaging.ACCEPTED_DESCRIPTION in response.json()["error"]
    assert not Screen.objects.exists()
    assert media_files(settings) == []


@pytest.mark.parametrize(
    "name",
    [
        "animated.png",
        "truncated.jpg",
        "encrypted.pdf",
        "broken.pdf",
        "decompression_bomb.png",
        "billion_laughs.svg",
        "use_bomb.svg",
    ],
)
def test_unusable_files_fail_with_a_reason_and_leave_no_files(
    designer_client, prototype, settings, django_capture_on_commit_callbacks, name
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(designer_client, prototype, corpus_file(name))
    screen = prototype.draft.screens.get()
    assert screen.status == Screen.Status.FAILED and screen.failure_reason
    assert media_files(settings) == []
