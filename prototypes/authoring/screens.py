"""Changing the screens of a draft.

The request only checks what is cheap to check (size and the file's first bytes) and stores
the original; decoding happens in `tasks.process_screen`, never here.
"""

import re
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from prototypes import imaging
from prototypes.authoring.files import delete_when_unreferenced, new_files, screen_files
from prototypes.authoring.models import Prototype, Screen
from prototypes.authoring.tasks import process_screen
from prototypes.jobs import enqueue

# For the file picker; the real check is `imaging.sniff` on the file's first bytes.
ACCEPT_ATTRIBUTE = (
    "image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf,image/svg+xml,"
    ".jpg,.jpeg,.png,.webp,.heic,.heif,.pdf,.svg"
)


class UploadRefused(Exception):
    """The file cannot be accepted; the message is written for the designer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def check_upload(file):
    """Refuse a file that is too large or not one of the accepted formats, without decoding it."""
    if file.size == 0:
        raise UploadRefused(f"“{file.name}” is empty. Choose the file again and re-upload it.")
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(
            f"“{file.name}” is larger than {settings.UPLOAD_MAX_BYTES / 1024 / 1024:g} MB. "
            "Export it at a smaller size and upload it again."
        )
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if imaging.sniff(head) is None:
        raise UploadRefused(imaging.describe_unaccepted(head, subject=f"“{file.name}”"))


def natural_key(name):
    """Sort "screen 2" before "screen 10", as people number their files."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name)]


def screen_name_for(filename):
    max_length = Screen._meta.get_field("name").max_length
    return (PurePath(filename).stem.strip() or "Screen")[:max_length]


def add_screens(version, files, clean_paper=False):
    """Store every file as a processing screen at the end of the version, in file-name order.

    All files are checked before any is stored: one refused file refuses the whole batch.
    """
    files = sorted(files, key=lambda file: natural_key(file.name))
    for file in files:
        check_upload(file)
    screens = []
    with new_files() as written, transaction.atomic():
        position = next_position(version)
        for offset, file in enumerate(files):
            screen = Screen(
                version=version,
                name=screen_name_for(file.name),
                position=position + offset,
                clean_paper=clean_paper,
            )
            screen.upload.save("original", file, save=False)
            written.append(screen.upload.name)
            screen.save()
            enqueue(process_screen, screen.pk, True)
            screens.append(screen)
        touch(version.prototype_id)
    return screens


def replace_image(screen, file, clean_paper=False):
    """Process a new image for the screen; its name, position and hotspots stay."""
    check_upload(file)
    with new_files() as written, transaction.atomic():
        old_upload = screen.upload.name
        screen.upload.save("original", file, save=False)
        written.append(screen.upload.name)
        screen.status = Screen.Status.PROCESSING
        screen.failure_reason = ""
        screen.clean_paper = clean_paper
        screen.page_number = 1
        screen.save()
        # A replaced PDF page takes the first page of the new file; it cannot become several.
        enqueue(process_screen, screen.pk, False)
        delete_when_unreferenced([old_upload])
        touch(screen.version.prototype_id)


def next_position(version):
    last = version.screens.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def reorder(version, screen_ids):
    """Put the version's screens in the given order; the ids must be exactly its screens."""
    screens = {screen.pk: screen for screen in version.screens.select_for_update()}
    if sorted(screen_ids) != sorted(screens):
        raise ValueError("The new order must list every screen of the prototype once.")
    for position, screen_id in enumerate(screen_ids):
        screens[screen_id].position = position
    Screen.objects.bulk_update(screens.values(), ["position"])
    touch(version.prototype_id)


def move(screen, step):
    """Move the screen one place earlier (step -1) or later (step +1)."""
    ids = list(screen.version.screens.values_list("pk", flat=True))
    index = ids.index(screen.pk)
    other = index + step
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        reorder(screen.version, ids)


@transaction.atomic
def delete_screen(screen):
    """Delete the screen; hotspots that led to it are kept, without a target."""
    files = screen_files([screen])
    screen.delete()
    delete_when_unreferenced(files)
    touch(screen.version.prototype_id)


@transaction.atomic
def delete_prototype(prototype):
    files = screen_files(Screen.objects.filter(version__prototype=prototype))
    prototype.delete()
    delete_when_unreferenced(files)


def publish_problems(draft):
    """Why the draft cannot be published yet (an empty list when it can)."""
    counts = {status: 0 for status in Screen.Status.values}
    for status in draft.screens.values_list("status", flat=True):
        counts[status] += 1
    problems = []
    if not sum(counts.values()):
        problems.append("Add at least one screen before publishing.")
    if counts[Screen.Status.PROCESSING]:
        problems.append(
            f"{counts[Screen.Status.PROCESSING]} screen(s) are still processing; "
            "publish once they are ready."
        )
    if counts[Screen.Status.FAILED]:
        problems.append(
            f"{counts[Screen.Status.FAILED]} screen(s) failed to process; "
            "replace or delete them first."
        )
    return problems


def touch(prototype_id):
    """Show the prototype as recently changed in lists ordered by last change."""
    Prototype.objects.filter(pk=prototype_id).update(updated_at=timezone.now())
