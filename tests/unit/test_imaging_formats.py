"""What the upload pipeline tells a designer about files it cannot use, and why.

Each sample is written here by Pillow (or, for Photoshop, whose format Pillow cannot write,
from the header Adobe documents), so nothing large is committed.
"""

import io
import struct
import zlib

import pytest
from PIL import Image, ImageFile

from prototypes import imaging
from prototypes.imaging import (
    ACCEPTED_DESCRIPTION,
    DAMAGED_MESSAGE,
    OUT_OF_MEMORY_MESSAGE,
    TOO_MUCH_METADATA_MESSAGE,
    ImageRejected,
    describe_unaccepted,
    process_upload,
)

PHOTOSHOP_ADVICE = (
    "In Photoshop, choose File › Export › Export As…, pick PNG or JPEG, and upload that file."
)


def saved(format, **options):
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (30, 90, 200)).save(buffer, format, **options)
    return buffer.getvalue()


def photoshop(version):
    """A Photoshop file header: signature, version (1 PSD, 2 PSB), 6 reserved bytes, channels,
    height, width, depth and colour mode, then empty colour-mode, resource and layer sections."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", version, 3, 32, 48, 8, 3)
    return header + bytes(4 + 4 + (8 if version == 2 else 4)) + bytes(2) + bytes(48 * 32 * 3)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def refusal(data):
    with pytest.raises(ImageRejected) as refused:
        process_upload(io.BytesIO(data))
    return refused.value.message


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: photoshop(1),
            f"This file is a Photoshop document (PSD). {PHOTOSHOP_ADVICE}",
        ),
        (
            lambda: photoshop(2),
            f"This file is a Photoshop large document (PSB). {PHOTOSHOP_ADVICE}",
        ),
        (
            lambda: saved("JPEG2000"),
            "This file is a JPEG 2000 image. Export it as PNG or JPEG and upload that.",
        ),
        (
            lambda: saved("JPEG2000", no_jp2=True),
            "This file is a JPEG 2000 image. Export it as PNG or JPEG and upload that.",
        ),
        (
            lambda: saved("ICO"),
            "This file is an icon (ICO). Export the screen itself as PNG or JPEG and upload that.",
        ),
        (
            lambda: saved("QOI"),
            "This file is a QOI image. Convert it to PNG and upload that.",
        ),
        (
            lambda: saved("PPM"),
            "This file is a Netpbm image (PBM, PGM, PPM or PAM). Convert it to PNG and upload "
            "that.",
        ),
        (
            lambda: saved("TIFF", big_tiff=True),
            "This file is a BigTIFF image (a TIFF for very large scans). Export it as PNG or JPEG "
            "and upload that.",
        ),
    ],
    ids=["PSD", "PSB", "JPEG 2000", "JPEG 2000 codestream", "ICO", "QOI", "PNM", "BigTIFF"],
)
def test_a_format_we_do_not_read_is_named_with_how_to_export_it(make, message):
    assert refusal(make()) == message


def test_the_request_names_a_photoshop_file_by_its_file_name():
    assert describe_unaccepted(photoshop(1), subject="“Home.psd”") == (
        f"“Home.psd” is a Photoshop document (PSD). {PHOTOSHOP_ADVICE}"
    )


def test_bytes_that_only_start_like_an_icon_are_not_called_one():
    assert refusal(bytes(64)) == f"This file is not an image we can read. {ACCEPTED_DESCRIPTION}"


@pytest.mark.parametrize("where", ["before the pixels", "after the pixels"])
def test_png_with_a_text_chunk_over_pillows_limit_is_not_called_damaged(where):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    png = buffer.getvalue()
    # 2 MB of editing history, compressed, as some apps leave in an export.
    history = png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"history " * 262_144))
    split = 33 if where == "before the pixels" else len(png) - 12  # after IHDR / before IEND

    assert refusal(png[:split] + history + png[split:]) == TOO_MUCH_METADATA_MESSAGE


def test_running_out_of_memory_while_decoding_is_not_called_damaged(monkeypatch):
    def exhausted(image):
        raise MemoryError

    monkeypatch.setattr(ImageFile.ImageFile, "load", exhausted)

    assert refusal(saved("PNG")) == OUT_OF_MEMORY_MESSAGE


def test_running_out_of_memory_after_decoding_is_not_called_damaged(monkeypatch):
    def exhausted(image, quality):
        raise MemoryError

    monkeypatch.setattr(imaging, "_encode_webp", exhausted)

    assert refusal(saved("PNG")) == OUT_OF_MEMORY_MESSAGE


@pytest.mark.parametrize("padding", [False, True])
def test_a_really_damaged_png_is_still_called_damaged(padding, monkeypatch):
    # WeasyPrint, imported in the same worker, tells Pillow to pad truncated images with gray.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", padding)
    png = saved("PNG")

    assert refusal(png[:-40]) == DAMAGED_MESSAGE
    assert ImageFile.LOAD_TRUNCATED_IMAGES is padding
