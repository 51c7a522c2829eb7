"""Turning uploaded files into screen images, outside the request.

The request stored the original and created the screen as "processing"; `process_screen`
decodes it through `prototypes.imaging` and stores the display image and thumbnail. It is safe
to run twice: the screen row is locked and must still be processing the same original, so a
second delivery, a retry after a crash or a job for a file that has since been replaced changes
nothing.
"""

import dataclasses
import io

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction
from django.db.models import F

from prototypes import imaging
from prototypes.authoring.files import delete_when_unreferenced, new_files
from prototypes.authoring.models import Screen
from prototypes.jobs import BACKOFF_RETRIES, JobInterrupted, JobTask

LOST_REASON = "The uploaded file was lost before it could be processed. Upload it again."
GAVE_UP_REASON = (
    "Processing kept failing on our side. Try uploading the file again in a few minutes."
)
INTERRUPTED_REASON = (
    "Processing this file stopped our image worker several times, most likely for lack of "
    "memory. Upload a smaller image (fewer pixels), for instance a JPEG export of the screen."
)


def upload_limits():
    return imaging.Limits(
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_pixels=settings.UPLOAD_MAX_PIXELS,
        max_pages=settings.UPLOAD_MAX_PAGES,
    )


class ScreenProcessingTask(JobTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        super().on_failure(exc, task_id, args, kwargs, einfo)
        # Out of retries: say so on the screen rather than leaving it "processing" for ever.
        reason = INTERRUPTED_REASON if isinstance(exc, JobInterrupted) else GAVE_UP_REASON
        Screen.objects.filter(pk=args[0], status=Screen.Status.PROCESSING).update(
            status=Screen.Status.FAILED, failure_reason=reason
        )


@shared_task(
    base=ScreenProcessingTask,
    bind=True,
    name="prototypes.authoring.process_screen",
    autoretry_for=(OSError, OperationalError),
    **BACKOFF_RETRIES,
)
def process_screen(self, screen_id, all_pages=True, job_id=None):
    """Process the screen's original; with `all_pages`, a PDF's later pages become screens."""
    process(screen_id, all_pages)


def process(screen_id, all_pages=True):
    """The work of `process_screen`, callable directly where the result is needed at once."""
    screen = Screen.objects.filter(pk=screen_id, status=Screen.Status.PROCESSING).first()
    if screen is None or not screen.upload:
        return
    upload_name = screen.upload.name
    limits = upload_limits()
    try:
        with default_storage.open(upload_name, "rb") as source:
            data = source.read(limits.max_bytes + 1)
    except FileNotFoundError:
        fail(screen_id, upload_name, LOST_REASON)
        return
    try:
        pages = imaging.process_upload(
            io.BytesIO(data),
            limits,
            clean_paper=screen.clean_paper,
            first_page_only=not all_pages,
        )
    except imaging.ImageRejected as rejection:
        fail(screen_id, upload_name, rejection.message)
        return
    if keeps_quality_as_is(data, pages[0], screen.clean_paper):
        pages[0] = dataclasses.replace(pages[0], display=data)

    with new_files() as written, transaction.atomic():
        screen = (
            Screen.objects.select_for_update()
            .filter(pk=screen_id, status=Screen.Status.PROCESSING, upload=upload_name)
            .first()
        )
        if screen is None:
            return  # Deleted, replaced or finished by another delivery meanwhile.
        old_files = [screen.image.name, screen.thumbnail.name]
        first, *later = pages
        store_renditions(screen, first, written)
        if later:
            screen.name = page_name(screen.name, 1)
            insert_later_pages(screen, later, written)
        screen.save()
        delete_when_unreferenced(old_files)


def store_renditions(screen, page, written):
    screen.image.save("screen.webp", ContentFile(page.display), save=False)
    written.append(screen.image.name)
    screen.thumbnail.save("thumbnail.webp", ContentFile(page.thumbnail), save=False)
    written.append(screen.thumbnail.name)
    screen.width = page.width
    screen.height = page.height
    screen.status = Screen.Status.READY
    screen.failure_reason = ""


def insert_later_pages(screen, pages, written):
    """Add pages 2..n right after the first, sharing its original.

    This runs in the same transaction that marks the first page ready, so a retry either finds
    the first page still processing and nothing inserted, or finds it ready and stops.
    """
    Screen.objects.filter(version_id=screen.version_id, position__gt=screen.position).update(
        position=F("position") + len(pages)
    )
    base_name = screen.name.rsplit(" — page ", 1)[0]
    for offset, page in enumerate(pages, start=1):
        extra = Screen(
            version_id=screen.version_id,
            name=page_name(base_name, page.page_number),
            position=screen.position + offset,
            clean_paper=screen.clean_paper,
            upload=screen.upload.name,
            page_number=page.page_number,
        )
        store_renditions(extra, page, written)
        extra.save()


def page_name(name, number):
    suffix = f" — page {number}"
    return name[: Screen._meta.get_field("name").max_length - len(suffix)] + suffix


def fail(screen_id, upload_name, reason):
    """Record why the file cannot be used; its original is of no further use."""
    with transaction.atomic():
        updated = Screen.objects.filter(
            pk=screen_id, status=Screen.Status.PROCESSING, upload=upload_name
        ).update(status=Screen.Status.FAILED, failure_reason=reason[:300], upload="")
        if updated:
            delete_when_unreferenced([upload_name])


def keeps_quality_as_is(data, page, clean_paper):
    """Whether the original already is exactly what processing would store.

    Lossy WebP loses a little more each time it is re-encoded, so a file that is plain lossy
    WebP (a single VP8 chunk: no alpha, no EXIF, XMP or ICC data) at display size, already
    checked by the full decode in `process_upload`, is kept byte for byte. This is what lets a
    prototype go through ZIP export and import any number of times without degrading.
    """
    if clean_paper or len(data) < 30 or data[:4] != b"RIFF" or data[8:16] != b"WEBPVP8 ":
        return False
    riff_size = int.from_bytes(data[4:8], "little")
    chunk_size = int.from_bytes(data[16:20], "little")
    if riff_size + 8 != len(data) or 20 + chunk_size + (chunk_size & 1) != len(data):
        return False
    width = int.from_bytes(data[26:28], "little") & 0x3FFF
    height = int.from_bytes(data[28:30], "little") & 0x3FFF
    return (width, height) == (page.width, page.height)
