"""Importing a mapped export into the evidence inbox, outside the request.

The mapping page marked the import pending and enqueued `import_evidence`; the task reads,
masks and groups the rows while writing how far it got in short updates of their own (the
status page polls them), then stores every item in one transaction, or none. A second
delivery of the job finds the import finished and changes nothing.
"""

from celery import shared_task
from django.db import OperationalError

from prototypes.friction import exports, services
from prototypes.friction.models import EvidenceImport
from prototypes.jobs import BACKOFF_RETRIES, JobInterrupted, JobTask

FAILED_MESSAGE = (
    "The import stopped on our side and nothing was imported. Try again; if it fails again, "
    "tell your administrator (the technical reason is in the server log)."
)
INTERRUPTED_MESSAGE = (
    "The import stopped our worker several times, most likely for lack of memory, and nothing "
    "was imported. Split the file into smaller ones."
)


class EvidenceImportTask(JobTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        super().on_failure(exc, task_id, args, kwargs, einfo)
        # Out of retries: say so on the status page rather than leaving it running for ever.
        message = INTERRUPTED_MESSAGE if isinstance(exc, JobInterrupted) else FAILED_MESSAGE
        fail(args[0], message)


def fail(evidence_import_id, message):
    EvidenceImport.objects.filter(
        pk=evidence_import_id,
        status__in=[EvidenceImport.Status.PENDING, EvidenceImport.Status.RUNNING],
    ).update(status=EvidenceImport.Status.FAILED, step="", error=message)


@shared_task(
    base=EvidenceImportTask,
    bind=True,
    name="prototypes.friction.import_evidence",
    autoretry_for=(OperationalError,),
    **BACKOFF_RETRIES,
)
def import_evidence(self, evidence_import_id, job_id=None):
    """Import a staged export with the mapping the designer confirmed."""
    imports = EvidenceImport.objects.filter(pk=evidence_import_id)
    # Pending, or running when a worker died mid-way (nothing of it was stored).
    claimed = imports.filter(
        status__in=[EvidenceImport.Status.PENDING, EvidenceImport.Status.RUNNING]
    ).update(status=EvidenceImport.Status.RUNNING, step=EvidenceImport.Step.READING, rows_read=0)
    if not claimed:
        return "nothing to do"
    evidence_import = imports.select_related("workspace").get()

    def progress(step, rows_read):
        imports.update(step=step, rows_read=rows_read)

    try:
        services.run_import(evidence_import, evidence_import.mapping, progress=progress)
    except exports.ExportRefused as error:
        fail(evidence_import_id, str(error))
        return "refused"
    return "imported"
