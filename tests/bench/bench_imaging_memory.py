"""Peak memory of the upload pipeline on the largest uploads the limits admit.

Goal: every upload `process_upload` admits (or refuses) peaks under 300 MB of resident memory
in the worker, as a 12-megapixel phone photo does. Each case runs in a fresh interpreter that
first imports what a Celery worker child holds (Django and every task module, about 150 MB)
and then processes one file; its peak is the kernel's high-water mark (VmHWM), which counts
Pillow's and the codecs' buffers that tracemalloc cannot see.

The cases are the ways an upload used to run a worker out of memory: a 50-page PDF whose pages
were all rendered before any was encoded, extreme aspect ratios (where row bookkeeping, not
pixels, costs memory), and 40-megapixel PNG (RGBA and 16-bit), JPEG and WebP files.
"""

import functools
import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy
import pillow_heif
import pytest
from PIL import Image, ImageDraw

from tests.bench.bench_imaging import write_phone_photo

pillow_heif.register_heif_opener()

REPO_ROOT = Path(__file__).resolve().parents[2]
GOAL_PEAK_MB = 300
# 7744 x 5164 = 39,990,016 pixels: just under the 40-megapixel limit, in a camera's 3:2 shape.
FORTY_MP = (7744, 5164)
# The largest colour PNG, progressive JPEG and HEIF, and the largest WebP, the limits admit.
TWENTY_FIVE_MP = (6120, 4080)
EIGHT_MP = (3464, 2309)

# VmHWM, not getrusage's ru_maxrss: on Linux a child's ru_maxrss starts from the parent's
# resident size at fork, so it would report this (large) pytest process instead.
MEASURE = """
import json, os, sys
import django

# What a Celery worker holds before its first task: Django and every task module.
django.setup()
from protoplatform.celery import app
app.loader.import_default_modules()

from prototypes.imaging import ImageRejected, process_upload

def peak_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

# Each upload runs in a child forked from this process, as Celery's prefork pool runs tasks:
# the child starts with the worker's memory and its own high-water mark.
for path in sys.argv[1:]:
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        continue
    try:
        before = peak_kb()
        try:
            outcome = f"{len(process_upload(path))} page(s)"
        except ImageRejected as rejection:
            outcome = "refused: " + rejection.message
        print(json.dumps({"before_kb": before, "after_kb": peak_kb(), "outcome": outcome}))
        sys.stdout.flush()
    finally:
        os._exit(0)
"""


def png_bytes(width, height, bit_depth, color_type, first_row):
    """A PNG whose rows all repeat `first_row`, written without holding its pixels in memory.

    Every row after the first uses the "Up" filter, so it is all zeros and compresses to
    almost nothing however large the image is.
    """

    def chunk(kind, data):
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    compressor = zlib.compressobj(6)
    parts = [compressor.compress(b"\0" + first_row)]
    repeated = b"\2" + bytes(len(first_row))
    rows_per_block = max(1, 4 * 1024 * 1024 // len(repeated))
    remaining = height - 1
    while remaining:
        count = min(remaining, rows_per_block)
        parts.append(compressor.compress(repeated * count))
        remaining -= count
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def gradient_row(width, channels, bit_depth):
    """One row of a left-to-right gradient, in PNG's big-endian sample layout."""
    top = 2**bit_depth - 1
    ramp = numpy.linspace(0, top, width).astype(">u2" if bit_depth == 16 else "u1")
    return numpy.repeat(ramp[:, None], channels, axis=1).tobytes()


@functools.cache
def sketch(size):
    """A large, cheap-to-encode picture: boxes and lines on paper, like a scanned wireframe."""
    image = Image.new("RGB", size, (246, 244, 238))
    draw = ImageDraw.Draw(image)
    width, height = size
    for index in range(40):
        left, top = (index * 397) % (width - 800), (index * 251) % (height - 600)
        draw.rectangle((left, top, left + 700, top + 500), outline=(40, 40, 50), width=8)
        draw.line((0, top, width, top + 300), fill=(90, 90, 110), width=5)
    return image


def encoded(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def fifty_page_pdf():
    """Fifty square pages, each a JPEG like a scanned sketch, as a PDF exporter writes them."""
    pages = []
    for number in range(50):
        page = Image.new("RGB", (1200, 1200), (246, 244, 238))
        draw = ImageDraw.Draw(page)
        draw.rectangle((60, 60, 1140, 1140), outline=(40, 40, 50), width=6)
        draw.text((100, 100), f"Screen {number + 1}", fill=(20, 20, 20))
        pages.append(page)
    return encoded(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=72)


def rgba_png(size):
    """An RGBA PNG with a gradient in colour and alpha (content does not change its memory)."""
    return png_bytes(*size, 8, 6, gradient_row(size[0], 4, 8))


CASES = {
    "50 square PDF pages": ("pdf", fifty_page_pdf),
    "1 x 39,990,000 PNG": ("png", lambda: png_bytes(1, 39_990_000, 1, 0, b"\0")),
    "39,990,000 x 1 PNG": ("png", lambda: png_bytes(39_990_000, 1, 1, 0, bytes(4_998_750))),
    "40 MP RGBA PNG": ("png", lambda: rgba_png(FORTY_MP)),
    "25 MP RGBA PNG": ("png", lambda: rgba_png(TWENTY_FIVE_MP)),
    "40 MP 16-bit RGBA PNG": (
        "png",
        lambda: png_bytes(*FORTY_MP, 16, 6, gradient_row(FORTY_MP[0], 4, 16)),
    ),
    "40 MP 16-bit gray PNG": (
        "png",
        lambda: png_bytes(*FORTY_MP, 16, 0, gradient_row(FORTY_MP[0], 1, 16)),
    ),
    "40 MP JPEG": ("jpg", lambda: encoded(sketch(FORTY_MP), "JPEG", quality=90)),
    "40 MP progressive JPEG": (
        "jpg",
        lambda: encoded(Image.new("RGB", FORTY_MP, "white"), "JPEG", progressive=True),
    ),
    "25 MP progressive JPEG": (
        "jpg",
        lambda: encoded(sketch(TWENTY_FIVE_MP), "JPEG", quality=90, progressive=True),
    ),
    "40 MP WebP": ("webp", lambda: encoded(Image.new("RGB", FORTY_MP, "white"), "WEBP")),
    "8 MP WebP": ("webp", lambda: encoded(sketch(EIGHT_MP), "WEBP", quality=80, method=0)),
    # A current iPhone's 24-megapixel HEIC, at the HEIF cap. x265's fastest preset on a plain
    # picture keeps the encode to a few seconds; the decode costs the same whatever it shows.
    "25 MP HEIC": (
        "heic",
        lambda: encoded(
            Image.new("RGB", TWENTY_FIVE_MP, "white"),
            "HEIF",
            quality=10,
            enc_params={"preset": "ultrafast"},
        ),
    ),
}


def resident_peaks(paths):
    """Peak RSS in MB, and RSS before it, of a worker child running each upload in turn."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, paths)],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "DJANGO_SETTINGS_MODULE": "protoplatform.settings",
            # Only so the settings import without production secrets; nothing is served.
            "DEBUG": "1",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == len(paths), result.stderr
    return [
        (figures["after_kb"] / 1024, figures["before_kb"] / 1024, figures["outcome"])
        for figures in map(json.loads, lines)
    ]


@pytest.mark.bench
def test_every_admitted_upload_peaks_under_300_mb(tmp_path, capsys):
    photo = tmp_path / "phone_photo.jpg"
    write_phone_photo(photo)
    files = {"12 MP photo (baseline)": photo}
    for name, (extension, make) in CASES.items():
        path = tmp_path / f"{len(files)}.{extension}"
        path.write_bytes(make())
        files[name] = path

    peaks = dict(zip(files, resident_peaks(list(files.values())), strict=True))

    with capsys.disabled():
        print("\n[bench] peak resident memory of one upload in a fresh worker process:")
        for name, (peak, imported, outcome) in peaks.items():
            size = files[name].stat().st_size / 1024 / 1024
            print(
                f"[bench]   {name:<24} {size:5.1f} MB file  peak {peak:4.0f} MB "
                f"(worker before it {imported:3.0f} MB)  {outcome[:70]}"
            )
        print(f"[bench]   goal: every case < {GOAL_PEAK_MB} MB")
    for name, (peak, _, _) in peaks.items():
        assert peak < GOAL_PEAK_MB, name
