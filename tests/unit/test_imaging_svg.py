"""SVG drawings through the upload pipeline: drawn by resvg once made safe, or refused.

The hostile files are in the bad-upload corpus (tests/corpus/README.md); the rest are written
here, small enough to read in the test.
"""

import base64
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from prototypes import imaging
from prototypes.authoring.models import Screen
from prototypes.imaging import ImageRejected, Limits, process_upload
from tests import factories

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

ENTITIES = (
    "This SVG drawing declares entities in a DOCTYPE, which we refuse for safety: they can make "
    "a small file expand without end or read files on our server. Export it again as plain SVG "
    "(without a DOCTYPE) and upload that."
)
TOO_MANY = (
    "This SVG drawing has more than 100,000 elements (repeated copies included): too many to "
    "draw as a screen. Simplify it, or export the screen as PNG, and upload that."
)
OUT_OF_RANGE = (
    "This SVG drawing's width, height or viewBox is zero, negative or larger than 1,000,000 "
    "units, which no screen is. Export it again at the screen's own size and upload the new file."
)


def decode(webp_bytes):
    image = Image.open(io.BytesIO(webp_bytes), formats=["WEBP"])
    image.load()
    return image


def svg(body, size='width="100" height="200"', prologue=""):
    return (
        f'{prologue}<svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink" {size}>{body}</svg>'
    ).encode()


def drawn(data, **limits):
    (page,) = process_upload(io.BytesIO(data), Limits(**limits))
    return page, decode(page.display)


def is_dark(pixel):
    return max(pixel) < 60


def is_white(pixel):
    return min(pixel) > 235


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("billion_laughs.svg", ENTITIES),
        ("external_entity.svg", ENTITIES),
        ("use_bomb.svg", TOO_MANY),
        ("enormous_viewbox.svg", OUT_OF_RANGE),
    ],
)
def test_hostile_svg_is_refused_with_a_clear_sentence(name, message):
    with pytest.raises(ImageRejected) as refusal:
        process_upload(CORPUS / name)

    assert refusal.value.message == message


def test_entities_are_refused_before_the_renderer_sees_the_file(monkeypatch):
    monkeypatch.setattr(imaging, "_draw_svg", lambda *arguments: pytest.fail("drawn"))

    with pytest.raises(ImageRejected):
        process_upload(CORPUS / "billion_laughs.svg")


def test_an_entity_declared_where_the_quick_check_cannot_see_it_is_refused_by_the_parser():
    # A DOCTYPE whose internal subset starts after a comment containing ">".
    data = b'<?xml version="1.0"?><!DOCTYPE svg SYSTEM "x" [ <!-- > --> ]>' + svg(
        '<rect width="10" height="10"/>'
    )
    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(data))

    assert refusal.value.message == ENTITIES


def test_script_and_event_handlers_are_removed_and_the_drawing_is_kept():
    page, image = drawn((CORPUS / "script.svg").read_bytes())

    # 390 × 844 drawn at display size: the long edge is 2000 pixels.
    assert (page.width, page.height) == (924, 2000)
    # The rectangle's outline at (20, 20) in drawing units, scaled by 2000 / 844.
    assert is_dark(image.getpixel((round(20 * 2000 / 844), round(50 * 2000 / 844))))


def test_what_resvg_reads_has_no_script_handler_or_outside_reference(monkeypatch):
    seen = []
    draw = imaging._draw_svg
    monkeypatch.setattr(
        imaging, "_draw_svg", lambda svg, *rest: seen.append(svg) or draw(svg, *rest)
    )

    process_upload(CORPUS / "script.svg")
    process_upload(CORPUS / "external_href.svg")

    read = "".join(seen)
    for forbidden in ("script", "onload", "attacker.example", "/etc/", "javascript:", "data:"):
        assert forbidden not in read


def test_outside_references_are_rendered_inert():
    _, image = drawn((CORPUS / "external_href.svg").read_bytes())
    scale = 2000 / 844

    # The rectangle in the link is drawn (the one filtered through the emptied feImage draws
    # nothing); where the images would cover the page, white paper.
    assert is_dark(image.getpixel((round(200 * scale), round(130 * scale))))
    assert is_white(image.getpixel((round(200 * scale), round(500 * scale))))


def test_an_image_path_on_the_server_is_never_read(tmp_path):
    secret = tmp_path / "secret.png"
    Image.new("RGB", (10, 10), (0, 0, 255)).save(secret)
    for reference in (str(secret), secret.as_uri(), "secret.png"):
        data = svg(f'<image href="{reference}" width="100" height="200"/>')

        _, image = drawn(data)

        assert is_white(image.getpixel((image.width // 2, image.height // 2))), reference


def test_an_embedded_png_is_drawn():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 20), (0, 0, 255)).save(buffer, "PNG")
    picture = base64.b64encode(buffer.getvalue()).decode()
    data = svg(f'<image href="data:image/png;base64,{picture}" width="100" height="200"/>')

    _, image = drawn(data)

    red, green, blue = image.getpixel((image.width // 2, image.height // 2))
    assert blue > 200 and red < 40 and green < 40


def test_embedded_pictures_over_the_pixel_limit_are_refused():
    buffer = io.BytesIO()
    Image.new("1", (6000, 5000)).save(buffer, "PNG")
    picture = base64.b64encode(buffer.getvalue()).decode()
    data = svg(f'<image href="data:image/png;base64,{picture}" width="100" height="200"/>')

    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(data))

    assert refusal.value.message.startswith(
        "This SVG drawing embeds pictures of more than 25 megapixels in all."
    )


def test_a_drawing_that_takes_too_long_is_stopped_and_refused():
    started = time.monotonic()

    with pytest.raises(ImageRejected) as refusal:
        process_upload(CORPUS / "slow_blurs.svg", Limits(svg_seconds=1))

    assert refusal.value.message == (
        "This SVG drawing takes too long to draw (more than 1 seconds; large blurs and shadows "
        "are the usual cause). Export the screen as PNG and upload that."
    )
    assert time.monotonic() - started < 10


def test_a_drawing_that_needs_too_much_memory_is_stopped_and_refused():
    with pytest.raises(ImageRejected) as refusal:
        process_upload(CORPUS / "nested_layers.svg")

    assert refusal.value.message.startswith(
        "This SVG drawing needs more memory to draw than a screen may use"
    )


def test_a_huge_canvas_is_drawn_at_display_size():
    page, image = drawn((CORPUS / "huge_canvas.svg").read_bytes())

    assert (page.width, page.height) == (2000, 2000)
    assert is_dark(image.getpixel((500, 1000))) and is_white(image.getpixel((1500, 1000)))


def test_the_svg_11_doctype_is_read_without_fetching_the_dtd():
    page, image = drawn((CORPUS / "svg11_doctype.svg").read_bytes())

    assert (page.width, page.height) == (924, 2000)
    assert is_dark(image.getpixel((200, 1000))) and is_white(image.getpixel((700, 1000)))


def test_a_small_icon_is_drawn_sharp_at_display_size_and_proportions_come_from_the_viewbox():
    page, _ = drawn(svg('<rect width="24" height="12"/>', size='viewBox="0 0 24 12"'))

    assert (page.width, page.height) == (2000, 1000)


def test_units_are_read_as_resvg_reads_them():
    page, _ = drawn(svg('<rect width="1" height="1"/>', size='width="2in" height="72pt"'))

    assert (page.width, page.height) == (2000, 1000)


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>",
            "This SVG drawing is not well-formed",
        ),
        (
            "<?xml version='1.0' encoding='ISO-8859-1'?><svg>é</svg>".encode("latin-1"),
            "This SVG drawing is not saved as UTF-8 text.",
        ),
        (b"<svg><rect/></svg>", "This file is XML but not an SVG drawing"),
        (svg("", size='viewBox="0 0 0 10"'), "This SVG drawing's width, height or viewBox"),
        (svg("", size='viewBox="0 0 nan 10"'), "This SVG drawing's width, height or viewBox"),
        (svg("", size='width="-5" height="10"'), "This SVG drawing's width, height or viewBox"),
        (svg("", size='viewBox="0 0 10"'), "This SVG drawing's viewBox “0 0 10” is not four"),
        (svg("", size='width="10" height="1000"'), "This SVG drawing is 10 × 1,000 units"),
        (svg("<g>" * 300 + "</g>" * 300), "This SVG drawing nests elements more than 200 deep"),
    ],
)
def test_unusable_svg_is_refused_with_what_is_wrong(data, start):
    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(data))

    assert refusal.value.message.startswith(start)


def test_a_chain_of_uses_too_deep_to_count_is_refused_as_too_many_elements():
    chain = "".join(f'<use id="u{n}" href="#u{n - 1}"/>' for n in range(1, 2000))
    data = svg(f'<defs><rect id="u0" width="1" height="1"/>{chain}</defs>')

    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(data))

    assert refusal.value.message == TOO_MANY


def test_a_use_that_refers_to_itself_is_counted_once_and_left_out_by_resvg():
    data = svg('<g id="loop"><use href="#loop"/></g><rect width="50" height="200"/>')

    _, image = drawn(data)

    assert is_dark(image.getpixel((200, 1000))) and is_white(image.getpixel((800, 1000)))


# The same pipeline behind the upload page and the ZIP import.


def zip_with(screens):
    flow = {
        "format": "protoplatform-flow",
        "format_version": 1,
        "prototype": {"name": "Drawn", "description": "", "device": "phone"},
        "screens": [{"file": name, "name": name, "hotspots": []} for name in screens],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("flow.json", json.dumps(flow))
        for name, data in screens.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_svg_screens_in_a_zip_go_through_the_same_pipeline(
    designer_client, django_capture_on_commit_callbacks
):
    # A prologue longer than 64 bytes before <svg, as editors write.
    drawing = b"<?xml version='1.0' encoding='UTF-8'?>\n<!-- Drawn in a wireframe tool -->\n" + svg(
        '<rect width="50" height="200"/>'
    )
    data = zip_with(
        {
            "screens/drawing.svg": drawing,
            "screens/laughs.svg": (CORPUS / "billion_laughs.svg").read_bytes(),
        }
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = designer_client.post(
            reverse("prototype_import"),
            {"file": SimpleUploadedFile("drawn.zip", data, "application/zip")},
        )

    assert response.status_code == 302
    drawn_screen, laughs = Screen.objects.order_by("position")
    assert drawn_screen.is_ready and (drawn_screen.width, drawn_screen.height) == (1000, 2000)
    assert laughs.status == Screen.Status.FAILED and laughs.failure_reason == ENTITIES


def test_an_svg_upload_becomes_a_screen_drawn_inert(
    designer_client, workspace, django_capture_on_commit_callbacks
):
    prototype = factories.PrototypeFactory(workspace=workspace)
    upload = SimpleUploadedFile(
        "drawing.svg", (CORPUS / "external_href.svg").read_bytes(), "image/svg+xml"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = designer_client.post(
            reverse("screen_upload", args=[prototype.pk]),
            {"files": [upload]},
            headers={"Accept": "application/json"},
        )

    assert response.status_code == 201
    screen = prototype.draft.screens.get()
    assert screen.is_ready and (screen.width, screen.height) == (924, 2000)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            svg('<rect width="1" height="1"/>').decode().encode("utf-16"),
            "This file is an SVG drawing saved as UTF-16 text. Export it again as plain SVG and "
            "upload that.",
        ),
        (
            b"<!DOCTYPE html><html><body><svg></svg></body></html>",
            f"This file is a web page (HTML). {imaging.ACCEPTED_DESCRIPTION}",
        ),
        (
            b"Notes about the screen\n<svg xmlns='http://www.w3.org/2000/svg'></svg>",
            "This file is a document with an SVG drawing inside. Export the drawing itself as an "
            "SVG file and upload that.",
        ),
    ],
)
def test_files_that_hold_svg_without_being_svg_files_are_named(data, message):
    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(data))

    assert refusal.value.message == message
