"""Turn an uploaded file into the renditions a Screen is shown with.

Designers upload phone photos of paper sketches, exported wireframes, PDFs and SVG drawings.
Everything they send is untrusted: the real format is read from the file's first bytes (never
from its name or declared content type), only Pillow's JPEG, PNG, WebP and HEIF decoders are
ever used (nothing is handed to Ghostscript or another outside program), sizes are checked from
the header before any pixel is decoded, and every rendition is rebuilt from pixels alone so no
EXIF, GPS, XMP or ICC data from the upload survives.

`process_upload` is pure and synchronous; a Celery task calls it, never the request.

Decisions worth knowing:
- Animated PNG (APNG) and animated WebP are refused: a prototype screen is a still image, and
  silently keeping the first frame would show participants something the designer may not
  expect. A JPEG carrying extra pictures (MPO, as many phones write) and a HEIF container with
  several images are not animations: their primary image is used.
- Colour is converted to sRGB through the embedded ICC profile when it matches the pixels; a
  broken profile is ignored rather than costing the upload.
- An SVG is read by our own strict XML pass before resvg draws it (`_render_svg`): no DTD
  with declarations (entity expansion), no script, no reference outside the file (resvg would
  read a local image path from disk) and a bounded number of elements, `<use>` copies
  included; it is then drawn at display size whatever size it claims, so an enormous viewBox
  or width costs nothing. resvg runs no script and fetches nothing from the network.
- The module changes warning filters while decoding, which is process-wide state: call it from
  a prefork worker (Celery's default), not from several threads at once.
"""

import base64
import binascii
import contextlib
import faulthandler
import io
import math
import os
import re
import resource
import selectors
import signal
import time
import warnings
import xml.etree.ElementTree as ElementTree
import xml.parsers.expat
from dataclasses import dataclass

import numpy
import pillow_heif
import pypdfium2
import pypdfium2.raw
import resvg_py
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageFilter

pillow_heif.register_heif_opener()

MEGABYTE = 1024 * 1024

ACCEPTED_DESCRIPTION = "Accepted: JPEG, PNG, WebP, HEIC/HEIF, PDF and SVG."

DAMAGED_MESSAGE = (
    "The image is damaged or incomplete. Open it on your computer to check it, export it "
    "again and upload the new file."
)

TOO_MUCH_METADATA_MESSAGE = (
    "This PNG carries more embedded text or colour-profile data than we read (over 1 MB, "
    "usually editing history an app left in the file). Export it again without metadata (for "
    "example with “Export for web”) and upload the new file."
)

OUT_OF_MEMORY_MESSAGE = (
    "This image needed more memory to decode than our image worker has. Export it at a "
    "lower resolution (screens are shown at most 2000 pixels across) and upload it again."
)

EXPORT_AS_PNG_OR_JPEG = "Export it as PNG or JPEG and upload that."

# Our format names mapped to the only Pillow decoder allowed to read each of them.
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}

# HEIF brands that mean HEVC-coded pictures. "mif1"/"msf1" alone also describe AVIF files,
# which pillow-heif 1.x no longer decodes, so a file needs one of these to count as HEIC.
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}

# EXIF orientation -> the transpose that puts the picture upright (as ImageOps.exif_transpose).
ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# ICC colour space signature expected for each 8-bit mode we hand to LittleCMS.
PROFILE_SPACES = {"L": "GRAY", "RGB": "RGB ", "CMYK": "CMYK"}

SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

# Rows converted at a time when shrinking a large picture: bands of a few megapixels keep every
# intermediate copy small next to the decoded picture, and few enough calls to cost nothing.
BAND_PIXELS = 1_000_000

DISPLAY_QUALITY = 85
THUMBNAIL_QUALITY = 80
# libwebp effort, 0-6. On a 3-megapixel display rendition of a phone photo, 0 encodes in less
# than half the time of the default 4 for files about 5% larger (about 10 kB more on a
# sketch); the encode is the largest cost of the whole pipeline.
WEBP_METHOD = 0


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 25 * MEGABYTE
    max_pixels: int = 40_000_000
    # A Celery worker child holds about 105 MB before its first task, so a decode may add
    # about 130 MB for the worker to stay well under 300 MB (tests/bench/bench_imaging_memory.py
    # measures it). A baseline JPEG is decoded at a reduced size (draft), but nothing else can
    # be: Pillow holds a colour or transparent PNG at 4 bytes a pixel, libjpeg a progressive
    # JPEG's coefficients at about 4, Pillow's WebP decoder about 15 (libwebp's canvas, its
    # previous frame, Python bytes and the image) and libheif about 4.5. These caps keep each
    # within the budget; screens are shown at most 2000 pixels across, so they only refuse
    # resolution nobody sees. A 25-megapixel cap still admits a current iPhone's 24-megapixel
    # HEIC.
    max_colour_png_pixels: int = 25_000_000
    max_progressive_jpeg_pixels: int = 25_000_000
    max_webp_pixels: int = 8_000_000
    max_heif_pixels: int = 25_000_000
    # A picture far longer than it is wide cannot be shown as a screen (a 1 x 40,000,000 PNG
    # would be a 1 x 2000 line), and in Pillow each row costs bookkeeping beyond its pixels:
    # that PNG needs 700 MB to decode. 20:1 still admits a long scrolling page on a phone.
    max_aspect_ratio: int = 20
    max_long_edge: int = 30_000
    max_pages: int = 50
    # Elements an SVG may draw, each `<use>` counted with the copy it makes: 100,000 take
    # resvg about 1.5 s, and a drawing of screens has a few thousand.
    max_svg_elements: int = 100_000
    # Drawing a screen takes resvg well under a second; far longer means a drawing made to
    # cost time, stopped here rather than by the task's own limit minutes later.
    svg_seconds: float = 20
    display_long_edge: int = 2000
    thumbnail_long_edge: int = 400


@dataclass(frozen=True)
class Page:
    display: bytes
    thumbnail: bytes
    width: int
    height: int
    page_number: int


class ImageRejected(Exception):
    """The upload cannot become a screen; the message is written for the designer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def sniff(head):
    """Return the accepted format the bytes really are, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if HEIC_BRANDS.intersection(_ftyp_brands(head)):
        return "heif"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if _looks_like_svg(head):
        return "svg"
    return None


def _looks_like_svg(head):
    """An XML document whose first element is `<svg`: a prologue of declaration, comments and
    doctype may come first, so the caller passes the first 2 kB rather than 64 bytes."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg", b"<!doctype svg")):
        return False
    first = re.search(
        rb"<([A-Za-z_][\w.:-]*)", re.sub(rb"<!--.*?-->|<[?!][^>]*>", b"", text, flags=re.DOTALL)
    )
    return first is not None and first.group(1).split(b":")[-1] == b"svg"


def process_upload(source, limits=Limits(), clean_paper=False, first_page_only=False):
    """Return one Page per image, or per page of a PDF; raise ImageRejected otherwise.

    `source` is a path or a binary file-like object. With `clean_paper`, a photo of a paper
    sketch is turned into dark lines on white paper. With `first_page_only`, a PDF's later
    pages are neither rendered nor returned.
    """
    data = _read_bounded(source, limits.max_bytes)
    if not data:
        raise ImageRejected("The file is empty. Choose the file again and re-upload it.")
    if len(data) > limits.max_bytes:
        raise ImageRejected(
            f"This file is larger than {_format_megabytes(limits.max_bytes)}. "
            "Export it at a smaller size and upload it again."
        )
    kind = sniff(data[:2048])
    if kind is None:
        raise ImageRejected(describe_unaccepted(data[:2048]))
    try:
        if kind == "pdf":
            # One page at a time: each page's pixels are released once its renditions are
            # encoded, so a 50-page PDF needs no more memory than a one-page one.
            return [
                _make_page(picture, number, limits, clean_paper)
                for number, picture in _render_pdf(data, limits, first_page_only)
            ]
        if kind == "svg":
            picture = _render_svg(data, limits)
        else:
            picture = _decode_image(data, kind, limits, draft_to_gray=clean_paper)
        return [_make_page(picture, 1, limits, clean_paper)]
    except MemoryError:
        raise ImageRejected(OUT_OF_MEMORY_MESSAGE) from None


def clean_paper_photo(image):
    """Return a grayscale copy of a paper photo with white paper and dark pencil lines.

    Uneven lighting is removed by dividing by an estimate of the paper's own brightness: the
    image shrunk (up to eight times), with a maximum filter so pencil strokes disappear from it,
    blurred and enlarged back. What is left is the ink's darkness relative to the paper around it.
    """
    gray = image.convert("L")
    factor = max(1, min(8, min(gray.size) // 32))
    paper = gray.reduce(factor).filter(ImageFilter.MaxFilter(7))
    paper = paper.filter(ImageFilter.GaussianBlur(4))
    paper = paper.resize(gray.size, Image.Resampling.BILINEAR)

    ratio = numpy.asarray(gray, dtype=numpy.float32)
    ratio /= numpy.maximum(numpy.asarray(paper, dtype=numpy.float32), 1.0)
    # Anything within 12% of the local paper brightness is paper (grain, shadows, JPEG noise);
    # the darkest strokes set the black point so faint pencil still reaches full contrast.
    white_point = 0.88
    black_point = min(float(numpy.percentile(ratio, 0.5)), 0.6)
    ratio -= black_point
    ratio /= white_point - black_point
    numpy.clip(ratio, 0.0, 1.0, out=ratio)
    # A gamma above 1 keeps mid-gray pencil dark instead of washing it out.
    numpy.power(ratio, 1.6, out=ratio)
    ratio *= 255.0
    return Image.fromarray(numpy.rint(ratio).astype(numpy.uint8), mode="L")


def _read_bounded(source, max_bytes):
    """Read at most max_bytes + 1 bytes, enough to tell an oversized file without reading it.

    Reading in chunks keeps memory to the file's real size: read(n) allocates n bytes up front.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            return _read_bounded(file, max_bytes)
    chunks = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = source.read(min(remaining, MEGABYTE))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _ftyp_brands(head):
    """Major and compatible brands of an ISO base media file (HEIF, AVIF, MP4...)."""
    if head[4:8] != b"ftyp":
        return []
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    # Bytes 12-16 are the minor version, not a brand.
    return [head[8:12]] + [head[i : i + 4] for i in range(16, box_end - 3, 4)]


def describe_unaccepted(head, subject="This file"):
    """The sentence refusing a file that is not in an accepted format: what the file is, in
    words a designer recognises, and how to get an accepted file out of it."""
    what, advice = _identify_unaccepted(head)
    return f"{subject} is {what}. {advice}"


def _identify_unaccepted(head):
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    brands = _ftyp_brands(head)
    if head.startswith(b"8BPS\x00\x01"):
        return (
            "a Photoshop document (PSD)",
            "In Photoshop, choose File › Export › Export As…, pick PNG or JPEG, and upload "
            "that file.",
        )
    if head.startswith(b"8BPS\x00\x02"):
        return (
            "a Photoshop large document (PSB)",
            "In Photoshop, choose File › Export › Export As…, pick PNG or JPEG, and upload "
            "that file.",
        )
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "a JPEG 2000 image", EXPORT_AS_PNG_OR_JPEG
    if head.startswith((b"II+\x00", b"MM\x00+")):
        return "a BigTIFF image (a TIFF for very large scans)", EXPORT_AS_PNG_OR_JPEG
    if head.startswith(b"\x00\x00\x01\x00") and head[4:6] != b"\x00\x00":
        return "an icon (ICO)", "Export the screen itself as PNG or JPEG and upload that."
    if head.startswith(b"qoif"):
        return "a QOI image", "Convert it to PNG and upload that."
    if head[:1] == b"P" and head[1:2] in b"1234567fF" and head[2:3] in b" \t\r\n":
        return "a Netpbm image (PBM, PGM, PPM or PAM)", "Convert it to PNG and upload that."
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF", ACCEPTED_DESCRIPTION
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "a TIFF image", ACCEPTED_DESCRIPTION
    if head.startswith(b"BM"):
        return "a BMP image", ACCEPTED_DESCRIPTION
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return "a PostScript or EPS file", ACCEPTED_DESCRIPTION
    if b"avif" in brands or b"avis" in brands:
        return "an AVIF image", ACCEPTED_DESCRIPTION
    if brands:
        return "a video or other media container", ACCEPTED_DESCRIPTION
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (for example a Sketch, Figma or Office file)", ACCEPTED_DESCRIPTION
    if text.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)", ACCEPTED_DESCRIPTION
    if b"<\x00s\x00v\x00g" in head or b"\x00<\x00s\x00v\x00g" in head:
        return (
            "an SVG drawing saved as UTF-16 text",
            "Export it again as plain SVG and upload that.",
        )
    if b"<svg" in text:
        # SVG files start with their drawing (after an XML prologue); this one does not.
        return (
            "a document with an SVG drawing inside",
            "Export the drawing itself as an SVG file and upload that.",
        )
    if b"<script" in text:
        return "a web page (HTML)", ACCEPTED_DESCRIPTION
    return "not an image we can read", ACCEPTED_DESCRIPTION


def _format_megabytes(size):
    return f"{size / MEGABYTE:g} MB"


def _too_large(limits):
    return ImageRejected(
        f"This image is too large (more than {limits.max_pixels / 1_000_000:g} megapixels). "
        "Export or photograph it at a lower resolution and upload it again."
    )


def _check_size(image, kind, limits):
    """Refuse, from the header alone, a picture whose decoding would cost too much memory."""
    width, height = image.size
    pixels = width * height
    if pixels > limits.max_pixels:
        raise _too_large(limits)
    _check_proportions(width, height, limits, "This image", "pixels")
    if max(width, height) > limits.max_long_edge:
        raise ImageRejected(
            f"This image is {width:,} × {height:,} pixels; a screen can be at most "
            f"{limits.max_long_edge:,} pixels {'tall' if height > width else 'wide'}. Crop it "
            "into several screens, or export it at a lower resolution, and upload those."
        )
    name, cap, alternative = _format_cap(image, kind, limits)
    if pixels > cap:
        raise ImageRejected(
            f"{name} images are accepted up to {cap / 1_000_000:g} megapixels and this one has "
            f"{pixels / 1_000_000:.3g}. Export it at a lower resolution (screens are shown at "
            f"most {limits.display_long_edge} pixels across), or {alternative}, and upload it "
            "again."
        )


def _format_cap(image, kind, limits):
    """(What the designer calls the format, its pixel cap, what to export instead)."""
    if kind == "webp":
        return "WebP", limits.max_webp_pixels, "as JPEG or PNG"
    if kind == "heif":
        return "HEIC/HEIF", limits.max_heif_pixels, "as JPEG"
    if kind == "png" and image.mode not in ("1", "L", "P") and not image.mode.startswith("I;16"):
        return "Colour and transparent PNG", limits.max_colour_png_pixels, "as JPEG"
    if kind == "jpeg" and image.info.get("progressive"):
        return "Progressive JPEG", limits.max_progressive_jpeg_pixels, "as a standard JPEG"
    return "", limits.max_pixels, ""


def _check_proportions(width, height, limits, subject, unit):
    long_edge, short_edge = max(width, height), min(width, height)
    if long_edge > limits.max_aspect_ratio * short_edge:
        length, breadth = ("tall", "wide") if height > width else ("wide", "tall")
        raise ImageRejected(
            f"{subject} is {round(width):,} × {round(height):,} {unit}, more than "
            f"{limits.max_aspect_ratio} times as {length} as it is {breadth}: too long to show "
            "as one screen. Crop it into several screens and upload those."
        )


@contextlib.contextmanager
def _refusing_truncation():
    """A truncated or oversized part of a file is an error while decoding, even if another
    library in this process (WeasyPrint does, on import) told Pillow to pad truncated images
    with gray and skip what it cannot read. Opening counts too: PNG reads its chunks there."""
    padding = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = padding


def _decode_image(data, kind, limits, draft_to_gray):
    """Decode the single picture in an image file, at no more than display size where cheap."""
    with warnings.catch_warnings(), _refusing_truncation():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
            # Only the header has been read so far: refuse before allocating any pixels.
            _check_size(image, kind, limits)
            if kind in ("png", "webp") and getattr(image, "is_animated", False):
                raise ImageRejected(
                    f"This image is animated ({image.n_frames} frames). Upload a still image "
                    "of the screen instead."
                )
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
            icc_profile = image.info.get("icc_profile")
            if image.format in ("JPEG", "MPO"):
                # libjpeg can decode at 1/2, 1/4 or 1/8 scale directly: a 12-megapixel photo
                # then needs a quarter of the memory, and skips most of the inverse DCT work.
                target = _fitted_size(image.size, limits.display_long_edge)
                image.draft("L" if draft_to_gray else image.mode, target)
            if kind == "heif":
                shrunk = _decode_heif_shrunk(data, limits.display_long_edge)
            else:
                image.load()
                shrunk = _shrink_on_white(image, limits.display_long_edge)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large(limits) from None
        except MemoryError:
            raise ImageRejected(OUT_OF_MEMORY_MESSAGE) from None
        except ValueError as error:
            # Pillow refuses to inflate more than 1 MB of PNG text or ICC profile: the pixels
            # may be fine, but the file is not damaged and saying so would mislead.
            if "MAX_TEXT" in str(error):
                raise ImageRejected(TOO_MUCH_METADATA_MESSAGE) from error
            raise ImageRejected(DAMAGED_MESSAGE) from error
        except Exception as error:
            # Pillow's decoders report bad input with many exception types (OSError,
            # SyntaxError, ValueError, struct.error...); to the designer they all mean the
            # same thing.
            raise ImageRejected(DAMAGED_MESSAGE) from error

    image = _resize_to_fit(shrunk, limits.display_long_edge)
    image = _to_srgb(image, icc_profile)
    if orientation in ORIENTATION_TRANSPOSE:
        image = image.transpose(ORIENTATION_TRANSPOSE[orientation])
    return image


SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements resvg would ignore anyway, removed so that what it reads holds no code at all.
SVG_INERT_ELEMENTS = {"script", "foreignObject", "handler", "listener"}
# Embedded pictures resvg decodes itself; a nested SVG would escape our checks, so it is not one.
SVG_EMBEDDED_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/jpg": "JPEG"}
# No screen is drawn at this size: a larger width, height or viewBox is a mistake or an attack.
SVG_MAX_UNITS = 1_000_000
# Nesting deeper than this is no drawing anyone made, and would exhaust recursion.
SVG_MAX_DEPTH = 200
# CSS lengths in CSS pixels (96 per inch), as resvg reads them.
SVG_UNITS = {"": 1, "px": 1, "pt": 4 / 3, "pc": 16, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96}
# In CSS: an @import, and a url() to anything but an element of the drawing itself.
CSS_OUTSIDE_REFERENCE = re.compile(r"@import[^;]*;?|url\(\s*(?!['\"]?\s*#)[^)]*\)", re.IGNORECASE)
SVG_LENGTH = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(px|pt|pc|mm|cm|in)?\s*")

# What drawing an SVG may allocate beyond the worker's own memory: a 2000 × 2000 canvas is
# 16 MB, and each filter or group with opacity adds a layer of the same size.
SVG_EXTRA_ADDRESS_SPACE = 1024 * MEGABYTE

SVG_ENCODING_MESSAGE = (
    "This SVG drawing is not saved as UTF-8 text. Export it again as plain SVG and upload that."
)
SVG_ENTITIES_MESSAGE = (
    "This SVG drawing declares entities in a DOCTYPE, which we refuse for safety: they can make "
    "a small file expand without end or read files on our server. Export it again as plain SVG "
    "(without a DOCTYPE) and upload that."
)
SVG_NOT_DRAWN_MESSAGE = (
    "This SVG drawing could not be drawn. Export the screen again, as SVG or as PNG, and upload "
    "the new file."
)


class _SvgRefused(Exception):
    """Raised from inside expat's callbacks; turned into ImageRejected outside the parser."""


def _render_svg(data, limits):
    """Draw an SVG drawing at display size on white; refuse what cannot be drawn safely."""
    root = _parse_svg(data, limits)
    width, height = _svg_size(root)
    _check_proportions(width, height, limits, "This SVG drawing", "units")
    _disarm_svg(root, limits)
    try:
        too_many = _svg_element_count(root, limits.max_svg_elements) > limits.max_svg_elements
    except RecursionError:
        too_many = True  # Uses that refer to uses, hundreds deep: no drawing of a screen.
    if too_many:
        raise ImageRejected(
            f"This SVG drawing has more than {limits.max_svg_elements:,} elements (repeated "
            "copies included): too many to draw as a screen. Simplify it, or export the screen "
            "as PNG, and upload that."
        )
    # Drawn to fit the display size whatever size it claims: resvg keeps the proportions
    # inside the box it is given, so an enormous width or viewBox costs no more than a small one.
    scale = limits.display_long_edge / max(width, height)
    png = _draw_svg(
        ElementTree.tostring(root, encoding="unicode"),
        max(1, round(width * scale)),
        max(1, round(height * scale)),
        limits.svg_seconds,
    )
    try:
        with _refusing_truncation():
            image = Image.open(io.BytesIO(png), formats=["PNG"])
            image.load()
    except (ValueError, OSError) as error:
        raise ImageRejected(SVG_NOT_DRAWN_MESSAGE) from error
    return _flatten_on_white(image).convert("RGB")


def _cap_address_space(extra):
    """Let this process grow by at most `extra` bytes of address space: past it, allocations
    fail and resvg stops, instead of the machine's memory running out."""
    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return  # Not Linux: the time limit alone applies.
    resource.setrlimit(resource.RLIMIT_AS, (size + extra, size + extra))


def _draw_svg(svg, width, height, seconds):
    """resvg's PNG of the drawing, drawn in a forked child that is killed after `seconds`.

    A few bytes of SVG can ask for minutes of work (ten large blurs take resvg two minutes
    at display size), and resvg cannot be interrupted from Python: only a process of its
    own can be stopped, and the worker goes on with the next job.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # The child: draw, write the PNG, and leave without running any cleanup.
        status = 1
        try:
            os.close(read_end)
            # An allocation refused by the cap aborts the child: the parent says so in a
            # sentence; Rust's message and a crash dump would only fill the worker's log.
            faulthandler.disable()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            _cap_address_space(SVG_EXTRA_ADDRESS_SPACE)
            png = resvg_py.svg_to_bytes(
                svg_string=svg,
                width=width,
                height=height,
                # resvg-py's default of 0 turns inches, points and millimetres into nothing.
                dpi=96,
            )
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(png)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + seconds
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(read_end, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    os.kill(pid, signal.SIGKILL)
                    raise ImageRejected(
                        f"This SVG drawing takes too long to draw (more than {seconds:g} "
                        "seconds; large blurs and shadows are the usual cause). Export the "
                        "screen as PNG and upload that."
                    )
                chunk = os.read(read_end, MEGABYTE)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT:
        # Rust aborts when an allocation fails: the address-space cap was reached.
        raise ImageRejected(
            "This SVG drawing needs more memory to draw than a screen may use (many "
            "transparent groups or filters inside one another are the usual cause). Export the "
            "screen as PNG and upload that."
        )
    if status != 0 or not chunks:
        raise ImageRejected(SVG_NOT_DRAWN_MESSAGE)
    return b"".join(chunks)


def _parse_svg(data, limits):
    """Build the element tree with expat, refusing any declaration before it takes effect.

    A DOCTYPE that only names the SVG 1.1 DTD (as older exports write) is read and ignored:
    expat never loads an external DTD unless asked. One with an internal subset, and any
    entity declaration, is refused as soon as expat meets it, before a single entity expands.
    """
    text = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        raise ImageRejected(SVG_ENCODING_MESSAGE) from None
    declaration = re.match(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.-]+)", text)
    if declaration and declaration.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii"):
        raise ImageRejected(SVG_ENCODING_MESSAGE)
    if re.search(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[", text, re.IGNORECASE):
        raise ImageRejected(SVG_ENTITIES_MESSAGE)

    builder = ElementTree.TreeBuilder()
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    depth = 0

    def name(raw):
        return "{" + raw if "}" in raw else raw

    def start(tag, attributes):
        nonlocal depth
        depth += 1
        if depth > SVG_MAX_DEPTH:
            raise _SvgRefused(
                f"This SVG drawing nests elements more than {SVG_MAX_DEPTH} deep: too deep to "
                "draw as a screen. Simplify it, or export the screen as PNG, and upload that."
            )
        builder.start(name(tag), {name(key): value for key, value in attributes.items()})

    def end(tag):
        nonlocal depth
        depth -= 1
        builder.end(name(tag))

    def doctype(doctype_name, system_id, public_id, has_internal_subset):
        if has_internal_subset:
            raise _SvgRefused(SVG_ENTITIES_MESSAGE)

    def entity(*arguments):
        raise _SvgRefused(SVG_ENTITIES_MESSAGE)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text, True)
        root = builder.close()
    except _SvgRefused as refusal:
        raise ImageRejected(str(refusal)) from None
    except xml.parsers.expat.ExpatError as error:
        raise ImageRejected(
            f"This SVG drawing is not well-formed (line {error.lineno}: "
            f"{xml.parsers.expat.errors.messages[error.code].lower()}). Export it again and "
            "upload the new file."
        ) from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ImageRejected(
            "This file is XML but not an SVG drawing (its first element is not an SVG element "
            f"in the SVG namespace). {ACCEPTED_DESCRIPTION}"
        )
    return root


def _svg_size(root):
    """The drawing's own proportions: its width and height when both are absolute lengths,
    else its viewBox, else resvg's default of 100 × 100."""
    lengths = [_svg_length(root.get(side)) for side in ("width", "height")]
    view_box = root.get("viewBox")
    box = None
    if view_box is not None:
        try:
            box = [float(part) for part in re.split(r"[\s,]+", view_box.strip())]
        except ValueError:
            box = []
        if len(box) != 4:
            raise ImageRejected(
                f"This SVG drawing's viewBox “{view_box[:40]}” is not four numbers. Export it "
                "again and upload the new file."
            )
    sizes = [length for length in lengths if length is not None] + (box[2:] if box else [])
    if box and not all(math.isfinite(value) for value in box[:2]):
        sizes.append(math.inf)
    for size in sizes:
        if not math.isfinite(size) or size <= 0 or size > SVG_MAX_UNITS:
            raise ImageRejected(
                "This SVG drawing's width, height or viewBox is zero, negative or larger than "
                f"{SVG_MAX_UNITS:,} units, which no screen is. Export it again at the screen's "
                "own size and upload the new file."
            )
    if None not in lengths:
        return lengths[0], lengths[1]
    if box:
        return box[2], box[3]
    return 100.0, 100.0


def _svg_length(value):
    """An absolute length in CSS pixels, or None (absent, a percentage, em...)."""
    if value is None:
        return None
    match = SVG_LENGTH.fullmatch(value)
    if match is None:
        return None
    return float(match.group(1)) * SVG_UNITS[match.group(2) or ""]


def _disarm_svg(root, limits):
    """Remove scripts and event handlers, and every reference to anything outside the file.

    resvg runs no script and fetches nothing from the network, but it reads an image's `href`
    as a path on this server's disk; only references inside the drawing (`#id`) and embedded
    PNG or JPEG pictures within the pixel limits are kept. CSS imports and outside url()s go
    too, though resvg reads neither: what it is given should hold nothing that points out.
    """
    embedded_pixels = 0
    for parent in list(root.iter()):
        for child in list(parent):
            if _local_name(child.tag) in SVG_INERT_ELEMENTS:
                parent.remove(child)
    for element in root.iter():
        if _local_name(element.tag) == "style" and element.text:
            element.text = CSS_OUTSIDE_REFERENCE.sub("none", element.text)
        for key in list(element.attrib):
            local = _local_name(key)
            if local.lower().startswith("on"):
                del element.attrib[key]
            elif key in ("href", XLINK_HREF):
                reference = element.attrib[key].strip()
                if reference.startswith("#"):
                    continue
                pixels = _embedded_picture_pixels(reference, limits)
                if pixels is None:
                    del element.attrib[key]
                else:
                    embedded_pixels += pixels
            else:
                # style="…", and presentation attributes such as fill="url(…)".
                element.attrib[key] = CSS_OUTSIDE_REFERENCE.sub("none", element.attrib[key])
    if embedded_pixels > limits.max_colour_png_pixels:
        raise ImageRejected(
            f"This SVG drawing embeds pictures of more than "
            f"{limits.max_colour_png_pixels / 1_000_000:g} megapixels in all. Export it with "
            "smaller pictures, or export the screen as PNG, and upload that."
        )


def _embedded_picture_pixels(reference, limits):
    """The pixel count of an embedded PNG or JPEG (read from its header), or None when the
    reference is anything else: a path, a web address, a nested SVG, an unreadable picture."""
    match = re.fullmatch(r"data:([\w/+.-]+)\s*;\s*base64\s*,(.*)", reference, re.DOTALL)
    if match is None or match.group(1).lower() not in SVG_EMBEDDED_FORMATS:
        return None
    try:
        picture = base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(picture), formats=["PNG", "JPEG"]) as image:
                return image.width * image.height
    except (binascii.Error, ValueError, OSError, Image.DecompressionBombWarning):
        return None
    except Image.DecompressionBombError:
        raise _too_large(limits) from None


def _local_name(tag):
    return tag.rsplit("}", 1)[-1]


def _svg_element_count(root, limit):
    """Elements resvg would draw, counting each `<use>` as a copy of what it points to, so
    that a chain of uses each repeating the last ten times (SVG's billion laughs) is seen
    for what it expands to. Counting stops a little past `limit`."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    counted = {}
    in_progress = set()

    def count(element):
        key = id(element)
        if key in counted:
            return counted[key]
        if key in in_progress:
            return 0  # A use that refers to itself: resvg refuses to draw the cycle.
        in_progress.add(key)
        total = 1
        for child in element:
            total = min(limit + 1, total + count(child))
        if _local_name(element.tag) == "use":
            reference = (element.get("href") or element.get(XLINK_HREF) or "").strip()
            target = by_id.get(reference[1:]) if reference.startswith("#") else None
            if target is not None:
                total = min(limit + 1, total + count(target))
        in_progress.discard(key)
        counted[key] = total
        return total

    return count(root)


def _render_pdf(data, limits, first_page_only):
    """Yield (page number, picture) for each PDF page, rasterised so its long edge is the
    display size; each picture is rendered only when the previous one has been used."""
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        if error.err_code in (pypdfium2.raw.FPDF_ERR_PASSWORD, pypdfium2.raw.FPDF_ERR_SECURITY):
            raise ImageRejected(
                "This PDF is protected by a password. Save a copy without protection and "
                "upload that."
            ) from error
        raise ImageRejected(
            "The PDF is damaged or incomplete. Export it again and upload the new file."
        ) from error
    try:
        page_count = len(pdf)
        if page_count == 0:
            raise ImageRejected("This PDF has no pages.")
        if page_count > limits.max_pages:
            raise ImageRejected(
                f"This PDF has {page_count} pages; at most {limits.max_pages} are accepted. "
                "Upload only the pages that are screens of the prototype."
            )
        for number in range(1, 2 if first_page_only else page_count + 1):
            yield number, _render_pdf_page(pdf, number, limits)
    finally:
        pdf.close()


def _render_pdf_page(pdf, number, limits):
    page = pdf[number - 1]
    try:
        width, height = page.get_size()
        if min(width, height) <= 0:
            raise ImageRejected(f"Page {number} of this PDF has no area.")
        _check_proportions(width, height, limits, f"Page {number} of this PDF", "points")
        # PDF sizes are in points; scale 1 renders one pixel per point. Forms are not
        # initialised, so no form field or JavaScript in the file is ever run.
        scale = limits.display_long_edge / max(width, height)
        bitmap = page.render(scale=scale, may_draw_forms=False)
        try:
            return bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    except pypdfium2.PdfiumError as error:
        raise ImageRejected(
            f"Page {number} of this PDF could not be drawn. Export the PDF again and upload "
            "the new file."
        ) from error
    finally:
        page.close()


def _make_page(picture, number, limits, clean_paper):
    if clean_paper:
        picture = clean_paper_photo(picture)
    display = _pixels_only(picture)
    thumbnail = _resize_to_fit(display, limits.thumbnail_long_edge)
    return Page(
        display=_encode_webp(display, DISPLAY_QUALITY),
        thumbnail=_encode_webp(_pixels_only(thumbnail), THUMBNAIL_QUALITY),
        width=display.width,
        height=display.height,
        page_number=number,
    )


def _fitted_size(size, long_edge):
    width, height = size
    if max(width, height) <= long_edge:
        return size
    scale = long_edge / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resize_to_fit(image, long_edge):
    size = _fitted_size(image.size, long_edge)
    if size == image.size:
        return image
    # reducing_gap first shrinks by a whole factor with a cheap box filter, then finishes with
    # Lanczos: four times faster on a photo, as Image.thumbnail does by default.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _decode_heif_shrunk(data, long_edge):
    """Decode a HEIF file's primary picture and shrink it straight from libheif's buffer.

    Pillow's HEIF plugin copies libheif's 3-byte pixels into a 4-byte Pillow image: 7 bytes a
    pixel at the peak. Reading bands from the buffer itself leaves libheif's own. libheif has
    already turned the picture upright (the plugin reports orientation 1 for that reason).
    """
    heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True, remove_stride=False)
    frame = heif[heif.primary_index]
    pixels, stride = frame.data, frame.stride

    def rows(top, bottom):
        band = pixels[top * stride : bottom * stride]
        size = (frame.size[0], bottom - top)
        return Image.frombuffer(frame.mode, size, band, "raw", frame.mode, stride, 1)

    return _shrink_bands_on_white(rows, frame.size, long_edge)


def _shrink_on_white(image, long_edge):
    """Bring a decoded picture to L, RGB or CMYK on white paper, box-reduced by the whole
    factor that keeps its long edge at least `long_edge`, without a second full-size copy.

    Converting a 40-megapixel RGBA PNG in one go holds the 160 MB original next to a 160 MB
    converted copy (Pillow's own resize of RGBA makes one too, to premultiply alpha). Done a
    band of rows at a time, each copy is a band; flattening on white before reducing gives the
    same pixels as Pillow's premultiplied reduce followed by flattening, as both are linear.
    """
    if max(image.size) < 2 * long_edge and image.mode in PROFILE_SPACES:
        return image
    width = image.width
    return _shrink_bands_on_white(
        lambda top, bottom: image.crop((0, top, width, bottom)), image.size, long_edge
    )


def _shrink_bands_on_white(rows, size, long_edge):
    """The work of `_shrink_on_white` on a picture read through `rows(top, bottom)`."""
    width, height = size
    factor = max(1, max(size) // long_edge)
    band_rows = factor * max(1, BAND_PIXELS // (width * factor))
    shrunk = None
    for top in range(0, height, band_rows):
        band = _flatten_on_white(_to_8_bit(rows(top, min(height, top + band_rows))))
        if factor > 1:
            band = band.reduce(factor)
        if shrunk is None:
            shrunk = Image.new(band.mode, (-(-width // factor), -(-height // factor)))
        shrunk.paste(band, (0, top // factor))
    return shrunk


def _to_8_bit(image):
    """Bring every decoded mode to L, LA, RGB, RGBA or CMYK so it can be resized smoothly."""
    if image.mode.startswith("I;16"):
        # 16-bit grayscale PNG: Pillow's convert("L") clips instead of scaling.
        return image.point(lambda value: value / 257 + 0.5).convert("L")
    if image.mode == "P":
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if image.mode == "1":
        return image.convert("L")
    return image


def _flatten_on_white(image):
    """Put transparent pixels on white paper, which is how a screen sketch is meant to look."""
    if image.mode not in ("LA", "RGBA"):
        return image
    base_mode = "L" if image.mode == "LA" else "RGB"
    paper = Image.new(base_mode, image.size, 255 if base_mode == "L" else (255, 255, 255))
    paper.paste(image.convert(base_mode), mask=image.getchannel("A"))
    return paper


def _to_srgb(image, icc_profile):
    if icc_profile and image.mode in PROFILE_SPACES:
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            if source_profile.profile.xcolor_space == PROFILE_SPACES[image.mode]:
                return ImageCms.profileToProfile(
                    image,
                    source_profile,
                    SRGB_PROFILE,
                    renderingIntent=ImageCms.Intent.PERCEPTUAL,
                    outputMode="RGB",
                )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # A broken profile: the untransformed pixels are still the best guess.
    return image if image.mode == "RGB" else image.convert("RGB")


def _pixels_only(image):
    """A fresh RGB image holding nothing but the pixels: no EXIF, XMP or ICC can follow."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    fresh = Image.new("RGB", image.size, None)
    fresh.paste(image)
    return fresh


def _encode_webp(image, quality):
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=quality, method=WEBP_METHOD)
    return buffer.getvalue()
