"""Serve processed screen images from local storage.

Only renditions are served: they live under screens/ with random 128-bit names, so knowing a
URL is the permission (the participant player needs them without an account). Originals under
uploads/ and report exports are never reachable here. With S3 storage, `storage.url()` gives
signed URLs instead and this view is not used.
"""

import mimetypes
import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from prototypes.workspaces.access import public_view

RENDITION_NAME = re.compile(r"^[0-9a-f]{32}\.(webp|png|jpg)$")


@public_view
@require_GET
def rendition(request, name):
    if not RENDITION_NAME.match(name):
        raise Http404("No such image.")
    path = f"screens/{name}"
    if not default_storage.exists(path):
        raise Http404("No such image.")
    response = FileResponse(
        default_storage.open(path, "rb"),
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


@public_view
@require_GET
def favicon(request):
    """/favicon.ico, which browsers ask for whatever the page's <link rel="icon"> says."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response
