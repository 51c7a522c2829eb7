"""Importing a Figma page, outside the request.

The import page recorded the import as pending and sent `import_figma` with the token once
its transaction committed (`services.send`). The task claims the import, does the work and
writes how far it got in short updates of its own, which the status page polls. A second
delivery of a finished import changes nothing; one of an import a dead worker left running
runs it again, which updates the screens already made rather than adding copies.
"""

from celery import shared_task
from django.db import OperationalError

from prototypes.figma import services
from prototypes.figma.client import FigmaError
from prototypes.figma.models import FigmaImport
from prototypes.jobs import BACKOFF_RETRIES, JobTask

FAILED_MESSAGE = (
    "The import stopped on our side. Screens already imported are kept; import again to "
    "finish. If it fails again, tell your administrator (the technical reason is in the "
    "server log)."
)


class FigmaImportTask(JobTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        super().on_failure(exc, task_id, args, kwargs, einfo)
        # Out of retries: say so on the status page rather than leaving it running for ever.
        services.fail(args[0], FAILED_MESSAGE)


@shared_task(
    base=FigmaImportTask,
    bind=True,
    name="prototypes.figma.import_figma",
    autoretry_for=(OperationalError,),
    # A hundred frames downloaded and processed, and pauses Figma asks for, take longer than
    # the four minutes other tasks get.
    soft_time_limit=1200,
    time_limit=1260,
    **BACKOFF_RETRIES,
)
def import_figma(self, figma_import_id, token="", job_id=None):
    """Import a Figma page into a prototype's draft with the designer's token."""
    imports = FigmaImport.objects.filter(pk=figma_import_id)
    claimed = imports.filter(
        status__in=[FigmaImport.Status.PENDING, FigmaImport.Status.RUNNING]
    ).update(status=FigmaImport.Status.RUNNING, step=FigmaImport.Step.READING, frames_done=0)
    if not claimed:
        return "nothing to do"
    figma_import = imports.select_related("prototype").get()
    try:
        services.run(figma_import, services.client_for(figma_import, token))
    except FigmaError as error:
        services.fail(figma_import_id, error.message)
        return "refused"
    return "imported"
