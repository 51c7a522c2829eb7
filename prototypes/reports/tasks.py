import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from prototypes.authoring.models import Screen
from prototypes.jobs import BACKOFF_RETRIES, JobTask
from prototypes.reports import exports, heatmaps
from prototypes.reports.models import HeatmapImage, ReportExport
from prototypes.studies.models import Study

logger = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "The file could not be built. Try again; if it fails again, tell your administrator "
    "(the technical reason is in the server log)."
)


@shared_task(
    base=JobTask,
    bind=True,
    name="prototypes.reports.render_heatmap",
    autoretry_for=(OperationalError,),
    **BACKOFF_RETRIES,
)
def render_heatmap(self, study_id, screen_id, job_id=None):
    """Draw the click heatmap of one screen in one study, unless the cached one is current."""
    study = Study.objects.filter(pk=study_id).first()
    screen = Screen.objects.filter(pk=screen_id).first()
    if study is None or screen is None:
        return "gone"
    clicks = heatmaps.study_clicks(study).filter(screen=screen)
    totals = clicks.aggregate(count=Count("id"), last=Max("id"))
    if not totals["count"]:
        return "no clicks"
    wanted = heatmaps.fingerprint(totals["count"], totals["last"])
    heatmap, _ = HeatmapImage.objects.get_or_create(study=study, screen=screen)
    if heatmap.fingerprint == wanted and heatmap.file:
        return "up to date"
    picture = screen.image or screen.thumbnail
    if not picture:
        return "screen has no picture"

    # Only the clicks the fingerprint counts, even if more arrived since.
    points = list(clicks.filter(id__lte=totals["last"]).values_list("x", "y"))
    with picture.open("rb") as handle:
        png = heatmaps.draw_heatmap(handle, points)

    with transaction.atomic():
        locked = HeatmapImage.objects.select_for_update().get(pk=heatmap.pk)
        if locked.fingerprint == wanted and locked.file:
            return "up to date"
        old_file = locked.file.name
        locked.file.save("heatmap.png", ContentFile(png), save=False)
        locked.fingerprint = wanted
        locked.built_at = timezone.now()
        locked.save(update_fields=["file", "fingerprint", "built_at"])
        if old_file:
            storage = locked.file.storage
            transaction.on_commit(lambda: storage.delete(old_file))
    return "drawn"


@shared_task(
    base=JobTask,
    bind=True,
    name="prototypes.reports.build_export",
    autoretry_for=(OperationalError,),
    **BACKOFF_RETRIES,
)
def build_export(self, export_id, job_id=None):
    """Build a PDF summary or raw-data file; a finished export is left alone."""
    export = ReportExport.objects.select_related("study").filter(pk=export_id).first()
    if export is None or export.status == ReportExport.Status.DONE:
        return "nothing to do"
    try:
        exports.build(export)
    except Exception as error:
        retrying = isinstance(error, OperationalError) and self.request.retries < self.max_retries
        if not retrying:
            logger.exception("Export %s failed", export_id)
            ReportExport.objects.filter(pk=export_id).update(
                status=ReportExport.Status.FAILED,
                error=FAILED_MESSAGE,
                finished_at=timezone.now(),
            )
        raise
    return "built"
