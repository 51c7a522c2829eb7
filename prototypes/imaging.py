"""Turn an uploaded file into the renditions a Screen is shown with.

Designers upload phone photos of paper sketches, exported wireframes and PDFs. Everything they
send is untrusted: the real format is read from the file's first bytes (never from its name or
declared content type), only Pillow's JPEG, PNG, WebP and HEIF decoders are ever used (nothing
is handed to Ghostscript or another outside program), sizes are checked from the header before
any pixel is decoded, and every rendition is rebuilt from pixels alone so no EXIF, GPS, XMP or
ICC data from the upload survives.

`process_upload` is pure and synchronous; a Celery task calls it, never the request.

Decisions worth knowing:
- Animated PNG (APNG) and animated WebP are refused: a prototype screen is a still image, and
  silently keeping the first frame would show participants something the designer may not
  expect. A JPEG carrying extra pictures (MPO, as many phones write) and a HEIF container with
  several images are not animations: their primary image is used.
- Colour is converted to sRGB through the embedded ICC profile when it matches the pixels; a
  broken profile is ignored rather than costing the upload.
- The module changes warning filters while decoding, which is process-wide state: call it from
  a prefork worker (Celery's default), not from several threads at once.
"""

import contextlib
import io
import os
import warnings
from dataclasses import dataclass

import numpy
import pillow_heif
import pypdfium2
import pypdfium2.raw
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageFilter

pillow_heif.register_heif_opener()

MEGABYTE = 1024 * 1024

ACCEPTED_DESCRIPTION = "Accepted: JPEG, PNG, WebP, HEIC/HEIF and PDF."

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
    return None


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
    kind = sniff(data[:64])
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
    if b"<svg" in text:
        return "an SVG drawing", ACCEPTED_DESCRIPTION
    if text.startswith((b"<!doctype html", b"<html")) or b"<script" in text:
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
