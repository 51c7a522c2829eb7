"""Importing a Figma page into a prototype's draft, and updating it on a later import.

`start` records the import and hands the token to the job after the transaction commits:
the token travels in the job's message only (with its shown form masked), so it is never
written to the database, a log line or the job table, and is gone once the import ends.

`run` does the work in the job: every call to Figma first (the file's outline, the page,
the renders' addresses, in batches), then the draft's screens, then each render downloaded
and put through the same image pipeline as an upload, and last the connections as hotspots.
Screens and hotspots are matched to frames and layers by their Figma node ids, so running an
import again, or a second delivery of the same job, updates rather than duplicates.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from prototypes.authoring import tasks as screen_tasks
from prototypes.authoring.files import delete_when_unreferenced, new_files
from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.authoring.screens import next_position, touch
from prototypes.figma import design
from prototypes.figma.client import Client, FigmaError
from prototypes.figma.models import FigmaHotspot, FigmaImport, FigmaScreen

logger = logging.getLogger(__name__)

QUEUE_DOWN_MESSAGE = (
    "The import could not start: our job queue did not answer. Nothing was imported and your "
    "token was not kept. Try again in a minute."
)
NOT_RENDERED_REASON = (
    "Figma could not render this frame (it may be empty or hidden). Check it in Figma and "
    "import again."
)
# Figma renders up to 32 megapixels; screens are shown at most 2000 pixels across, so a
# render much larger than twice that only costs time.
MAX_RENDER_EDGE = 4000


def start(prototype, user, link, token, scale):
    """Record an import of `link` into the prototype's draft and start it once committed."""
    if prototype.kind != Prototype.Kind.PAPER:
        raise FigmaError("Only paper prototypes have screens to import from Figma.")
    with transaction.atomic():
        figma_import = FigmaImport.objects.create(
            prototype=prototype,
            file_key=link.file_key,
            node_id=link.node_id,
            scale=scale,
            created_by=user,
        )
        transaction.on_commit(partial(send, figma_import.pk, token))
    return figma_import


def send(figma_import_id, token):
    """Hand the import to Celery with the token; the token is shown masked wherever Celery
    shows a task's arguments (logs, events, monitoring)."""
    from prototypes.figma.tasks import import_figma

    try:
        import_figma.apply_async(
            args=[figma_import_id],
            kwargs={"token": token},
            kwargsrepr="{'token': '[hidden]'}",
            retry=False,
        )
    except Exception as error:  # noqa: BLE001 - any broker failure: the import cannot start
        logger.warning("Figma import %s could not be sent: %s", figma_import_id, type(error))
        fail(figma_import_id, QUEUE_DOWN_MESSAGE)


def fail(figma_import_id, message):
    FigmaImport.objects.filter(
        pk=figma_import_id,
        status__in=[FigmaImport.Status.PENDING, FigmaImport.Status.RUNNING],
    ).update(status=FigmaImport.Status.FAILED, step="", error=message, finished_at=timezone.now())


def client_for(figma_import, token):
    imports = FigmaImport.objects.filter(pk=figma_import.pk)

    def wait(seconds):
        imports.update(
            step=FigmaImport.Step.WAITING,
            waiting_until=timezone.now() + timedelta(seconds=seconds),
        )

    return Client(settings.FIGMA_API_URL, token, settings.FIGMA_MAX_WAIT_SECONDS, wait=wait)


def run(figma_import, client):
    """Import the page into the draft; raise FigmaError with a sentence when it cannot."""
    imports = FigmaImport.objects.filter(pk=figma_import.pk)
    key = figma_import.file_key
    outline = client.file(key, depth=2)
    page = design.page_holding(outline.get("document") or {}, figma_import.node_id)
    if page is None:
        # A link to a layer inside a frame: the ancestor chain names its page.
        chain = client.file(key, ids=[figma_import.node_id])
        page = design.page_holding(chain.get("document") or {}, figma_import.node_id)
    if page is None:
        raise FigmaError(
            "The link points at a layer this file does not have any more. Copy the link of "
            "the page or frame again and import that."
        )
    full = client.file(key, ids=[page["id"]])
    page = next(
        (node for node in design.pages(full.get("document") or {}) if node["id"] == page["id"]),
        page,
    )
    frames = design.frames(page, first=figma_import.node_id)
    page_name = str(page.get("name") or "")[:200]
    if not frames:
        raise FigmaError(
            f"The page “{page_name}” has no frames. Put each screen in a frame (Figma's Frame "
            "tool, F) and import again."
        )
    if len(frames) > settings.FIGMA_MAX_FRAMES:
        raise FigmaError(
            f"The page “{page_name}” has {len(frames)} frames; at most "
            f"{settings.FIGMA_MAX_FRAMES} are imported at once. Move the screens of this "
            "prototype to a page of their own and import that page."
        )
    imports.update(
        file_name=str(outline.get("name") or "")[:200],
        page_name=page_name,
        frames_total=len(frames),
        step=FigmaImport.Step.RENDERING,
    )
    urls = client.render(
        key,
        [frame.node_id for frame in frames],
        render_scale(frames, figma_import.scale),
        settings.FIGMA_IMAGE_BATCH,
    )
    imports.update(step=FigmaImport.Step.DOWNLOADING, waiting_until=None)

    draft = figma_import.prototype.draft
    screens, counts = upsert_screens(draft, key, frames)
    failed = 0
    for done, frame in enumerate(frames, start=1):
        screen = screens[frame.node_id]
        url = urls.get(frame.node_id)
        try:
            if not url:
                raise FigmaError(NOT_RENDERED_REASON)
            data = client.download(url, settings.UPLOAD_MAX_BYTES)
        except FigmaError as error:
            failed += 1
            mark_failed(screen, error.message)
        else:
            failed += not process_image(screen, data)
        imports.update(frames_done=done)

    imports.update(step=FigmaImport.Step.LINKING)
    hotspot_counts = sync_hotspots(draft, key, frames, screens)
    touch(draft.prototype_id)
    imports.update(
        status=FigmaImport.Status.DONE,
        step="",
        finished_at=timezone.now(),
        screens_failed=failed,
        **counts,
        **hotspot_counts,
    )


def render_scale(frames, chosen):
    """The chosen scale, lowered so that no frame renders past MAX_RENDER_EDGE pixels."""
    longest = max(max(frame.width, frame.height) for frame in frames)
    return max(0.01, min(float(chosen), round(MAX_RENDER_EDGE / longest, 2)))


@transaction.atomic
def upsert_screens(draft, key, frames):
    """{frame node id: its draft screen}: screens an earlier import made are renamed when
    their frame was; new frames get new screens at the end of the draft."""
    linked = {
        link.node_id: link.screen
        for link in FigmaScreen.objects.filter(screen__version=draft, file_key=key)
        .select_related("screen")
        .select_for_update()
    }
    position = next_position(draft)
    screens, renamed, added = {}, [], 0
    for frame in frames:
        screen = linked.get(frame.node_id)
        if screen is None:
            screen = Screen.objects.create(
                version=draft,
                name=frame.name,
                position=position + added,
                status=Screen.Status.PROCESSING,
            )
            FigmaScreen.objects.create(screen=screen, file_key=key, node_id=frame.node_id)
            added += 1
        elif screen.name != frame.name:
            screen.name = frame.name
            renamed.append(screen)
        screens[frame.node_id] = screen
    Screen.objects.bulk_update(renamed, ["name"])
    return screens, {
        "screens_added": added,
        "screens_updated": len(frames) - added,
        "screens_renamed": len(renamed),
        "screens_kept": len(set(linked) - set(screens)),
    }


def process_image(screen, data):
    """Store the render as the screen's original and put it through the image pipeline, as
    an upload is; returns whether the screen is ready."""
    with new_files() as written, transaction.atomic():
        old_upload = screen.upload.name
        screen.upload.save("original", ContentFile(data), save=False)
        written.append(screen.upload.name)
        Screen.objects.filter(pk=screen.pk).update(
            upload=screen.upload.name,
            status=Screen.Status.PROCESSING,
            failure_reason="",
            clean_paper=False,
            page_number=1,
        )
        delete_when_unreferenced([old_upload])
    screen_tasks.process(screen.pk, all_pages=False)
    return Screen.objects.filter(pk=screen.pk, status=Screen.Status.READY).exists()


def mark_failed(screen, reason):
    Screen.objects.filter(pk=screen.pk).update(
        status=Screen.Status.FAILED, failure_reason=reason[:300]
    )


@transaction.atomic
def sync_hotspots(draft, key, frames, screens):
    """Make the imported frames' connections the hotspots linked to them.

    A connection seen before updates its hotspot (bounds, label, target), a new one adds a
    hotspot, and one no longer in Figma removes its hotspot. Hotspots without a link, drawn
    by hand, are left as they are.
    """
    # Node ids are unique within a file only: links to another file's nodes are not these.
    targets = {
        link.node_id: link.screen_id
        for link in FigmaScreen.objects.filter(screen__version=draft, file_key=key)
    }
    imported = {screen.pk for screen in screens.values()}
    linked = {
        link.node_id: link
        for link in FigmaHotspot.objects.filter(
            hotspot__screen__version=draft, hotspot__screen__figma__file_key=key
        ).select_related("hotspot")
    }
    positions = dict(
        Hotspot.objects.filter(screen_id__in=imported)
        .values("screen_id")
        .annotate(last=Max("position"))
        .values_list("screen_id", "last")
    )
    changed, added, seen = [], [], set()
    for frame in frames:
        screen = screens[frame.node_id]
        for connection in frame.connections:
            seen.add(connection.node_id)
            values = {
                "screen_id": screen.pk,
                "label": connection.label,
                "x": connection.x,
                "y": connection.y,
                "width": connection.width,
                "height": connection.height,
                "action": connection.action,
                "target_id": targets.get(connection.destination),
            }
            link = linked.get(connection.node_id)
            if link is None:
                position = positions.get(screen.pk)
                positions[screen.pk] = 0 if position is None else position + 1
                added.append((connection.node_id, Hotspot(position=positions[screen.pk], **values)))
                continue
            hotspot = link.hotspot
            if any(getattr(hotspot, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(hotspot, name, value)
                changed.append(hotspot)
    Hotspot.objects.bulk_update(
        changed, ["screen", "label", "x", "y", "width", "height", "action", "target"]
    )
    Hotspot.objects.bulk_create([hotspot for _, hotspot in added])
    FigmaHotspot.objects.bulk_create(
        FigmaHotspot(hotspot=hotspot, node_id=node_id) for node_id, hotspot in added
    )
    # Connections removed in Figma, on frames imported now; other screens keep theirs.
    gone = [
        link.hotspot_id
        for node_id, link in linked.items()
        if node_id not in seen and link.hotspot.screen_id in imported
    ]
    Hotspot.objects.filter(pk__in=gone).delete()
    return {
        "hotspots_added": len(added),
        "hotspots_updated": len(changed),
        "hotspots_removed": len(gone),
    }
