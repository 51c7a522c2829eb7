"""The upload pipeline against the bad-upload corpus (tests/corpus/README.md) and real photos."""

import io
import resource
import struct
from pathlib import Path

import numpy
import pypdfium2
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageFile

from prototypes import imaging
from prototypes.imaging import (
    ACCEPTED_DESCRIPTION,
    MEGABYTE,
    ImageRejected,
    Limits,
    process_upload,
    sniff,
)
from tests.corpus.make_corpus import (
    PDF_PASSWORD,
    POLYGLOT_HTML,
    write_large_corpus,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

DAMAGED = (
    "The image is damaged or incomplete. Open it on your computer to check it, export it again "
    "and upload the new file."
)
TOO_LARGE = (
    "This image is too large (more than 40 megapixels). Export or photograph it at a lower "
    "resolution and upload it again."
)
ANIMATED = "This image is animated (3 frames). Upload a still image of the screen instead."


@pytest.fixture(scope="module")
def large_corpus(tmp_path_factory):
    return write_large_corpus(tmp_path_factory.mktemp("large_corpus"))


def decode(webp_bytes):
    image = Image.open(io.BytesIO(webp_bytes), formats=["WEBP"])
    image.load()
    return image


def jpeg_bytes(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def near(pixel, expected, tolerance=6):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.png", "The file is empty. Choose the file again and re-upload it."),
        ("truncated.jpg", DAMAGED),
        ("page.png", f"This file is a web page (HTML). {ACCEPTED_DESCRIPTION}"),
        ("drawing.eps", f"This file is a PostScript or EPS file. {ACCEPTED_DESCRIPTION}"),
        ("scan.tif", f"This file is a TIFF image. {ACCEPTED_DESCRIPTION}"),
        ("animated.gif", "This file is a GIF. Accepted: JPEG, PNG, WebP, HEIC/HEIF, PDF and SVG."),
        ("animated.png", ANIMATED),
        ("animated.webp", ANIMATED),
        ("decompression_bomb.png", TOO_LARGE),
        ("over_limit_48mp.png", TOO_LARGE),
        (
            "encrypted.pdf",
            "This PDF is protected by a password. Save a copy without protection and upload that.",
        ),
        (
            "broken.pdf",
            "The PDF is damaged or incomplete. Export it again and upload the new file.",
        ),
    ],
)
def test_corpus_file_is_refused_with_a_clear_message(name, message):
    with pytest.raises(ImageRejected) as refusal:
        process_upload(CORPUS / name)

    assert refusal.value.message == message
    assert str(refusal.value) == message


def test_30000_by_30000_png_is_refused_without_decoding_it(large_corpus):
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with pytest.raises(ImageRejected) as refusal:
        process_upload(large_corpus["huge_30000x30000.png"])

    assert refusal.value.message == TOO_LARGE
    # Decoding would allocate 900 MB; ru_maxrss is in kilobytes on Linux.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 50 * 1024


def test_500_page_pdf_is_refused_before_any_page_is_rendered(large_corpus, monkeypatch):
    rendered = []
    monkeypatch.setattr(pypdfium2.PdfPage, "render", lambda *args, **kwargs: rendered.append(1))

    with pytest.raises(ImageRejected) as refusal:
        process_upload(large_corpus["500_pages.pdf"])

    assert refusal.value.message == (
        "This PDF has 500 pages; at most 50 are accepted. Upload only the pages that are screens "
        "of the prototype."
    )
    assert rendered == []


@pytest.mark.parametrize("name", ["decompression_bomb.png", "huge_30000x30000.png"])
def test_pillow_bomb_protection_holds_even_with_a_raised_pixel_limit(name, large_corpus):
    path = large_corpus.get(name) or CORPUS / name

    with pytest.raises(ImageRejected) as refusal:
        process_upload(path, Limits(max_pixels=2_000_000_000))

    assert refusal.value.message.startswith("This image is too large")


def test_encrypted_pdf_is_really_password_protected():
    # Proves the refusal above is about the password, not a malformed test file.
    pdf = pypdfium2.PdfDocument(CORPUS / "encrypted.pdf", password=PDF_PASSWORD.decode())
    assert len(pdf) == 1
    pdf.close()


def test_png_with_a_jpg_extension_is_accepted_as_the_png_it_is():
    [page] = process_upload(CORPUS / "real_png_named.jpg")

    display = decode(page.display)
    assert (page.width, page.height, page.page_number) == (300, 200, 1)
    assert display.size == (300, 200)
    assert near(display.getpixel((80, 135)), (30, 90, 200))
    assert near(display.getpixel((200, 150)), (255, 255, 255))


def test_jpeg_html_polyglot_is_accepted_and_re_encoded_without_the_html():
    source = (CORPUS / "polyglot_jpeg_html.jpg").read_bytes()
    assert source.count(POLYGLOT_HTML) == 2

    [page] = process_upload(io.BytesIO(source))

    assert (page.width, page.height) == (300, 200)
    for rendition in (page.display, page.thumbnail):
        assert rendition[:4] == b"RIFF" and rendition[8:12] == b"WEBP"
        for fragment in (b"<html", b"<script", b"alert", b"polyglot"):
            assert fragment not in rendition


def test_cmyk_jpeg_is_accepted_as_rgb():
    [page] = process_upload(CORPUS / "cmyk.jpg")

    display = decode(page.display)
    assert display.mode == "RGB"
    assert near(display.getpixel((32, 32)), (0, 255, 255))


def test_16_bit_png_is_scaled_to_8_bits_not_clipped():
    [page] = process_upload(CORPUS / "gray16.png")

    display = decode(page.display)
    assert (page.width, page.height) == (96, 32)
    assert near(display.getpixel((16, 16)), (0, 0, 0), tolerance=3)
    assert near(display.getpixel((48, 16)), (128, 128, 128), tolerance=3)
    assert near(display.getpixel((80, 16)), (255, 255, 255), tolerance=3)


def test_embedded_icc_profile_is_applied():
    # The file's pixels are pure red in a profile whose red is sRGB's green.
    [page] = process_upload(CORPUS / "swapped_primaries_icc.jpg")

    assert near(decode(page.display).getpixel((32, 32)), (0, 255, 0), tolerance=10)


def test_heic_is_accepted_and_rotated_once():
    [page] = process_upload(CORPUS / "rotated.heic")

    display = decode(page.display)
    assert (page.width, page.height) == (32, 64)
    assert near(display.getpixel((16, 10)), (220, 0, 0), tolerance=20)
    assert near(display.getpixel((16, 54)), (255, 255, 255), tolerance=20)


def test_pdf_gives_one_page_per_pdf_page_at_display_size():
    pages = process_upload(CORPUS / "two_pages.pdf")

    assert [page.page_number for page in pages] == [1, 2]
    for page in pages:
        assert (page.width, page.height) == (925, 2000)
        assert decode(page.display).size == (925, 2000)
        assert decode(page.thumbnail).size == (185, 400)
        # The frame drawn near the top of each page survives rendering (at 2000 / 844 scale).
        top_edge = [decode(page.display).getpixel((460, y))[0] for y in range(40, 60)]
        assert min(top_edge) < 60


def test_pdf_page_limit_is_configurable():
    with pytest.raises(ImageRejected) as refusal:
        process_upload(CORPUS / "two_pages.pdf", Limits(max_pages=1))

    assert refusal.value.message.startswith("This PDF has 2 pages; at most 1 are accepted.")


def test_byte_limit_refuses_without_reading_the_whole_stream():
    stream = io.BytesIO(bytes(5 * MEGABYTE))

    with pytest.raises(ImageRejected) as refusal:
        process_upload(stream, Limits(max_bytes=MEGABYTE))

    assert refusal.value.message == (
        "This file is larger than 1 MB. Export it at a smaller size and upload it again."
    )
    assert stream.tell() == MEGABYTE + 1


def test_file_exactly_at_the_byte_limit_is_judged_on_its_content():
    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(bytes(MEGABYTE)), Limits(max_bytes=MEGABYTE))

    assert refusal.value.message == f"This file is not an image we can read. {ACCEPTED_DESCRIPTION}"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "heif"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "heif"),
        (b"%PDF-1.7\n", "pdf"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", None),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'>", "svg"),
        (b"<?xml version='1.0'?>\n<!-- Figma -->\n<svg xmlns='http://www.w3.org/2000/svg'>", "svg"),
        (b"<?xml version='1.0'?><html><svg></svg></html>", None),
        (b"%!PS-Adobe-3.0 EPSF-3.0", None),
        (b"II*\x00\x08\x00\x00\x00", None),
        (b"", None),
    ],
)
def test_sniff_reads_the_real_format_from_magic_bytes(head, kind):
    assert sniff(head) == kind


def test_gps_exif_xmp_and_icc_never_reach_a_rendition():
    gps_latitude = struct.pack("<6I", 48, 1, 51, 1, 30, 1)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMakerSecret"  # Make
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48, 51, 30)
    gps[3] = "E"
    gps[4] = (2, 17, 40)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>HomeAddressSecret</x:xmpmeta>'
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = jpeg_bytes(
        Image.new("RGB", (640, 480), (90, 140, 60)),
        quality=90,
        exif=exif,
        xmp=xmp,
        icc_profile=srgb,
    )
    original = Image.open(io.BytesIO(source))
    assert original.getexif().get_ifd(0x8825)[2] == (48, 51, 30)
    assert gps_latitude in source and b"HomeAddressSecret" in source
    assert "icc_profile" in original.info

    [page] = process_upload(io.BytesIO(source))

    for rendition in (page.display, page.thumbnail):
        image = decode(rendition)
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp"} & image.info.keys()
        assert len(image.getexif()) == 0
        assert image.getexif().get_ifd(0x8825) == {}
        for fragment in (b"Exif", b"EXIF", b"ICCP", b"XMP ", b"xmpmeta", gps_latitude):
            assert fragment not in rendition
        for fragment in (b"PhoneMakerSecret", b"HomeAddressSecret"):
            assert fragment not in rendition
        # Only a bare lossy bitstream: no extended header that could announce metadata.
        assert rendition[12:16] == b"VP8 "


@pytest.mark.parametrize(
    ("orientation", "size", "red_corner"),
    [
        (1, (60, 40), "top left"),
        (3, (60, 40), "bottom right"),
        (6, (40, 60), "top right"),
        (8, (40, 60), "bottom left"),
    ],
)
def test_exif_orientation_is_applied(orientation, size, red_corner):
    image = Image.new("RGB", (60, 40), "white")
    image.paste((220, 0, 0), (0, 0, 20, 15))
    exif = Image.Exif()
    exif[0x0112] = orientation

    [page] = process_upload(io.BytesIO(jpeg_bytes(image, quality=95, exif=exif)))

    display = decode(page.display)
    assert display.size == size == (page.width, page.height)
    width, height = size
    corners = {
        "top left": (4, 4),
        "top right": (width - 5, 4),
        "bottom left": (4, height - 5),
        "bottom right": (width - 5, height - 5),
    }
    for corner, position in corners.items():
        expected = (220, 0, 0) if corner == red_corner else (255, 255, 255)
        assert near(display.getpixel(position), expected, tolerance=25), corner


def test_large_rotated_photo_is_drafted_to_display_size_and_turned_upright():
    photo = Image.new("RGB", (4000, 3000), (200, 200, 200))
    photo.paste((220, 0, 0), (0, 0, 400, 400))
    exif = Image.Exif()
    exif[0x0112] = 6

    [page] = process_upload(io.BytesIO(jpeg_bytes(photo, quality=85, exif=exif)))

    display = decode(page.display)
    assert (page.width, page.height) == display.size == (1500, 2000)
    assert near(display.getpixel((1450, 50)), (220, 0, 0), tolerance=20)
    assert max(decode(page.thumbnail).size) == 400


def half_black_half_transparent(mode):
    if mode == "P":
        # Palette entry 1 is a red that must never show: it is the transparent one.
        image = Image.new("P", (40, 40), 1)
        image.putpalette([0, 0, 0, 255, 0, 0])
        image.info["transparency"] = 1
    else:
        image = Image.new(mode, (40, 40), (0, 0) if mode == "LA" else (255, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 19, 39), fill=0 if mode == "P" else "black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparent_pixels_become_white_paper(mode):
    [page] = process_upload(io.BytesIO(half_black_half_transparent(mode)))

    display = decode(page.display)
    assert near(display.getpixel((8, 20)), (0, 0, 0))
    assert near(display.getpixel((32, 20)), (255, 255, 255))


def test_multi_picture_jpeg_is_not_mistaken_for_an_animation():
    # Many phones write MPO: a JPEG followed by extra pictures (depth, HDR gain map...). This
    # one is large enough to be drafted at half size, which must still read the first picture.
    primary = Image.new("RGB", (4000, 3000), (30, 90, 200))
    primary.paste((250, 250, 250), (0, 0, 2000, 3000))
    extra = Image.new("RGB", (4000, 3000), (250, 200, 0))
    buffer = io.BytesIO()
    primary.save(buffer, "MPO", save_all=True, append_images=[extra])
    assert Image.open(io.BytesIO(buffer.getvalue())).n_frames == 2

    [page] = process_upload(io.BytesIO(buffer.getvalue()))

    display = decode(page.display)
    assert (page.width, page.height) == (2000, 1500)
    assert near(display.getpixel((500, 700)), (250, 250, 250))
    assert near(display.getpixel((1500, 700)), (30, 90, 200))


def test_path_and_open_file_give_the_same_page():
    path = CORPUS / "real_png_named.jpg"
    with open(path, "rb") as file:
        from_file = process_upload(file)

    assert from_file == process_upload(path)
    assert process_upload(str(path)) == from_file


def unevenly_lit_sketch():
    """A phone photo of pencil lines on paper, lit from the right: gray paper, darker at left."""
    height, width = 900, 1200
    rows, columns = numpy.mgrid[0:height, 0:width].astype(numpy.float32)
    paper = 110 + 95 * columns / width - 20 * rows / height
    pencil = numpy.ones_like(paper)
    for top in range(100, 900, 200):
        pencil[top : top + 4, 60:1140] = 0.5
    for left in range(100, 1200, 250):
        pencil[50:850, left : left + 4] = 0.5
    noise = numpy.random.default_rng(3).normal(0, 3, paper.shape).astype(numpy.float32)
    pixels = numpy.clip(paper * pencil + noise, 0, 255).astype(numpy.uint8)
    return Image.fromarray(pixels, mode="L").convert("RGB")


def test_clean_paper_whitens_an_unevenly_lit_background():
    source = jpeg_bytes(unevenly_lit_sketch(), quality=90)

    [plain] = process_upload(io.BytesIO(source))
    [cleaned] = process_upload(io.BytesIO(source), clean_paper=True)

    before = numpy.asarray(decode(plain.display).convert("L"), dtype=numpy.int16)
    after = numpy.asarray(decode(cleaned.display), dtype=numpy.int16)
    assert (after[..., 0] == after[..., 2]).all(), "the cleaned page is grayscale"
    after = after[..., 0]
    dim_paper, bright_paper = (slice(140, 260), slice(20, 80)), (slice(140, 260), slice(1120, 1180))
    dim_line, bright_line = (slice(300, 304), slice(150, 250)), (slice(300, 304), slice(950, 1050))
    # The photo as uploaded: gray paper, much darker on the left.
    assert before[dim_paper].mean() < 130 and before[bright_paper].mean() > 180
    # Cleaned: white paper on both sides, pencil lines still dark on both sides.
    assert numpy.percentile(after[dim_paper], 1) >= 240
    assert numpy.percentile(after[bright_paper], 1) >= 240
    assert after[dim_line].mean() < 90 and after[bright_line].mean() < 90


def test_truncated_jpeg_is_refused_even_after_weasyprint_was_imported():
    import weasyprint  # noqa: F401 - its import sets ImageFile.LOAD_TRUNCATED_IMAGES = True

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with pytest.raises(ImageRejected):
        process_upload(CORPUS / "truncated.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def png_of_size(width, height, mode="1"):
    buffer = io.BytesIO()
    Image.new(mode, (width, height), 0).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (
            (30, 2001),
            "This image is 30 × 2,001 pixels, more than 20 times as tall as it is wide: too long "
            "to show as one screen. Crop it into several screens and upload those.",
        ),
        (
            (4001, 200),
            "This image is 4,001 × 200 pixels, more than 20 times as wide as it is tall: too long "
            "to show as one screen. Crop it into several screens and upload those.",
        ),
    ],
)
def test_extreme_proportions_are_refused_from_the_header(size, message, monkeypatch):
    data = png_of_size(*size)
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: pytest.fail("decoded"))

    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(data))

    assert refusal.value.message == message


def test_twenty_to_one_is_still_a_screen():
    [page] = process_upload(io.BytesIO(png_of_size(100, 2000, "L")))

    assert (page.width, page.height) == (100, 2000)


def test_long_edge_over_the_limit_is_refused_from_the_header():
    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(png_of_size(3000, 600)), Limits(max_long_edge=2500))

    assert refusal.value.message == (
        "This image is 3,000 × 600 pixels; a screen can be at most 2,500 pixels wide. Crop it "
        "into several screens, or export it at a lower resolution, and upload those."
    )


def webp_bytes(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "WEBP")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        (
            lambda: webp_bytes((4000, 2100)),
            Limits(),
            "WebP images are accepted up to 8 megapixels and this one has 8.4. Export it at a "
            "lower resolution (screens are shown at most 2000 pixels across), or as JPEG or PNG, "
            "and upload it again.",
        ),
        (
            lambda: png_of_size(400, 300, "RGBA"),
            Limits(max_colour_png_pixels=100_000),
            "Colour and transparent PNG images are accepted up to 0.1 megapixels and this one "
            "has 0.12. Export it at a lower resolution (screens are shown at most 2000 pixels "
            "across), or as JPEG, and upload it again.",
        ),
        (
            lambda: jpeg_bytes(Image.new("RGB", (400, 300)), progressive=True),
            Limits(max_progressive_jpeg_pixels=100_000),
            "Progressive JPEG images are accepted up to 0.1 megapixels and this one has 0.12. "
            "Export it at a lower resolution (screens are shown at most 2000 pixels across), or "
            "as a standard JPEG, and upload it again.",
        ),
        (
            lambda: (CORPUS / "rotated.heic").read_bytes(),
            Limits(max_heif_pixels=1000),
            "HEIC/HEIF images are accepted up to 0.001 megapixels and this one has 0.00205. "
            "Export it at a lower resolution (screens are shown at most 2000 pixels across), or "
            "as JPEG, and upload it again.",
        ),
    ],
    ids=["WebP", "colour PNG", "progressive JPEG", "HEIF"],
)
def test_formats_that_cannot_be_decoded_small_have_their_own_pixel_cap(data, limits, message):
    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(data()), limits)

    assert refusal.value.message == message


def test_grayscale_png_and_baseline_jpeg_keep_the_full_pixel_limit():
    limits = Limits(max_colour_png_pixels=100_000, max_progressive_jpeg_pixels=100_000)

    for data in (png_of_size(400, 300, "L"), jpeg_bytes(Image.new("RGB", (400, 300)))):
        [page] = process_upload(io.BytesIO(data), limits)
        assert (page.width, page.height) == (400, 300)


def test_large_transparent_png_is_shrunk_in_bands_with_the_same_pixels(monkeypatch):
    image = Image.new("RGBA", (4100, 1500), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 2049, 1499), fill=(200, 30, 30, 255))
    ImageDraw.Draw(image).rectangle((0, 700, 4099, 800), fill=(0, 0, 200, 128))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    [whole] = process_upload(io.BytesIO(buffer.getvalue()))

    monkeypatch.setattr(imaging, "BAND_PIXELS", 10_000)
    [banded] = process_upload(io.BytesIO(buffer.getvalue()))

    assert banded == whole
    display = decode(banded.display)
    assert display.size == (2000, 732)
    assert near(display.getpixel((500, 100)), (200, 30, 30))
    assert near(display.getpixel((1500, 100)), (255, 255, 255))
    assert near(display.getpixel((1500, 366)), (127, 127, 227), tolerance=8)


def test_pdf_pages_are_each_encoded_before_the_next_is_rendered(monkeypatch):
    steps = []
    render, encode = pypdfium2.PdfPage.render, imaging._encode_webp
    monkeypatch.setattr(
        pypdfium2.PdfPage, "render", lambda *a, **k: steps.append("render") or render(*a, **k)
    )
    monkeypatch.setattr(imaging, "_encode_webp", lambda *a: steps.append("encode") or encode(*a))

    process_upload(CORPUS / "two_pages.pdf")

    assert steps == ["render", "encode", "encode"] * 2


def test_first_page_only_renders_only_the_first_page(monkeypatch):
    rendered = []
    render = pypdfium2.PdfPage.render
    monkeypatch.setattr(
        pypdfium2.PdfPage, "render", lambda *a, **k: rendered.append(1) or render(*a, **k)
    )

    pages = process_upload(CORPUS / "two_pages.pdf", first_page_only=True)

    assert [page.page_number for page in pages] == [1]
    assert rendered == [1]


def test_pdf_page_of_extreme_proportions_is_refused():
    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(390, 844)
    pdf.new_page(20, 5000)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()

    with pytest.raises(ImageRejected) as refusal:
        process_upload(io.BytesIO(buffer.getvalue()))

    assert refusal.value.message == (
        "Page 2 of this PDF is 20 × 5,000 points, more than 20 times as tall as it is wide: too "
        "long to show as one screen. Crop it into several screens and upload those."
    )
