"""HTTP compression of the text Django answers with (pages, htmx partials, JSON).

Django's GZipMiddleware compresses any response; this one leaves alone what is compressed
already (screen renditions in WebP, PNG or JPEG; WhiteNoise answers before it with its own
precompressed static files). Django pads every compressed response with random bytes against
BREACH-style attacks on secrets in compressed pages.
"""

from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "image/svg+xml",
)


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        # A live stream's events must reach the browser as written, never held for a block.
        if not content_type.startswith(COMPRESSIBLE_TYPES) or content_type.startswith(
            "text/event-stream"
        ):
            return response
        return super().process_response(request, response)
