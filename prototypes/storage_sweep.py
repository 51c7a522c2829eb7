"""Delete stored files that no row refers to any more.

Files are written before the transaction that refers to them commits, and `new_files` deletes
them again when that transaction fails. A process killed in between (a worker that dies after
writing a screen's renditions, before its commit) leaves files nothing names and nothing will
ever delete. Celery beat runs this sweep once a day. It only considers files older than
GRACE, so a file whose transaction is still open is never taken.
"""

from datetime import timedelta

from celery import shared_task
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from prototypes.audio.models import AudioChunk
from prototypes.authoring.models import Screen
from prototypes.reports.models import HeatmapImage, ReportExport

# Every folder files are stored in, with the model fields that refer to its files. A test keeps
# this in step with the models' FileFields.
OWNERS = (
    ("uploads", Screen, ("upload",)),
    ("screens", Screen, ("image", "thumbnail")),
    ("exports", ReportExport, ("file",)),
    ("heatmaps", HeatmapImage, ("file",)),
    ("audio", AudioChunk, ("file",)),
)
GRACE = timedelta(days=1)
CHUNK = 500


def sweep_unreferenced_files(now=None):
    """Delete the files no row refers to that are older than GRACE; returns their names."""
    cutoff = (now or timezone.now()) - GRACE
    deleted = []
    for folder, model, fields in OWNERS:
        try:
            _, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        names = [f"{folder}/{name}" for name in files]
        for start in range(0, len(names), CHUNK):
            chunk = names[start : start + CHUNK]
            used = referenced(model, fields, chunk)
            for name in chunk:
                if name not in used and default_storage.get_modified_time(name) < cutoff:
                    default_storage.delete(name)
                    deleted.append(name)
    return deleted


def referenced(model, fields, names):
    """Those of ``names`` that a row of ``model`` refers to in one of ``fields``."""
    query = Q()
    for field in fields:
        query |= Q(**{f"{field}__in": names})
    rows = model.objects.filter(query).values_list(*fields)
    return {name for row in rows for name in row}


@shared_task(name="prototypes.sweep_unreferenced_files")
def sweep_unreferenced_files_task():
    return len(sweep_unreferenced_files())
